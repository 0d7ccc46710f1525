// The SQLite backend: a kine-style revision log with group commit and in-process watches.
import type Database from 'better-sqlite3';
import {
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
import { checkKey, checkPrefix, checkTtl, checkValue, prefixEnd } from '../validate.ts';
import { Watchers } from '../watchers.ts';
import { startCompactor, type Compactor, type CompactorOptions } from '../compactor.ts';
import { openDatabase } from './schema.ts';
import { RevisionLog, rowCreateRevision, rowToEvent, rowToKeyValue, type LogRow } from './log.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** How often expired TTL keys are deleted (ms). Default 1000. */
  ttlSweepIntervalMs?: number;
  /** Periodic compaction; false turns it off (compact() still works). */
  compaction?: CompactorOptions | false;
}

type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; ttlSeconds?: number }
  | { kind: 'update'; key: string; value: Buffer; expected: number; ttlSeconds?: number }
  | { kind: 'delete'; key: string; expected?: number };

interface PendingWrite {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

const COMPACT_META_KEY = 'compact_rev';
const COMPACT_CHUNK = 10_000;

export class SqliteStore implements Store {
  private readonly log: RevisionLog;
  private readonly watchers: Watchers;
  private revision: number;
  private compacted: number;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly sweepTimer: NodeJS.Timeout;
  private compactor?: Compactor;

  private constructor(private readonly db: Database.Database, private readonly path: string, sweepMs: number) {
    this.log = new RevisionLog(db);
    this.revision = this.log.lastRevision();
    this.compacted = this.log.getMeta(COMPACT_META_KEY) ?? 0;
    this.watchers = new Watchers(
      (prefix, after, upTo) => this.log.replay(prefix, prefixEnd(prefix), after, upTo),
      () => this.revision,
      (after) => this.checkNotCompacted(after, 'watch'),
    );
    this.sweepTimer = setInterval(() => this.sweepExpired(), sweepMs);
    this.sweepTimer.unref();
  }

  static open(opts: SqliteStoreOptions): SqliteStore {
    const db = openDatabase(opts.path);
    const store = new SqliteStore(db, opts.path, opts.ttlSweepIntervalMs ?? 1000);
    store.sweepExpired();
    if (opts.compaction !== false) store.compactor = startCompactor(store, opts.compaction ?? {});
    return store;
  }

  async currentRevision(): Promise<number> {
    this.checkOpen();
    return this.revision;
  }

  async compactedRevision(): Promise<number> {
    this.checkOpen();
    return this.compacted;
  }

  async get(key: string): Promise<KeyValue | undefined> {
    checkKey(key);
    this.checkOpen();
    const row = this.read(() => this.log.latest(key));
    return row && !row.deleted ? rowToKeyValue(row) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    checkPrefix(prefix);
    this.checkOpen();
    const rev = opts.revision && opts.revision > 0 ? opts.revision : this.revision;
    if (rev > this.revision) {
      throw new StoreError('NotFound', `revision ${rev} is in the future (the store is at ${this.revision})`);
    }
    this.checkNotCompacted(rev, 'list');
    const limit = opts.limit && opts.limit > 0 ? opts.limit : -1;
    const after = opts.continueAfter;
    const useAfter = after !== undefined && after >= prefix;
    const rows = this.read(() =>
      this.log.list(useAfter ? after : prefix, !useAfter, prefixEnd(prefix), rev, limit > 0 ? limit + 1 : -1),
    );
    const more = limit > 0 && rows.length > limit;
    return { kvs: (more ? rows.slice(0, limit) : rows).map(rowToKeyValue), revision: rev, more };
  }

  async count(prefix: string): Promise<number> {
    checkPrefix(prefix);
    this.checkOpen();
    return this.read(() => this.log.count(prefix, prefixEnd(prefix)));
  }

  async create(key: string, value: Buffer, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    return this.enqueue({ kind: 'create', key, value, ttlSeconds: opts.ttlSeconds });
  }

  async update(key: string, value: Buffer, expectedModRevision: number, opts: WriteOptions = {}): Promise<KeyValue> {
    checkKey(key);
    checkValue(key, value);
    checkTtl(opts.ttlSeconds);
    return this.enqueue({ kind: 'update', key, value, expected: expectedModRevision, ttlSeconds: opts.ttlSeconds });
  }

  async delete(key: string, expectedModRevision?: number): Promise<KeyValue> {
    checkKey(key);
    return this.enqueue({ kind: 'delete', key, expected: expectedModRevision });
  }

  watch(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    checkPrefix(prefix);
    this.checkOpen();
    return this.watchers.add(prefix, afterRevision, callbacks);
  }

  async compact(revision: number): Promise<void> {
    this.checkOpen();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    const from = this.compacted;
    // Record first: from now on no read may start at or before `target`.
    this.compacted = target;
    this.write(() => this.log.setMeta(COMPACT_META_KEY, target));
    for (let lo = from; lo < target && !this.closed; lo += COMPACT_CHUNK) {
      const hi = Math.min(lo + COMPACT_CHUNK, target);
      this.write(() => this.log.compactRange(lo, hi, target));
      // Let other work run between chunks of a large compaction.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.sweepTimer);
    this.compactor?.stop();
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    this.watchers.failAll(new StoreError('Unavailable', `SQLite store ${this.path} was closed`));
    this.db.close();
  }

  private enqueue(op: WriteOp): Promise<KeyValue> {
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Group commit: every write queued since the last flush goes in one transaction. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.closed) {
      for (const w of batch) w.reject(this.closedError());
      return;
    }
    const outcomes: ({ ok: true; kv: KeyValue } | { ok: false; err: unknown })[] = [];
    const events: StoreEvent[] = [];
    const now = Date.now();
    try {
      this.db.transaction(() => {
        for (const w of batch) {
          try {
            const { kv, event } = this.apply(w.op, now);
            outcomes.push({ ok: true, kv });
            events.push(event);
          } catch (err) {
            outcomes.push({ ok: false, err: toStoreError(err, this.path) });
          }
        }
      })();
    } catch (err) {
      const failure = toStoreError(err, this.path);
      for (const w of batch) w.reject(failure);
      return;
    }
    if (events.length > 0) this.revision = events[events.length - 1].kv.modRevision;
    this.watchers.publish(events);
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) w.resolve(outcome.kv);
      else w.reject(outcome.err);
    });
  }

  /** Checks one write against the key's newest row and appends it. Runs inside the batch transaction. */
  private apply(op: WriteOp, now: number): { kv: KeyValue; event: StoreEvent } {
    const latest = this.log.latest(op.key);
    const live = latest && !latest.deleted ? latest : undefined;
    if (op.kind === 'create') {
      if (live) throw new StoreError('KeyExists', `key ${op.key} already exists`, { current: rowToKeyValue(live) });
      const rev = this.log.append({
        name: op.key, created: 1, deleted: 0, createRevision: 0, prevRevision: latest?.id ?? 0,
        lease: op.ttlSeconds ?? 0, expiresAt: expiry(now, op.ttlSeconds), value: op.value, oldValue: null,
      });
      const kv = withTtl({ key: op.key, value: op.value, createRevision: rev, modRevision: rev }, op.ttlSeconds);
      return { kv, event: { type: 'PUT', kv } };
    }
    if (!live) throw new StoreError('NotFound', `key ${op.key} not found`);
    if (op.expected !== undefined && live.id !== op.expected) {
      throw new StoreError(
        'Conflict',
        `key ${op.key} was modified at revision ${live.id}, not at the expected revision ${op.expected}`,
        { current: rowToKeyValue(live) },
      );
    }
    const createRevision = rowCreateRevision(live);
    const prevKv: KeyValue = { key: op.key, value: live.value, createRevision, modRevision: live.id };
    if (live.lease > 0) prevKv.ttlSeconds = live.lease;
    if (op.kind === 'update') {
      const rev = this.log.append({
        name: op.key, created: 0, deleted: 0, createRevision, prevRevision: live.id,
        lease: op.ttlSeconds ?? 0, expiresAt: expiry(now, op.ttlSeconds), value: op.value, oldValue: live.value,
      });
      const kv = withTtl({ key: op.key, value: op.value, createRevision, modRevision: rev }, op.ttlSeconds);
      return { kv, event: { type: 'PUT', kv, prevKv } };
    }
    const rev = this.log.append({
      name: op.key, created: 0, deleted: 1, createRevision, prevRevision: live.id,
      lease: 0, expiresAt: null, value: Buffer.alloc(0), oldValue: live.value,
    });
    const kv: KeyValue = { key: op.key, value: live.value, createRevision, modRevision: rev };
    return { kv, event: { type: 'DELETE', kv, prevKv } };
  }

  private sweepExpired(): void {
    if (this.closed) return;
    let expired: LogRow[];
    try {
      expired = this.log.expired(Date.now());
    } catch {
      return;
    }
    for (const row of expired) {
      // Expected revision: a write that refreshed the key since wins over the expiry.
      this.delete(row.name, row.id).catch(() => {});
    }
  }

  private checkNotCompacted(rev: number, what: string): void {
    if (rev < this.compacted) {
      throw new StoreError(
        'Compacted',
        `cannot ${what} at revision ${rev}: history up to revision ${this.compacted} has been compacted`,
        { compactRevision: this.compacted },
      );
    }
  }

  private checkOpen(): void {
    if (this.closed) throw this.closedError();
  }

  private closedError(): StoreError {
    return new StoreError('Unavailable', `SQLite store ${this.path} is closed`);
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.path);
    }
  }

  private write(fn: () => void): void {
    try {
      this.db.transaction(fn)();
    } catch (err) {
      throw toStoreError(err, this.path);
    }
  }
}

function expiry(now: number, ttlSeconds: number | undefined): number | null {
  return ttlSeconds ? now + ttlSeconds * 1000 : null;
}

function withTtl(kv: KeyValue, ttlSeconds: number | undefined): KeyValue {
  if (ttlSeconds) kv.ttlSeconds = ttlSeconds;
  return kv;
}

function toStoreError(err: unknown, path: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreError('Corrupt', `SQLite store ${path} is corrupt: ${e.message}`);
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new StoreError('Conflict', `concurrent write rejected by the database: ${e.message}`);
  }
  return new StoreError('Unavailable', `SQLite store ${path} failed: ${e.message ?? String(err)}`);
}
