// The write side of the revision log: a batch of writes checked and appended in one
// transaction, and compaction. Every writer runs this same code: the WAL-syncing writer
// (files, by default), the worker thread (files, when asked) and the in-thread writer
// (':memory:', which cannot be shared between threads).
import type Database from 'better-sqlite3';
import { StoreError, type KeyValue, type StoreErrorCode } from '../store.ts';
import { RevisionLog, rowCreateRevision, rowToKeyValue } from './log.ts';
import { toStoreError } from './sqlite-errors.ts';

export type WriteOp =
  | { kind: 'create'; key: string; value: Buffer; ttlSeconds?: number }
  | { kind: 'update'; key: string; value: Buffer; expected: number; ttlSeconds?: number }
  | { kind: 'delete'; key: string; expected?: number };

/**
 * One write's result. Applied: the revision it got, the key's createRevision and, unless it
 * created the key, what the key held before (the event's prevKv; a delete returns its value).
 * Refused: the StoreError to raise, with what the key holds now where the error carries it.
 */
export type Outcome =
  | { ok: true; modRevision: number; createRevision: number; prev?: KeyValue }
  | { ok: false; code: StoreErrorCode; message: string; current?: KeyValue };

export class LogWriter {
  private readonly log: RevisionLog;
  private readonly batchTx: (ops: readonly WriteOp[], now: number) => Outcome[];
  private readonly metaTx: (key: string, value: number) => void;
  private readonly compactTx: (from: number, to: number, rev: number) => void;

  constructor(db: Database.Database, private readonly path: string) {
    this.log = new RevisionLog(db);
    this.batchTx = db.transaction((ops: readonly WriteOp[], now: number) => ops.map((op) => this.applyOne(op, now)));
    this.metaTx = db.transaction((key: string, value: number) => this.log.setMeta(key, value));
    this.compactTx = db.transaction((from: number, to: number, rev: number) => { this.log.compactRange(from, to, rev); });
  }

  /** Group commit: every op in one transaction; throws a StoreError only if the whole batch failed. */
  writeBatch(ops: readonly WriteOp[]): Outcome[] {
    return this.run(() => this.batchTx(ops, Date.now()));
  }

  setMeta(key: string, value: number): void {
    this.run(() => this.metaTx(key, value));
  }

  compactRange(from: number, to: number, rev: number): void {
    this.run(() => this.compactTx(from, to, rev));
  }

  private run<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toStoreError(err, this.path);
    }
  }

  private applyOne(op: WriteOp, now: number): Outcome {
    try {
      return this.apply(op, now);
    } catch (err) {
      const e = toStoreError(err, this.path);
      return e.current ? { ok: false, code: e.code, message: e.message, current: e.current } : { ok: false, code: e.code, message: e.message };
    }
  }

  /** Checks one write against the key's newest row and appends it. */
  private apply(op: WriteOp, now: number): Outcome {
    const latest = this.log.latest(op.key);
    const live = latest && !latest.deleted ? latest : undefined;
    if (op.kind === 'create') {
      if (live) throw new StoreError('KeyExists', `key ${op.key} already exists`, { current: rowToKeyValue(live) });
      const rev = this.log.append({
        name: op.key, created: 1, deleted: 0, createRevision: 0, prevRevision: latest?.id ?? 0,
        lease: op.ttlSeconds ?? 0, expiresAt: expiry(now, op.ttlSeconds), value: op.value, oldValue: null,
      });
      return { ok: true, modRevision: rev, createRevision: rev };
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
    const prev = rowToKeyValue(live);
    const deleting = op.kind === 'delete';
    const rev = this.log.append({
      name: op.key, created: 0, deleted: deleting ? 1 : 0, createRevision, prevRevision: live.id,
      lease: deleting ? 0 : (op.ttlSeconds ?? 0), expiresAt: deleting ? null : expiry(now, op.ttlSeconds),
      value: deleting ? Buffer.alloc(0) : op.value, oldValue: live.value,
    });
    return { ok: true, modRevision: rev, createRevision, prev };
  }
}

function expiry(now: number, ttlSeconds: number | undefined): number | null {
  return ttlSeconds ? now + ttlSeconds * 1000 : null;
}
