// The store contract (etcd's model). Everything above the storage layer speaks only this
// interface; each database is a driver below it (sqlite/, etcd/).
//
// Keys look like `/registry/<group-resource>/<namespace>/<name>`. Values are opaque bytes
// (the API server stores JSON). One global revision increases strictly with every write.

export interface KeyValue {
  key: string;
  value: Buffer;
  /** Revision of the write that created this key (for its current incarnation). */
  createRevision: number;
  /** Revision of the last write to this key (for a DELETE event: the deletion's revision). */
  modRevision: number;
  /** Lease TTL in seconds the key was written with, if any. */
  ttlSeconds?: number;
}

export type StoreEvent =
  | { type: 'PUT'; kv: KeyValue; prevKv?: KeyValue }
  | { type: 'DELETE'; kv: KeyValue; prevKv: KeyValue };

export interface ListOptions {
  /** At most this many keys; `more` tells whether keys remain after them. 0 or absent: all. */
  limit?: number;
  /** Start strictly after this key (the last key of the previous page). */
  continueAfter?: string;
  /** Read the prefix as it was at this revision (Compacted if it is no longer kept). */
  revision?: number;
}

export interface ListResult {
  kvs: KeyValue[];
  /** The revision the list was read at. */
  revision: number;
  /** True if keys remain after the last one returned. */
  more: boolean;
}

export interface WriteOptions {
  /** The key expires (is deleted, with a DELETE event) this many seconds after the write. */
  ttlSeconds?: number;
}

export interface WatchHandle {
  /** Stop delivering events. Idempotent. */
  cancel(): void;
  /**
   * A revision R such that this watch has already been handed every event at or before R
   * (etcd calls this a progress notification), so a cache fed by it holds the prefix exactly
   * as it was at R. Absent when the backend cannot tell.
   */
  progress?(): number;
}

export interface WatchCallbacks {
  /** Events in strictly increasing revision order, each exactly once. May be batched. */
  onEvents(events: StoreEvent[]): void;
  /**
   * The watch ended and can deliver no more events: the start revision was compacted
   * (code 'Compacted'), the watcher fell too far behind ('Compacted' too), or the backend
   * failed ('Unavailable'). Never a silent gap: after onError no more events arrive.
   */
  onError(err: StoreError): void;
}

export interface Store {
  /** The newest revision of the store. */
  currentRevision(): Promise<number>;
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  count(prefix: string): Promise<number>;
  /** Fails with KeyExists if the key is present. */
  create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Writes only if the key's modRevision is still `expectedModRevision`; otherwise Conflict
   * (with `current` set to what is stored) or NotFound.
   */
  update(key: string, value: Buffer, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue>;
  /**
   * Deletes the key (only if its modRevision is `expectedModRevision`, when given).
   * Returns the deleted value with modRevision set to the revision of the deletion.
   */
  delete(key: string, expectedModRevision?: number): Promise<KeyValue>;
  /** Events for keys under `prefix` with revision > afterRevision, in order. */
  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle;
  /** Forget history at and before `revision` (current values are kept). */
  compact(revision: number): Promise<void>;
  /** The oldest revision a watch or a list may still start from. */
  compactedRevision(): Promise<number>;

  close(): Promise<void>;
}

export type StoreErrorCode =
  | 'KeyExists'
  | 'NotFound'
  | 'Conflict'
  | 'Compacted'
  | 'TooLarge'
  | 'InvalidKey'
  | 'Unavailable'
  | 'Corrupt';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For Conflict: what the store holds now. */
  readonly current?: KeyValue;
  /** For Compacted: the oldest revision still available. */
  readonly compactRevision?: number;

  constructor(code: StoreErrorCode, message: string, extra: { current?: KeyValue; compactRevision?: number } = {}) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.current = extra.current;
    this.compactRevision = extra.compactRevision;
  }
}

/** etcd's default request limit; values over it are refused with TooLarge. */
export const MAX_VALUE_BYTES = 1.5 * 1024 * 1024;

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}
