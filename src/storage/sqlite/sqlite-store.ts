// The SQLite backend: a kine-style revision log with group commit and in-process watches.
// Writes go to a writer: for a file, this thread, acknowledging after its own fsync of the
// WAL in the thread pool (wal-sync-writer.ts), or with `writerThread` a worker thread with its
// own connection; for ':memory:', this thread. Reads use this thread's connection and see
// only acknowledged revisions.
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
import { RevisionLog, rowToKeyValue, type LogRow } from './log.ts';
import type { Outcome, WriteOp } from './log-writer.ts';
import { toStoreError } from './sqlite-errors.ts';
import type { Writer } from './writer.ts';
import { InThreadWriter } from './in-thread-writer.ts';
import { WorkerWriter } from './worker-writer.ts';
import { WalSyncWriter } from './wal-sync-writer.ts';

export interface SqliteStoreOptions {
  /** File path, or ':memory:'. */
  path: string;
  /** How often expired TTL keys are deleted (ms). Default 1000. */
  ttlSweepIntervalMs?: number;
  /** Periodic compaction; false turns it off (compact() still works). */
  compaction?: CompactorOptions | false;
  /**
   * Commit in a worker thread that owns a second connection (files only; ':memory:' always
   * commits on this thread). Default: WRITER_THREAD_DEFAULT.
   */
  writerThread?: boolean;
}

/**
 * Whether a file store commits in a worker thread unless told otherwise. Off: on a 2-core
 * machine the thread was slower in both benchmarks (scheduler backlog ~1,750 against ~2,000
 * pods/s; store, 64 writers, ~25,000 against ~53,000 writes/s): each batch's round trip
 * between threads costs more than the fsync it takes off the event loop, which the default
 * writer (WalSyncWriter) moves to the thread pool without copying anything. The environment
 * variable K8TS_SQLITE_WRITER_THREAD (1 or 0) overrides it, for comparing the two.
 */
const WRITER_THREAD_DEFAULT = false;

function writerThreadWanted(opts: SqliteStoreOptions): boolean {
  if (opts.writerThread !== undefined) return opts.writerThread;
  const env = process.env.K8TS_SQLITE_WRITER_THREAD;
  return env === undefined || env === '' ? WRITER_THREAD_DEFAULT : env !== '0';
}

interface PendingWrite {
  op: WriteOp;
  resolve(kv: KeyValue): void;
  reject(err: unknown): void;
}

const COMPACT_META_KEY = 'compact_rev';
const COMPACT_CHUNK = 10_000;
/**
 * Batches with the writer at once. Each is one transaction, applied after the previous one
 * and settled in order, so more than one is correct; but in the scheduler benchmark two made
 * the batches smaller (more fsyncs) and the API server slower (~1,000 against ~1,750 pods/s).
 */
const MAX_IN_FLIGHT = 1;

export class SqliteStore implements Store {
  private readonly log: RevisionLog;
  private readonly watchers: Watchers;
  private readonly writer: Writer;
  private revision: number;
  private compacted: number;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  /** Batches sent to the writer and not yet settled (at most MAX_IN_FLIGHT). */
  private inFlight = 0;
  /** Settles the batches in the order they were sent; resolves when the last one sent is settled. */
  private settled: Promise<void> = Promise.resolve();
  /** Set when close() is called: no write is accepted after that. */
  private closing?: Promise<void>;
  private closed = false;
  /** Set when the writer died: every later write fails with it. */
  private writerFailure?: StoreError;
  private readonly sweepTimer: NodeJS.Timeout;
  private compactor?: Compactor;

  private constructor(private readonly db: Database.Database, private readonly path: string, sweepMs: number, writerThread: boolean) {
    this.log = new RevisionLog(db);
    this.revision = this.log.lastRevision();
    this.compacted = this.log.getMeta(COMPACT_META_KEY) ?? 0;
    const inMemory = path === ':memory:' || path === '';
    this.writer = inMemory
      ? new InThreadWriter(db, path)
      : writerThread
        ? new WorkerWriter(db, path, (err) => this.writerDied(err))
        : new WalSyncWriter(db, path, (err) => this.writerDied(err));
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
    let store: SqliteStore;
    try {
      store = new SqliteStore(db, opts.path, opts.ttlSweepIntervalMs ?? 1000, writerThreadWanted(opts));
    } catch (err) {
      db.close();
      throw toStoreError(err, opts.path);
    }
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
    // Reads stop at the acknowledged revision: the writer may have committed more already,
    // but nothing newer than what watchers have been handed may be seen.
    const row = this.read(() => this.log.latest(key, this.revision));
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
    return this.read(() => this.log.count(prefix, prefixEnd(prefix), this.revision));
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
    this.checkWritable();
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    const from = this.compacted;
    // Record first: from now on no read may start at or before `target`.
    this.compacted = target;
    await this.writer.setMeta(COMPACT_META_KEY, target);
    for (let lo = from; lo < target && !this.closing; lo += COMPACT_CHUNK) {
      // The writer interleaves chunks with write batches, so a large compaction does not stall writes.
      await this.writer.compactRange(lo, Math.min(lo + COMPACT_CHUNK, target), target);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Commits what is queued and in flight, then closes the writer and the connections. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.compactor?.stop();
    while (this.inFlight > 0 || this.queue.length > 0) {
      this.flush();
      await this.settled;
    }
    this.closed = true;
    this.watchers.failAll(new StoreError('Unavailable', `SQLite store ${this.path} was closed`));
    await this.writer.close();
    this.db.close();
  }

  private enqueue(op: WriteOp): Promise<KeyValue> {
    if (this.closing) return Promise.reject(this.closedError());
    if (this.writerFailure) return Promise.reject(this.writerFailure);
    return new Promise<KeyValue>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (this.inFlight < MAX_IN_FLIGHT) this.scheduleFlush();
    });
  }

  /** The next batch goes after the current turn of the event loop, so it takes every write made in that turn. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /**
   * Group commit: every write queued since the last batch goes in one transaction. While
   * batches are with the writer, new writes queue; an answer sends the next batch.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.inFlight >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.inFlight++;
    const answer = this.writer.writeBatch(batch.map((w) => w.op));
    answer.catch(() => {}); // handled in settle(), which may first wait for the previous batch
    this.settled = this.settled.then(() => this.settle(batch, answer)).finally(() => {
      this.inFlight--;
      if (this.queue.length === 0) return;
      // What queued while the writer thread committed goes at once. An in-thread commit has
      // already blocked this turn: let the event loop run first.
      if (this.writer.inThread) this.scheduleFlush();
      else this.flush();
    });
  }

  private async settle(batch: PendingWrite[], answer: Promise<Outcome[]>): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await answer;
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    const events: StoreEvent[] = [];
    const results = batch.map((w, i) => {
      const outcome = outcomes[i];
      if (!outcome.ok) return new StoreError(outcome.code, outcome.message, { current: outcome.current });
      const { kv, event } = committed(w.op, outcome);
      events.push(event);
      return kv;
    });
    if (events.length > 0) this.revision = events[events.length - 1].kv.modRevision;
    // Watchers are handed the events before any write of the batch is acknowledged.
    this.watchers.publish(events);
    batch.forEach((w, i) => {
      const result = results[i];
      if (result instanceof StoreError) w.reject(result);
      else w.resolve(result);
    });
  }

  private writerDied(err: StoreError): void {
    this.writerFailure = err;
    for (const w of this.queue.splice(0)) w.reject(err);
    // A batch that was with the writer may have committed unseen: end every watch rather than leave a gap.
    this.watchers.failAll(err);
  }

  private sweepExpired(): void {
    if (this.closing || this.writerFailure) return;
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

  private checkWritable(): void {
    if (this.closing) throw this.closedError();
    if (this.writerFailure) throw this.writerFailure;
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
}

/** The key as written and the event watchers get, from a write and the writer's outcome. */
function committed(op: WriteOp, outcome: Outcome & { ok: true }): { kv: KeyValue; event: StoreEvent } {
  const { modRevision, createRevision, prev } = outcome;
  if (op.kind === 'delete') {
    const kv: KeyValue = { key: op.key, value: prev!.value, createRevision, modRevision };
    return { kv, event: { type: 'DELETE', kv, prevKv: prev! } };
  }
  const kv: KeyValue = { key: op.key, value: op.value, createRevision, modRevision };
  if (op.ttlSeconds) kv.ttlSeconds = op.ttlSeconds;
  return { kv, event: prev ? { type: 'PUT', kv, prevKv: prev } : { type: 'PUT', kv } };
}

/** Test hook: resolves once a file-backed store's writes go to its writer thread. */
export function writerThreadStarted(store: SqliteStore): Promise<void> {
  return writerThreadOf(store).threadStarted();
}

/** Test hook: kills a file-backed store's writer thread, as a crash would. */
export function killWriterThread(store: SqliteStore): Promise<number> {
  return writerThreadOf(store).kill();
}

function writerThreadOf(store: SqliteStore): WorkerWriter {
  const writer = (store as unknown as { writer: Writer }).writer;
  if (!(writer instanceof WorkerWriter)) throw new Error(`this store has no writer thread`);
  return writer;
}
