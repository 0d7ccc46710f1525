// The etcd v3 backend: the contract maps onto etcd's own revisions, transactions that
// compare mod_revision, watches with prev_kv, and leases for TTL keys.
import { Etcd3, type IKeyValue, type IRangeResponse, type IEvent, type ITxnRequest, type ITxnResponse } from 'etcd3';
import {
  isStoreError,
  StoreError,
  type KeyValue,
  type ListOptions,
  type ListResult,
  type Store,
  type StoreEvent,
  type WatchCallbacks,
  type WatchHandle,
  type WriteOptions,
} from '../store.ts';
import { checkKey, checkPrefix, checkTtl, checkValue } from '../validate.ts';
import { startCompactor, type Compactor, type CompactorOptions } from '../compactor.ts';
import { toStoreError } from './etcd-errors.ts';
import { leaseIdFor, ttlFromLeaseId } from './lease-ttl.ts';

export interface EtcdStoreOptions {
  endpoints: string[];
  /** How long connecting may take before Unavailable (ms). Default 3000. */
  connectTimeoutMs?: number;
  /** Deadline of each request (ms). Default 5000. */
  requestTimeoutMs?: number;
  /** Periodic compaction; false turns it off (compact() still works). */
  compaction?: CompactorOptions | false;
}

type WatchStream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

interface ActiveWatch {
  cancelled: boolean;
  stream?: WatchStream;
  callbacks: WatchCallbacks;
}

export class EtcdStore implements Store {
  private readonly watches = new Set<ActiveWatch>();
  private compactor?: Compactor;
  private closed = false;
  private knownCompacted = 0;

  private constructor(private readonly client: Etcd3, private readonly endpoints: string[]) {}

  /** Connects and checks that etcd answers; Unavailable (naming the endpoints) if it does not in time. */
  static async connect(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const requestTimeoutMs = opts.requestTimeoutMs ?? 5000;
    const connectTimeoutMs = opts.connectTimeoutMs ?? 3000;
    const client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: connectTimeoutMs,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    });
    const store = new EtcdStore(client, opts.endpoints);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.currentRevision(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${connectTimeoutMs} ms`)), connectTimeoutMs);
        }),
      ]);
    } catch (err) {
      client.close();
      const reason = (err as Error).message;
      throw new StoreError('Unavailable', `etcd at ${opts.endpoints.join(', ')} is unreachable: ${reason}`);
    } finally {
      clearTimeout(timer);
    }
    if (opts.compaction !== false) store.compactor = startCompactor(store, opts.compaction ?? {});
    return store;
  }

  async currentRevision(): Promise<number> {
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from([0]) }));
    return Number(res.header.revision);
  }

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    const res = await this.call(() => this.client.kv.range({ key: Buffer.from(key) }));
    return res.kvs.length > 0 ? toKeyValue(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    checkPrefix(prefix);
    const start = opts.continueAfter !== undefined && opts.continueAfter >= prefix
      ? Buffer.concat([Buffer.from(opts.continueAfter), Buffer.from([0])])
      : Buffer.from(prefix);
    const revision = opts.revision && opts.revision > 0 ? opts.revision : 0;
    const res = await this.call(() =>
      this.client.kv.range({ key: start, range_end: bytesPrefixEnd(prefix), limit: opts.limit ?? 0, revision }),
    ).catch((err) => this.withCompactRevision(err));
    return {
      kvs: res.kvs.map(toKeyValue),
      revision: revision || Number(res.header.revision),
      more: Boolean(res.more),
    };
  }

  async count(prefix: string): Promise<number> {
    checkPrefix(prefix);
    const res = await this.call(() =>
      this.client.kv.range({ key: Buffer.from(prefix), range_end: bytesPrefixEnd(prefix), count_only: true }),
    );
    return Number(res.count);
  }

  async create(key: string, value: Buffer, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    const k = Buffer.from(key);
    const res = await this.txnWithLease(opts.ttlSeconds, (lease) => ({
      compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: k, value, lease } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) {
      const current = firstKv(res);
      throw new StoreError('KeyExists', `key ${key} already exists`, current ? { current } : {});
    }
    const rev = Number(res.header.revision);
    return withTtl({ key, value, createRevision: rev, modRevision: rev }, opts.ttlSeconds);
  }

  async update(key: string, value: Buffer, expectedModRevision: number, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    const k = Buffer.from(key);
    const res = await this.txnWithLease(opts.ttlSeconds, (lease) => ({
      compare: [
        { key: k, target: 'Version', result: 'Greater', version: 0 },
        { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision },
      ],
      success: [{ request_put: { key: k, value, lease, prev_kv: true } }],
      failure: [{ request_range: { key: k } }],
    }));
    if (!res.succeeded) throw this.conflictOrNotFound(key, expectedModRevision, firstKv(res));
    const prev = res.responses[0].response_put.prev_kv;
    const rev = Number(res.header.revision);
    return withTtl({ key, value, createRevision: Number(prev.create_revision), modRevision: rev }, opts.ttlSeconds);
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    checkKey(key);
    const k = Buffer.from(key);
    const compare: ITxnRequest['compare'] = [{ key: k, target: 'Version', result: 'Greater', version: 0 }];
    if (expectedModRevision !== undefined) {
      compare.push({ key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision });
    }
    const res = await this.call(() =>
      this.client.kv.txn({
        compare,
        success: [{ request_delete_range: { key: k, prev_kv: true } }],
        failure: [{ request_range: { key: k } }],
      }),
    );
    if (!res.succeeded) throw this.conflictOrNotFound(key, expectedModRevision, firstKv(res));
    const prev = res.responses[0].response_delete_range.prev_kvs[0];
    return { key, value: prev.value, createRevision: Number(prev.create_revision), modRevision: Number(res.header.revision) };
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    checkPrefix(prefix);
    const watch: ActiveWatch = { cancelled: false, callbacks };
    this.watches.add(watch);
    let seen = afterRevision;
    const fail = (err: StoreError) => {
      if (watch.cancelled) return;
      this.endWatch(watch);
      try {
        callbacks.onError(err);
      } catch (cbErr) {
        console.error('store watcher onError threw:', cbErr);
      }
    };
    this.client.watchClient.watch().then(
      (stream) => {
        if (watch.cancelled) {
          stream.cancel();
          return;
        }
        watch.stream = stream;
        stream.on('data', (res) => {
          if (watch.cancelled) return;
          const compactRevision = Number(res.compact_revision ?? 0);
          if (compactRevision > 0) {
            fail(new StoreError(
              'Compacted',
              `cannot watch ${prefix} after revision ${seen}: history up to revision ${compactRevision} has been compacted`,
              { compactRevision },
            ));
            return;
          }
          if (res.canceled) {
            fail(new StoreError('Unavailable', `etcd cancelled the watch on ${prefix}: ${res.cancel_reason || 'no reason given'}`));
            return;
          }
          const events = (res.events ?? []).map(toStoreEvent).filter((e) => e.kv.modRevision > seen);
          if (events.length === 0) return;
          seen = events[events.length - 1].kv.modRevision;
          try {
            callbacks.onEvents(events);
          } catch (err) {
            console.error('store watcher onEvents threw:', err);
          }
        });
        stream.on('error', (err) => fail(toStoreError(err, this.endpoints)));
        stream.on('end', () => fail(new StoreError('Unavailable', `etcd ended the watch stream on ${prefix}`)));
        stream.write({
          create_request: {
            key: Buffer.from(prefix),
            range_end: bytesPrefixEnd(prefix),
            start_revision: afterRevision + 1,
            prev_kv: true,
          },
        });
      },
      (err) => fail(toStoreError(err, this.endpoints)),
    );
    return { cancel: () => this.endWatch(watch) };
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, await this.currentRevision());
    if (target <= 0) return;
    try {
      await this.call(() => this.client.kv.compact({ revision: target, physical: true }));
    } catch (err) {
      if (toStoreError(err, this.endpoints).code !== 'Compacted') throw toStoreError(err, this.endpoints);
    }
  }

  /**
   * etcd does not report its compacted revision directly, so find the oldest revision a
   * read is still allowed at (a binary search of cheap reads; the answer only grows).
   */
  async compactedRevision(): Promise<number> {
    let lo = this.knownCompacted;
    let hi = await this.currentRevision();
    if (lo === 0 && (await this.readableAt(1))) return 0;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await this.readableAt(mid)) hi = mid;
      else lo = mid + 1;
    }
    this.knownCompacted = lo;
    return lo;
  }

  private async readableAt(revision: number): Promise<boolean> {
    try {
      await this.call(() => this.client.kv.range({ key: Buffer.from([0]), revision }));
      return true;
    } catch (err) {
      if (isStoreError(err, 'Compacted')) return false;
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.compactor?.stop();
    for (const watch of [...this.watches]) {
      this.endWatch(watch);
      try {
        watch.callbacks.onError(new StoreError('Unavailable', `etcd store (${this.endpoints.join(', ')}) was closed`));
      } catch (err) {
        console.error('store watcher onError threw:', err);
      }
    }
    this.client.close();
  }

  private endWatch(watch: ActiveWatch): void {
    if (watch.cancelled) return;
    watch.cancelled = true;
    this.watches.delete(watch);
    watch.stream?.cancel();
  }

  private async txnWithLease(ttlSeconds: number | undefined, build: (lease: string) => ITxnRequest): Promise<ITxnResponse> {
    let lease = '0';
    if (ttlSeconds) {
      const granted = await this.call(() =>
        this.client.leaseClient.leaseGrant({ TTL: ttlSeconds, ID: leaseIdFor(ttlSeconds) }),
      );
      lease = granted.ID;
    }
    const res = await this.call(() => this.client.kv.txn(build(lease)));
    if (!res.succeeded && lease !== '0') {
      this.client.leaseClient.leaseRevoke({ ID: lease }).catch(() => {});
    }
    return res;
  }

  private conflictOrNotFound(key: string, expected: number | undefined, current: KeyValue | undefined): StoreError {
    if (!current) return new StoreError('NotFound', `key ${key} not found`);
    return new StoreError(
      'Conflict',
      `key ${key} was modified at revision ${current.modRevision}, not at the expected revision ${expected}`,
      { current },
    );
  }

  private async withCompactRevision(err: unknown): Promise<never> {
    const storeErr = toStoreError(err, this.endpoints);
    if (storeErr.code !== 'Compacted') throw storeErr;
    const compactRevision = await this.compactedRevision().catch(() => undefined);
    throw new StoreError('Compacted', storeErr.message, compactRevision ? { compactRevision } : {});
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('Unavailable', `etcd store (${this.endpoints.join(', ')}) is closed`);
    try {
      return await fn();
    } catch (err) {
      throw toStoreError(err, this.endpoints);
    }
  }
}

function firstKv(res: ITxnResponse): KeyValue | undefined {
  const range: IRangeResponse | undefined = res.responses[0]?.response_range;
  return range && range.kvs.length > 0 ? toKeyValue(range.kvs[0]) : undefined;
}

function toKeyValue(raw: IKeyValue): KeyValue {
  const kv: KeyValue = {
    key: raw.key.toString(),
    value: raw.value,
    createRevision: Number(raw.create_revision),
    modRevision: Number(raw.mod_revision),
  };
  const ttl = ttlFromLeaseId(raw.lease);
  if (ttl) kv.ttlSeconds = ttl;
  return kv;
}

function toStoreEvent(event: IEvent): StoreEvent {
  const prevKv = event.prev_kv ? toKeyValue(event.prev_kv) : undefined;
  if (event.type === 'Delete') {
    const key = event.kv.key.toString();
    const kv: KeyValue = {
      key,
      value: prevKv?.value ?? Buffer.alloc(0),
      createRevision: prevKv?.createRevision ?? 0,
      modRevision: Number(event.kv.mod_revision),
    };
    return { type: 'DELETE', kv, prevKv: prevKv ?? { key, value: Buffer.alloc(0), createRevision: 0, modRevision: 0 } };
  }
  const kv = toKeyValue(event.kv);
  return prevKv && kv.createRevision === prevKv.createRevision ? { type: 'PUT', kv, prevKv } : { type: 'PUT', kv };
}

function withTtl(kv: KeyValue, ttlSeconds: number | undefined): KeyValue {
  if (ttlSeconds) kv.ttlSeconds = ttlSeconds;
  return kv;
}

/** etcd's range_end for a prefix: the prefix with its last byte incremented. */
function bytesPrefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
