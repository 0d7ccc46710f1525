// Quantity comparisons for validation, on top of the exact codec in src/api/quantity.ts:
// malformed quantities are the schema check's business, so they read as "unknown" here.

import { parseQuantity } from '../quantity.ts';

// Every pod write validates the same few quantity strings ("100m", "64Mi"): parsed once each.
const MEMO_LIMIT = 4096;
const memo = new Map<string | number, bigint | null>();

function nanos(q: unknown): bigint | undefined {
  if (typeof q !== 'string' && typeof q !== 'number') return undefined;
  const known = memo.get(q);
  if (known !== undefined) return known ?? undefined;
  let value: bigint | null;
  try {
    value = parseQuantity(q).nanos;
  } catch {
    value = null;
  }
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(q, value);
  return value ?? undefined;
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
