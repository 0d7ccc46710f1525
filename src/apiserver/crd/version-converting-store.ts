// A view of the store for one served version of a custom resource: objects are written with
// the CRD's storage version and read back as the served version (`None` conversion: only
// apiVersion changes), so every version shares the same keys, revisions and watch stream.

import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchCallbacks, WatchHandle, WriteOptions } from '../../storage/store.ts';

export class VersionConvertingStore implements Store {
  constructor(
    private readonly inner: Store,
    /** apiVersion objects are read as, e.g. `stable.example.com/v1beta1`. */
    private readonly servedApiVersion: string,
    /** apiVersion objects are stored as. */
    private readonly storageApiVersion: string,
  ) {}

  private rewrite(value: Buffer, apiVersion: string): Buffer {
    const text = value.toString('utf8');
    // Objects are usually serialized apiVersion first: then the version is visible without parsing.
    if (text.startsWith(`{"apiVersion":${JSON.stringify(apiVersion)},`)) return value;
    let obj: any;
    try {
      obj = JSON.parse(text);
    } catch {
      return value;
    }
    if (obj === null || typeof obj !== 'object' || obj.apiVersion === apiVersion) return value;
    obj.apiVersion = apiVersion;
    return Buffer.from(JSON.stringify(obj));
  }

  private out(kv: KeyValue): KeyValue;
  private out(kv: KeyValue | undefined): KeyValue | undefined;
  private out(kv: KeyValue | undefined): KeyValue | undefined {
    return kv && { ...kv, value: this.rewrite(kv.value, this.servedApiVersion) };
  }

  private in(value: Buffer): Buffer {
    return this.rewrite(value, this.storageApiVersion);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  async get(key: string): Promise<KeyValue | undefined> {
    return this.out(await this.inner.get(key));
  }

  async list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    const r = await this.inner.list(prefix, opts);
    return { ...r, kvs: r.kvs.map((kv) => this.out(kv)) };
  }

  count(prefix: string): Promise<number> {
    return this.inner.count(prefix);
  }

  async create(key: string, value: Buffer, opts?: WriteOptions): Promise<KeyValue> {
    return this.out(await this.inner.create(key, this.in(value), opts));
  }

  async update(key: string, value: Buffer, expectedModRevision: number, opts?: WriteOptions): Promise<KeyValue> {
    return this.out(await this.inner.update(key, this.in(value), expectedModRevision, opts));
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    return this.out(await this.inner.delete(key, expectedModRevision));
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    return this.inner.watch(prefix, afterRevision, {
      onEvents: (events) =>
        callbacks.onEvents(
          events.map((e): StoreEvent => (e.type === 'PUT' ? { type: 'PUT', kv: this.out(e.kv), prevKv: this.out(e.prevKv) } : { type: 'DELETE', kv: this.out(e.kv), prevKv: this.out(e.prevKv) })),
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
