// Input checks shared by every backend: bad input is refused before it reaches a database.
import { MAX_VALUE_BYTES, StoreError } from './store.ts';

/** A key starts with '/', has no empty segment and no NUL (e.g. `/registry/pods/default/web`). */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new StoreError('InvalidKey', 'invalid key: the key is empty');
  }
  if (!key.startsWith('/')) {
    throw new StoreError('InvalidKey', `invalid key ${JSON.stringify(key)}: it must start with '/'`);
  }
  if (key.includes('\0')) {
    throw new StoreError('InvalidKey', `invalid key ${JSON.stringify(key)}: it contains a NUL character`);
  }
  if (key.length > 1 && key.slice(1).split('/').some((segment) => segment.length === 0)) {
    throw new StoreError('InvalidKey', `invalid key ${JSON.stringify(key)}: it has an empty segment ('//' or a trailing '/')`);
  }
}

/** A list or watch prefix: starts with '/', no NUL; a trailing '/' is allowed. */
export function checkPrefix(prefix: string): void {
  if (typeof prefix !== 'string' || !prefix.startsWith('/')) {
    throw new StoreError('InvalidKey', `invalid prefix ${JSON.stringify(prefix)}: it must start with '/'`);
  }
  if (prefix.includes('\0')) {
    throw new StoreError('InvalidKey', `invalid prefix ${JSON.stringify(prefix)}: it contains a NUL character`);
  }
}

export function checkValue(key: string, value: Buffer): void {
  if (!Buffer.isBuffer(value)) {
    throw new StoreError('InvalidKey', `value for ${key} must be a Buffer`);
  }
  if (value.length > MAX_VALUE_BYTES) {
    throw new StoreError(
      'TooLarge',
      `value for ${key} is ${value.length} bytes, over the limit of ${MAX_VALUE_BYTES} bytes`,
    );
  }
}

export function checkTtl(ttlSeconds: number | undefined): void {
  if (ttlSeconds === undefined) return;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new StoreError('InvalidKey', `ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
}

/** The smallest string greater than every string that starts with `prefix` (etcd's range_end). */
export function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}
