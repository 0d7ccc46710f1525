// How a JSON value is seen through its schema: whether it is walked field by field (a granular
// struct, map or list) or treated as one leaf, and the path element of each of its children.

import { UNTYPED, type ListNode, type SchemaNode } from './type-schema.ts';

export class MissingKeyError extends Error {}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** True when `v` is walked child by child under `node`; false when it is one leaf. */
export function isGranular(node: SchemaNode, v: unknown): boolean {
  switch (node.kind) {
    case 'struct':
    case 'map':
      return !node.atomic && isPlainObject(v);
    case 'untyped':
      return isPlainObject(v);
    case 'list':
      return node.listType !== 'atomic' && Array.isArray(v);
    default:
      return false;
  }
}

export interface Child {
  /** Path element, e.g. `f:spec`, `k:{"name":"c"}`, `v:"x"`. */
  key: string;
  /** Field name or map key for object children; undefined for list items. */
  name?: string;
  value: unknown;
  node: SchemaNode;
  alwaysPresent: boolean;
}

/** The schema and presence rule of an object's child field. */
export function fieldOf(node: SchemaNode, name: string): { node: SchemaNode; alwaysPresent: boolean } {
  if (node.kind === 'struct') return node.field(name) ?? { node: UNTYPED, alwaysPresent: false };
  if (node.kind === 'map') return { node: node.values, alwaysPresent: false };
  return { node: UNTYPED, alwaysPresent: false };
}

/**
 * The path element of a list item: its key fields (list-map), its value (set). With `strict`,
 * an item missing a key field with no default is an error; otherwise it is addressed by index.
 */
export function listItemKey(list: ListNode, item: unknown, index: number, strict: boolean): string {
  if (list.listType === 'set') return 'v:' + JSON.stringify(item);
  if (!isPlainObject(item)) {
    if (strict) throw new MissingKeyError(`element ${index}: associative list with keys has an element that is not an object`);
    return `i:${index}`;
  }
  // Built by hand (this runs for every list item of every write): `k:{"a":1,"b":"x"}`, keys sorted.
  let out = 'k:{';
  const keys = list.sortedKeys ?? (list.sortedKeys = [...list.keys].sort());
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    let v = item[k];
    if (v === undefined || v === null) v = list.keyDefaults[k];
    if (v === undefined) {
      if (strict) throw new MissingKeyError(`element ${index}: associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)`);
      return `i:${index}`;
    }
    out += (i > 0 ? ',' : '') + JSON.stringify(k) + ':' + JSON.stringify(v);
  }
  return out + '}';
}

/** List items by path element; the first of duplicates wins. */
export function indexList(list: ListNode, items: unknown[], strict: boolean): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (let i = 0; i < items.length; i++) {
    const k = listItemKey(list, items[i], i, strict);
    if (!out.has(k)) out.set(k, items[i]);
  }
  return out;
}
