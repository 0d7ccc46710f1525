// Quantity comparisons for validation, on top of the exact codec in src/api/quantity.ts:
// malformed quantities are the schema check's business, so they read as "unknown" here.

import { quantityNanos } from '../quantity.ts';

function nanos(q: unknown): bigint | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  try {
    return quantityNanos(q);
  } catch {
    return undefined;
  }
}

/** -1, 0 or 1 as a is less than, equal to or greater than b; undefined when either is malformed. */
export function compareQuantities(a: unknown, b: unknown): number | undefined {
  const x = nanos(a);
  const y = nanos(b);
  if (x === undefined || y === undefined) return undefined;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isNegativeQuantity(q: unknown): boolean {
  const n = nanos(q);
  return n !== undefined && n < 0n;
}
