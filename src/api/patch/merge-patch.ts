// RFC 7386 JSON Merge Patch (`application/merge-patch+json`): objects merge recursively,
// `null` deletes, anything else (arrays included) replaces.

import { type JsonObject, type JsonValue, deepClone, deepEqual, isJsonObject } from './json-value.ts';

/** Returns the patched document; neither argument is mutated. */
export function applyMergePatch<T = JsonValue>(doc: T, patch: unknown): T {
  return mergeInto(deepClone(doc as unknown as JsonValue), patch as JsonValue) as unknown as T;
}

/** Merges into `target`, which the caller owns. */
function mergeInto(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return deepClone(patch);
  const out: JsonObject = isJsonObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeInto(out[k], v);
  }
  return out;
}

/** A merge patch that turns `original` into `modified` (fields removed in `modified` become null). */
export function createMergePatch(original: unknown, modified: unknown): JsonValue {
  if (!isJsonObject(original) || !isJsonObject(modified)) return deepClone(modified as JsonValue);
  return diffObjects(original, modified);
}

function diffObjects(original: JsonObject, modified: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const k of Object.keys(original)) {
    if (!Object.prototype.hasOwnProperty.call(modified, k)) patch[k] = null;
  }
  for (const [k, m] of Object.entries(modified)) {
    const o = original[k];
    if (!Object.prototype.hasOwnProperty.call(original, k)) {
      patch[k] = deepClone(m);
    } else if (isJsonObject(o) && isJsonObject(m)) {
      const sub = diffObjects(o, m);
      if (Object.keys(sub).length > 0) patch[k] = sub;
    } else if (!deepEqual(o, m)) {
      patch[k] = deepClone(m);
    }
  }
  return patch;
}
