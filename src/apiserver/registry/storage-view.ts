// The store as one resource sees it when its definition has `storage` (upstream: a resource
// whose REST storage is another resource's, with a conversion, e.g. events.k8s.io/v1 over
// core events; and per-resource TTLs, e.g. --event-ttl). Keys under the resource's own
// prefix map to the storage resource's prefix, values are converted on the way in and out,
// and writes carry the TTL. GenericStore and its watch cache read and write only through it,
// so both views share keys, revisions and the watch stream.

import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchCallbacks, WatchHandle, WriteOptions } from '../../storage/store.ts';
import type { ResourceDefinition, ResourceStorage } from '../../api/strategy.ts';
import { storagePrefix } from '../resource-registry.ts';

/** `store` as `def` sees it: the store itself when the definition asks for nothing. */
export function storageViewFor(def: ResourceDefinition, store: Store): Store {
  return def.storage ? new ResourceStorageView(store, storagePrefix(def), def.storage) : store;
}

export class ResourceStorageView implements Store {
  private readonly storedPrefix: string;

  constructor(
    private readonly inner: Store,
    /** Where the resource's keys would be: `/registry/<resource>.<group>/`. */
    private readonly servedPrefix: string,
    private readonly spec: ResourceStorage,
  ) {
    this.storedPrefix = storagePrefix(spec);
  }

  private toStored(key: string): string {
    return key.startsWith(this.servedPrefix) ? this.storedPrefix + key.slice(this.servedPrefix.length) : key;
  }

  private toServed(key: string): string {
    return key.startsWith(this.storedPrefix) ? this.servedPrefix + key.slice(this.storedPrefix.length) : key;
  }

  private convert(value: Buffer, fn: ((obj: any) => any) | undefined): Buffer {
    if (!fn || value.length === 0) return value;
    let obj: any;
    try {
      obj = JSON.parse(value.toString('utf8'));
    } catch {
      return value; // decodeFromStore reports it with the key
    }
    return Buffer.from(JSON.stringify(fn(obj)));
  }

  private out(kv: KeyValue): KeyValue;
  private out(kv: KeyValue | undefined): KeyValue | undefined;
  private out(kv: KeyValue | undefined): KeyValue | undefined {
    return kv && { ...kv, key: this.toServed(kv.key), value: this.convert(kv.value, this.spec.fromStorage) };
  }

  private writeOptions(opts: WriteOptions | undefined): WriteOptions | undefined {
    if (!this.spec.ttlSeconds || opts?.ttlSeconds) return opts;
    return { ...opts, ttlSeconds: this.spec.ttlSeconds };
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.out(await this.inner.get(this.toStored(key)));
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const inner = opts?.continueAfter ? { ...opts, continueAfter: this.toStored(opts.continueAfter) } : opts;
    const r = await this.inner.list(this.toStored(prefix), inner);
    return { ...r, kvs: r.kvs.map((kv) => this.out(kv)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(this.toStored(prefix));
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue> {
    return this.out(await this.inner.create(this.toStored(key), this.convert(value, this.spec.toStorage), this.writeOptions(opts)));
  }

  async update(key: string, value: Buffer, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue> {
    return this.out(await this.inner.update(this.toStored(key), this.convert(value, this.spec.toStorage), expectedModRevision, this.writeOptions(opts)));
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.out(await this.inner.delete(this.toStored(key), expectedModRevision));
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    return this.inner.watch(this.toStored(prefix), afterRevision, {
      onEvents: (events) =>
        callbacks.onEvents(
          events.map((e): StoreEvent =>
            e.type === 'PUT' ? { type: 'PUT', kv: this.out(e.kv), prevKv: this.out(e.prevKv) } : { type: 'DELETE', kv: this.out(e.kv), prevKv: this.out(e.prevKv) },
          ),
        ),
      onError: (err) => callbacks.onError(err),
    });
  }

  compact(revision: number): Promise<void> {
    return this.inner.compact(revision);
  }

  compactedRevision(): Promise<number> {
    return this.inner.compactedRevision();
  }

  /** The shared store outlives every view of it. */
  async close(): Promise<void> {}
}
