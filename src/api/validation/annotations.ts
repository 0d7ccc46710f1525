// Annotation checks as apimachinery's objectmeta validation (labels: src/api/labels.ts).

import { fieldError, type FieldError } from '../errors.ts';
import { isQualifiedName } from './names.ts';

export const TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024;

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
