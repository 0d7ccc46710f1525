// Merges an applied configuration into the live object (upstream's TypedValue.Merge): the
// configuration wins on every leaf; granular structs and maps merge key by key; list-maps
// and sets merge item by item, in the configuration's order for items it names; atomic
// values are replaced whole. A null in the configuration removes the field.

import { deepClone } from '../../api/patch/json-value.ts';
import { fieldOf, indexList, isGranular, listItemKey } from './typed-value.ts';
import type { ListNode, SchemaNode } from './type-schema.ts';

export function mergeApplied(live: unknown, config: unknown, node: SchemaNode): unknown {
  if (config === undefined) return deepClone(live);
  if (live === undefined || live === null) return withoutNulls(config);
  if (!isGranular(node, live) || !isGranular(node, config)) return withoutNulls(config);
  if (Array.isArray(live)) return mergeList(live, config as unknown[], node as ListNode);
  const l = live as Record<string, unknown>;
  const c = config as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(l)) out[name] = deepClone(l[name]);
  for (const name of Object.keys(c)) {
    const cv = c[name];
    if (cv === undefined) continue;
    if (cv === null) {
      delete out[name];
      continue;
    }
    out[name] = mergeApplied(l[name], cv, fieldOf(node, name).node);
  }
  return out;
}

/**
 * Items only in the live list keep their place; items the configuration names follow its
 * order, each merged with its live counterpart.
 */
function mergeList(live: unknown[], config: unknown[], list: ListNode): unknown[] {
  const liveKeys = live.map((v, i) => listItemKey(list, v, i, false));
  const configKeys = config.map((v, i) => listItemKey(list, v, i, true));
  const liveByKey = indexList(list, live, false);
  const configByKey = new Map<string, unknown>();
  config.forEach((v, i) => {
    if (!configByKey.has(configKeys[i])) configByKey.set(configKeys[i], v);
  });
  const shared = configKeys.filter((k) => liveByKey.has(k));
  let nextShared = 0;
  const emitted = new Set<string>();
  const out: unknown[] = [];
  const emit = (k: string): void => {
    if (emitted.has(k)) return;
    emitted.add(k);
    out.push(mergeApplied(liveByKey.get(k), configByKey.get(k), list.items));
    if (shared[nextShared] === k) nextShared++;
  };
  let li = 0;
  let ci = 0;
  while (li < liveKeys.length || ci < configKeys.length) {
    if (li < liveKeys.length) {
      const lk = liveKeys[li];
      if (emitted.has(lk)) {
        li++;
        continue;
      }
      if (!configByKey.has(lk)) {
        // Not in the configuration: kept where it is (pruning decides later whether it goes).
        if (!emitted.has(lk)) {
          emitted.add(lk);
          out.push(deepClone(live[li]));
        }
        li++;
        continue;
      }
      if (ci < configKeys.length && configKeys[ci] === lk) {
        emit(lk);
        li++;
        ci++;
        continue;
      }
      // A shared item the configuration wants later: wait for it there.
      if (shared[nextShared] !== lk) {
        li++;
        continue;
      }
    }
    if (ci < configKeys.length) {
      emit(configKeys[ci]);
      ci++;
    } else {
      li++;
    }
  }
  return out;
}

/** A copy of a configuration value with its null fields left out (they mean "not set"). */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = withoutNulls(x);
  return out;
}
