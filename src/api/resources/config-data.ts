// Key and size checks shared by ConfigMaps and Secrets, and their `immutable` flag.

import { fieldError, type FieldError } from '../errors.ts';
import { isConfigMapKey } from '../validation/names.ts';
import { equalJSON } from './strategy-helpers.ts';

export const MAX_DATA_SIZE_BYTES = 1024 * 1024;

export function validateDataKeys(bag: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(bag ?? {})) {
    for (const msg of isConfigMapKey(key)) errs.push(fieldError.invalid(`${path}[${key}]`, key, msg));
  }
  return errs;
}

/** Once `immutable: true` is stored, neither the flag nor the listed fields may change. */
export function validateImmutableData(obj: any, old: any, fields: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (obj.immutable !== true) errs.push(fieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!equalJSON(obj[f] ?? {}, old[f] ?? {})) errs.push(fieldError.forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}
