// Small pieces the resource strategies share: defaulting a field, keeping status or spec
// from the old object, and the metadata check every strategy runs.

import type { FieldError } from '../errors.ts';
import { validateObjectMeta, validateObjectMetaTransition } from '../validation/object-meta.ts';
import type { NameFn } from '../validation/names.ts';

export function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

/** Sets `obj[key]` when it is unset (undefined or null). */
export function setDefault(obj: any, key: string, value: unknown): void {
  if (obj[key] === undefined || obj[key] === null) obj[key] = value;
}

/** The object at `obj[key]`, created when missing. */
export function ensureObject(obj: any, key: string): any {
  if (obj[key] === undefined || obj[key] === null || typeof obj[key] !== 'object') obj[key] = {};
  return obj[key];
}

export function equalJSON(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: any): any {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out: any = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k]);
    return out;
  }
  return v ?? null;
}

/** Main-endpoint update of a kind with a status subresource: the status stays as it was. */
export function keepOldStatus(obj: any, old: any): void {
  if (old.status === undefined) delete obj.status;
  else obj.status = clone(old.status);
}

/**
 * Update through `/status`: only status (and labels/annotations unless `keepMeta`) may change;
 * spec and everything else come from the old object.
 */
export function keepAllButStatus(obj: any, old: any, keepMeta: string[] = ['ownerReferences', 'finalizers']): void {
  for (const key of Object.keys(obj)) {
    if (key !== 'status' && key !== 'metadata' && key !== 'apiVersion' && key !== 'kind') delete obj[key];
  }
  for (const key of Object.keys(old)) {
    if (key !== 'status' && key !== 'metadata') obj[key] = clone(old[key]);
  }
  const meta = ensureObject(obj, 'metadata');
  for (const key of keepMeta) {
    if (old.metadata?.[key] === undefined) delete meta[key];
    else meta[key] = clone(old.metadata[key]);
  }
}

export function metaValidator(namespaced: boolean, nameFn: NameFn) {
  return (obj: any): FieldError[] => validateObjectMeta(obj?.metadata, { namespaced, nameFn });
}

/**
 * The update-only metadata checks. The API server runs `validate` on the new object as well,
 * so syntax errors are reported once, by `validate`.
 */
export function metaUpdateValidator() {
  return (obj: any, old: any): FieldError[] => validateObjectMetaTransition(obj?.metadata, old?.metadata);
}
