// The fields an applied configuration sets (upstream's TypedValue.ToFieldSet): every scalar,
// every atomic value, every list item and map entry; a struct field only where it is null or
// an empty object (otherwise its contents speak for it).

import { FieldSet } from './field-set.ts';
import { fieldOf, isGranular, isPlainObject, listItemKey } from './typed-value.ts';
import type { SchemaNode } from './type-schema.ts';

/** Throws MissingKeyError for a list-map item without its key fields. */
export function toFieldSet(value: unknown, node: SchemaNode): FieldSet {
  const out = new FieldSet();
  collect(value, node, out);
  return out;
}

function collect(v: unknown, node: SchemaNode, at: FieldSet): void {
  if (!isGranular(node, v)) {
    at.member = true;
    return;
  }
  if (Array.isArray(v)) {
    if (node.kind !== 'list') return;
    for (let i = 0; i < v.length; i++) {
      const child = at.at(listItemKey(node, v[i], i, true));
      collect(v[i], node.items, child);
      child.member = true;
    }
    return;
  }
  const obj = v as Record<string, unknown>;
  const isStruct = node.kind === 'struct';
  for (const name of Object.keys(obj)) {
    const val = obj[name];
    if (val === undefined) continue;
    const f = fieldOf(node, name);
    const child = at.at('f:' + name);
    collect(val, f.node, child);
    const declared = isStruct && node.field(name) !== undefined;
    if (!declared || val === null || (isPlainObject(val) && Object.keys(val).length === 0) || (Array.isArray(val) && val.length === 0)) {
      child.member = true;
    }
  }
}
