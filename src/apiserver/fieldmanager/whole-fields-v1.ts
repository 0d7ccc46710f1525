// The fieldsV1 of everything in a value (what compare(undefined, value) reports added), less
// some exact paths, written in one walk without building a FieldSet: a create records its
// manager as owning exactly this, and creates are the most frequent write.

import { comparePathElements, type FieldSet } from './field-set.ts';
import { fieldOf, indexList, isGranular } from './typed-value.ts';
import type { SchemaNode } from './type-schema.ts';

/**
 * `compare(undefined, value, node).added.difference(stripped).toFieldsV1()` for a value that is
 * granular under `node` (see isGranular); undefined when that set has no member.
 */
export function wholeFieldsV1(value: unknown, node: SchemaNode, stripped: FieldSet): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  return writeWhole(value, node, stripped, out) ? out : undefined;
}

/** Writes the members below granular `v` into `out`, keys sorted; false when there are none. */
function writeWhole(v: unknown, node: SchemaNode, stripped: FieldSet | undefined, out: Record<string, unknown>): boolean {
  let wrote = false;
  if (Array.isArray(v)) {
    if (node.kind !== 'list') return false;
    const items = indexList(node, v, false);
    const keys = [...items.keys()];
    if (keys.length > 1) sortInPlace(keys, comparePathElements);
    for (const k of keys) if (writeChild(k, items.get(k), node.items, false, stripped, out)) wrote = true;
  } else {
    const o = v as Record<string, unknown>;
    // Field elements all start `f:`, so sorting the names sorts the elements.
    const names = Object.keys(o);
    if (names.length > 1) sortInPlace(names, compareStrings);
    for (const name of names) {
      const x = o[name];
      if (x === undefined) continue;
      const f = fieldOf(node, name);
      if (writeChild('f:' + name, x, f.node, f.alwaysPresent, stripped, out)) wrote = true;
    }
  }
  return wrote;
}

function writeChild(k: string, x: unknown, node: SchemaNode, alwaysPresent: boolean, stripped: FieldSet | undefined, out: Record<string, unknown>): boolean {
  const s = stripped?.child(k);
  const granular = isGranular(node, x);
  // A leaf is a member; so is a granular value that is not always present (a pointer, an item).
  const member = (!granular || !alwaysPresent) && !s?.member;
  if (!granular) {
    if (!member) return false;
    out[k] = {};
  } else if (member) {
    const inner: Record<string, unknown> = { '.': {} };
    out[k] = writeWhole(x, node, s, inner) ? inner : {};
  } else {
    const inner: Record<string, unknown> = {};
    if (!writeWhole(x, node, s, inner)) return false;
    out[k] = inner;
  }
  return true;
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Insertion sort: an object's few keys, often nearly in order already. Array.prototype.sort
 * allocates a work array on every call, and this runs for every object of every create.
 */
function sortInPlace(a: string[], compare: (x: string, y: string) => number): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && compare(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}
