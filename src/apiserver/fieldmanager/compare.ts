// Which fields differ between two versions of an object (upstream's TypedValue.Compare):
// leaves that appeared, changed or disappeared, and granular values (maps, list items,
// pointer structs) that appeared or disappeared as a whole.

import { deepEqual } from '../../api/patch/json-value.ts';
import { FieldSet } from './field-set.ts';
import { fieldOf, indexList, isGranular } from './typed-value.ts';
import type { SchemaNode } from './type-schema.ts';

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export function compare(lhs: unknown, rhs: unknown, node: SchemaNode): Comparison {
  const out: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  diff(lhs, rhs, node, true, [], out);
  return out;
}

function diff(l: unknown, r: unknown, node: SchemaNode, alwaysPresent: boolean, path: string[], out: Comparison): void {
  if (l === undefined && r === undefined) return;
  // A value on one side only: all of it was added (or removed), built in one walk.
  if (l === undefined) return whole(r, node, alwaysPresent, out.added.nodeAt(path));
  if (r === undefined) return whole(l, node, alwaysPresent, out.removed.nodeAt(path));
  const lg = l === undefined || isGranular(node, l);
  const rg = r === undefined || isGranular(node, r);
  if (!lg || !rg) {
    if (l === undefined) out.added.insert(path);
    else if (r === undefined) out.removed.insert(path);
    else if (!deepEqual(l, r)) out.modified.insert(path);
    return;
  }
  if (Array.isArray(l) || Array.isArray(r)) {
    if (node.kind === 'list') {
      const li = indexList(node, (l as unknown[] | undefined) ?? [], false);
      const ri = indexList(node, (r as unknown[] | undefined) ?? [], false);
      for (const [k, lv] of li) {
        path.push(k);
        diff(lv, ri.get(k), node.items, false, path, out);
        path.pop();
      }
      for (const [k, rv] of ri) {
        if (li.has(k)) continue;
        path.push(k);
        diff(undefined, rv, node.items, false, path, out);
        path.pop();
      }
    }
  } else {
    const lo = l as Record<string, unknown> | undefined;
    const ro = r as Record<string, unknown> | undefined;
    if (lo) {
      for (const name of Object.keys(lo)) {
        const f = fieldOf(node, name);
        path.push('f:' + name);
        diff(lo[name], ro?.[name], f.node, f.alwaysPresent, path, out);
        path.pop();
      }
    }
    if (ro) {
      for (const name of Object.keys(ro)) {
        if (lo && name in lo) continue;
        const f = fieldOf(node, name);
        path.push('f:' + name);
        diff(undefined, ro[name], f.node, f.alwaysPresent, path, out);
        path.pop();
      }
    }
  }
  if (alwaysPresent) return;
  if (l === undefined) out.added.insert(path);
  else if (r === undefined) out.removed.insert(path);
}

function whole(v: unknown, node: SchemaNode, alwaysPresent: boolean, at: FieldSet): void {
  if (!isGranular(node, v)) {
    at.member = true;
    return;
  }
  if (Array.isArray(v)) {
    if (node.kind === 'list') {
      for (const [k, item] of indexList(node, v, false)) whole(item, node.items, false, at.at(k));
    }
  } else {
    const o = v as Record<string, unknown>;
    for (const name of Object.keys(o)) {
      if (o[name] === undefined) continue;
      const f = fieldOf(node, name);
      whole(o[name], f.node, f.alwaysPresent, at.at('f:' + name));
    }
  }
  if (!alwaysPresent) at.member = true;
}
