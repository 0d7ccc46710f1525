// Label and annotation checks as apimachinery's metav1 and objectmeta validation.

import { fieldError, type FieldError } from '../errors.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';

export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

export function validateLabelName(key: string, field: string): FieldError[] {
  return isQualifiedName(key).map((msg) => fieldError.invalid(field, key, msg));
}

/** Errors carry the map's path (`metadata.labels`), as upstream reports them. */
export function validateLabels(labels: Record<string, string> | undefined | null, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, field));
    if (typeof v !== 'string') {
      errs.push(fieldError.typeInvalid(field, v, 'must be a string'));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(fieldError.invalid(field, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: Record<string, string> | undefined | null, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    // Annotation keys are qualified names in any letter case.
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldError.invalid(field, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : '');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_BYTES) errs.push(fieldError.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT_BYTES));
  return errs;
}
