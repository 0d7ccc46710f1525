// How objects sit in the store: JSON without metadata.resourceVersion (the store's
// modRevision is the resourceVersion, set again on every read).
//
// A write serializes its object once: the stored bytes remember where metadata ends, so the
// answer to the writer and the watch cache's copy get the same JSON with the resourceVersion
// spliced in instead of serializing the object again. The watch cache also keeps the written
// object itself rather than parsing that JSON back: from the write on, nobody may change it.

import type { KeyValue } from '../../storage/store.ts';
import { internalError } from '../../api/errors.ts';

interface EncodedValue {
  text: string;
  /** Index of metadata's closing brace in `text`. */
  metadataEnd: number;
  metadataEmpty: boolean;
  /** The object encoded; it has no resourceVersion until its write is acknowledged. */
  obj: any;
}

/** Values this process encoded, by identity (a store passes the written Buffer on to watchers). */
const encodedValues = new WeakMap<Buffer, EncodedValue>();
/** The JSON an object was just written as, for its writer's answer. */
const writtenJson = new WeakMap<object, string>();

export function encodeForStore(obj: any): Buffer {
  const meta = obj?.metadata;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) return Buffer.from(JSON.stringify(obj));
  const rv = meta.resourceVersion;
  if (rv !== undefined) delete meta.resourceVersion;
  try {
    // Top-level fields one by one, as JSON.stringify would write them, noting where metadata ends.
    let text = '{';
    let metadataEnd = -1;
    let metadataEmpty = false;
    for (const k of Object.keys(obj)) {
      const v = JSON.stringify(obj[k]);
      if (v === undefined) continue;
      if (text.length > 1) text += ',';
      text += JSON.stringify(k) + ':';
      if (k === 'metadata') {
        metadataEnd = text.length + v.length - 1;
        metadataEmpty = v === '{}';
      }
      text += v;
    }
    text += '}';
    const bytes = Buffer.from(text);
    encodedValues.set(bytes, { text, metadataEnd, metadataEmpty, obj });
    return bytes;
  } finally {
    if (rv !== undefined) meta.resourceVersion = rv;
  }
}

/**
 * The JSON of a stored value as read back (resourceVersion last in metadata, as
 * decodeFromStore sets it), when this process encoded that very value; undefined otherwise.
 */
export function storedJsonWithResourceVersion(value: Buffer, resourceVersion: string): string | undefined {
  const e = encodedValues.get(value);
  if (!e) return undefined;
  const rv = `"resourceVersion":${JSON.stringify(resourceVersion)}`;
  return e.text.slice(0, e.metadataEnd) + (e.metadataEmpty ? rv : ',' + rv) + e.text.slice(e.metadataEnd);
}

/**
 * What a stored value was encoded from, when this process encoded it: its JSON as read back
 * and the object itself, given its resourceVersion here (the writer sets the same one later).
 */
export function storedObject(value: Buffer, resourceVersion: string): { json: string; obj: any } | undefined {
  const e = encodedValues.get(value);
  if (!e) return undefined;
  const json = storedJsonWithResourceVersion(value, resourceVersion)!;
  setResourceVersion(e.obj, resourceVersion);
  return { json, obj: e.obj };
}

/**
 * Sets metadata.resourceVersion unless it already holds that value: a written object may
 * already be in the watch cache, which set it first and may have frozen the object.
 */
export function setResourceVersion(obj: any, resourceVersion: string): void {
  if (obj.metadata.resourceVersion !== resourceVersion) obj.metadata.resourceVersion = resourceVersion;
}

/**
 * Records that `obj` was just written as `value` at `resourceVersion` (already set on it), so
 * its answer reuses that JSON. Valid until the object changes: the handler answers at once.
 */
export function noteWritten(obj: object, value: Buffer, resourceVersion: string): void {
  const json = storedJsonWithResourceVersion(value, resourceVersion);
  if (json !== undefined) writtenJson.set(obj, json);
}

/** The JSON noted for `obj` by noteWritten, once. */
export function takeWrittenJson(obj: unknown): string | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const json = writtenJson.get(obj);
  if (json !== undefined) writtenJson.delete(obj);
  return json;
}

export function decodeFromStore(kv: KeyValue): any {
  const known = storedJsonWithResourceVersion(kv.value, String(kv.modRevision));
  if (known !== undefined) return JSON.parse(known);
  let obj: any;
  try {
    obj = JSON.parse(kv.value.toString('utf8'));
  } catch (e) {
    throw internalError(`stored object at ${kv.key} is not valid JSON: ${(e as Error).message}`);
  }
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(kv.modRevision);
  return obj;
}
