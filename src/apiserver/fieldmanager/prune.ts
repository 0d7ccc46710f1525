// Removes what an applier stopped applying (upstream's Updater.prune): every field in its
// previous applied set that is no longer owned by anyone (itself included, through its new
// configuration) goes. Parts of a removed value that another manager owns stay, and so do
// the key fields of a list item that stays.

import type { FieldSet } from './field-set.ts';
import { fieldOf, isGranular, isPlainObject, listItemKey } from './typed-value.ts';
import type { SchemaNode } from './type-schema.ts';

/** Prunes `value` in place. `previous`: the applier's last applied set; `owned`: every manager's set now. */
export function pruneUnowned(value: unknown, node: SchemaNode, previous: FieldSet, owned: FieldSet): void {
  walk(value, node, previous, owned, undefined);
}

function ownsAnything(s: FieldSet | undefined): boolean {
  return s !== undefined && !s.isEmpty();
}

function walk(v: unknown, node: SchemaNode, drop: FieldSet, keep: FieldSet | undefined, keyFields: string[] | undefined): void {
  if (!drop.children || !isGranular(node, v)) return;
  if (Array.isArray(v)) {
    if (node.kind !== 'list') return;
    const keys = node.listType === 'map' ? node.keys : undefined;
    let w = 0;
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const k = listItemKey(node, item, i, false);
      const d = drop.child(k);
      const kp = keep?.child(k);
      if (d?.member && !ownsAnything(kp)) continue;
      if (d) walk(item, node.items, d, kp, keys);
      v[w++] = item;
    }
    v.length = w;
    return;
  }
  const obj = v as Record<string, unknown>;
  for (const name of Object.keys(obj)) {
    const k = 'f:' + name;
    const d = drop.child(k);
    if (!d) continue;
    const kp = keep?.child(k);
    if (d.member && !ownsAnything(kp) && !keyFields?.includes(name)) {
      delete obj[name];
      continue;
    }
    const child = obj[name];
    const wasFull = isPlainObject(child) && Object.keys(child).length > 0;
    walk(child, fieldOf(node, name).node, d, kp, undefined);
    // A map or struct emptied by pruning goes with its contents.
    if (wasFull && Object.keys(child as object).length === 0 && !ownsAnything(kp)) delete obj[name];
  }
}
