// A view of the store for one served version of a custom resource: objects are written with
// the CRD's storage version and read back as the served version (`None` conversion: only
// apiVersion changes), so every version shares the same keys, revisions and watch stream.
// Like upstream's storage codec for custom resources, reads may also prune and default with
// the served version's schema, so objects written under an older schema read as the new one.

import type { KeyValue, ListOptions, ListResult, Store, StoreEvent, WatchCallbacks, WatchHandle, WriteOptions } from '../../storage/store.ts';

export class VersionConvertingStore implements Store {
  constructor(
    private readonly inner: Store,
    /** apiVersion objects are read as, e.g. `stable.example.com/v1beta1`. */
    private readonly servedApiVersion: string,
    /** apiVersion objects are stored as. */
    private readonly storageApiVersion: string,
    /** Applied to every object read; returns whether it changed anything. */
    private readonly onRead?: (obj: any) => boolean,
  ) {}

  private rewrite(value: Buffer, apiVersion: string, transform?: (obj: any) => boolean): Buffer {
    const text = value.toString('utf8');
    // Objects are usually serialized apiVersion first: then the version is visible without parsing.
    if (!transform && text.startsWith(`{"apiVersion":${JSON.stringify(apiVersion)},`)) return value;
    let obj: any;
    try {
      obj = JSON.parse(text);
    } catch {
      return value;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return value;
    let changed = false;
    if (obj.apiVersion !== apiVersion) {
      obj.apiVersion = apiVersion;
      changed = true;
    }
    if (transform && transform(obj)) changed = true;
    return changed ? Buffer.from(JSON.stringify(obj)) : value;
  }

  private out(kv: KeyValue): KeyValue;
  private out(kv: KeyValue | undefined): KeyValue | undefined;
  private out(kv: KeyValue | undefined): KeyValue | undefined {
    return kv && { ...kv, value: this.rewrite(kv.value, this.servedApiVersion, this.onRead) };
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
