// How objects sit in the store: JSON without metadata.resourceVersion (the store's
// modRevision is the resourceVersion, set again on every read).

import type { KeyValue } from '../../storage/store.ts';
import { internalError } from '../../api/errors.ts';

export function encodeForStore(obj: any): Buffer {
  const rv = obj.metadata?.resourceVersion;
  if (rv !== undefined) delete obj.metadata.resourceVersion;
  try {
    return Buffer.from(JSON.stringify(obj));
  } finally {
    if (rv !== undefined) obj.metadata.resourceVersion = rv;
  }
}

export function decodeFromStore(kv: KeyValue): any {
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
