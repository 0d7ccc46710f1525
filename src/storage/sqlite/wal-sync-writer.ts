// The writer for a database file by default: it commits on this thread, as the in-thread
// writer does, but SQLite does not fsync at commit (synchronous = OFF). Instead a batch is
// acknowledged once an fdatasync of the WAL file, started after its commit, has finished.
// That fsync runs in libuv's thread pool, so the event loop goes on serving requests while
// the disk catches up, and one fsync covers every batch committed while the previous one ran
// (group commit). An acknowledged write is on disk, as with synchronous = FULL.
//
// Checkpoints copy the WAL into the database file and let SQLite reuse the WAL from its
// start. With synchronous = OFF a checkpoint would not sync the database file first, so
// automatic checkpoints are off: once about WAL_BYTES_PER_CHECKPOINT have been written, a
// thread of its own runs one with synchronous = FULL (checkpointer.ts), while this thread
// goes on committing. SQLite starts the WAL again from its beginning only at a commit that
// finds every frame already in the database file, which a checkpoint racing with commits
// never leaves: while writes never pause the WAL grows (93 MB for 10,000 pods created with
// random names). Once its file is larger than WAL_SIZE_LIMIT, a second checkpoint copies
// the frames committed during the first while commits wait (7-10 ms), and the WAL starts
// again. Commits wait only then, because every such wait shows in the API server's p99.
//
// A failed fsync leaves it unknown what reached the disk: the writer fails every pending and
// later request with Unavailable, as when the writer thread dies.
import type Database from 'better-sqlite3';
import { closeSync, fdatasync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from '../store.ts';
import { LogWriter, type Outcome, type WriteOp } from './log-writer.ts';
import type { Writer } from './writer.ts';
import { Checkpointer } from './checkpointer.ts';

/** About SQLite's own automatic checkpoint (1,000 pages of 4 KiB). */
const WAL_BYTES_PER_CHECKPOINT = 4 * 1024 * 1024;

export type SyncFile = (fd: number, done: (err: NodeJS.ErrnoException | null) => void) => void;

/** Beyond this the WAL is started again even if commits have to wait for it (etcd's WAL files are as large). */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

export interface WalSyncWriterOptions {
  /** How the WAL is made durable (tests replace it). Default: fs.fdatasync. */
  syncFile?: SyncFile;
  /** Default: WAL_SIZE_LIMIT. */
  walSizeLimit?: number;
}

interface Waiter {
  /** The commit this waiter needs on disk. */
  commit: number;
  resolve(): void;
  reject(err: StoreError): void;
}

export class WalSyncWriter implements Writer {
  /** Commits happen on this thread before writeBatch returns its promise. */
  readonly inThread = true;
  private readonly writer: LogWriter;
  private readonly walFd: number;
  private readonly syncFile: SyncFile;
  private readonly walSizeLimit: number;
  /** Commits made, and how many of them an fsync has covered. */
  private committed = 0;
  private durable = 0;
  private syncing = false;
  private readonly waiters: Waiter[] = [];
  private walBytesSinceCheckpoint = 0;
  private checkpointing = false;
  /** Set while commits wait for a checkpoint to finish the WAL. */
  private held?: Promise<void>;
  /** Runs the checkpoints (in a thread of its own). */
  readonly checkpointer: Checkpointer;
  private failure?: StoreError;
  private closing?: Promise<void>;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly onFailure: (err: StoreError) => void,
    opts: WalSyncWriterOptions = {},
  ) {
    this.writer = new LogWriter(db, path);
    this.syncFile = opts.syncFile ?? fdatasync;
    this.walSizeLimit = opts.walSizeLimit ?? WAL_SIZE_LIMIT;
    this.checkpointer = new Checkpointer(path, () => this.checkpointHere());
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('synchronous = OFF');
    // SQLite creates the WAL with the first connection; its directory entry is made durable once here.
    this.walFd = openSync(`${path}-wal`, 'r');
    syncDirectory(dirname(path));
  }

  async writeBatch(ops: readonly WriteOp[]): Promise<Outcome[]> {
    if (this.held) await this.held;
    this.checkUsable();
    const outcomes = this.writer.writeBatch(ops);
    const durable = this.commitDurably();
    // Roughly: an update also writes the value it replaces.
    for (const op of ops) if (op.kind !== 'delete') this.walBytesSinceCheckpoint += (op.kind === 'update' ? 2 : 1) * op.value.length;
    if (this.walBytesSinceCheckpoint >= WAL_BYTES_PER_CHECKPOINT) {
      this.walBytesSinceCheckpoint = 0;
      void this.checkpoint();
    }
    await durable;
    return outcomes;
  }

  async setMeta(key: string, value: number): Promise<void> {
    if (this.held) await this.held;
    this.checkUsable();
    this.writer.setMeta(key, value);
    await this.commitDurably();
  }

  async compactRange(from: number, to: number, rev: number): Promise<void> {
    if (this.held) await this.held;
    this.checkUsable();
    this.writer.compactRange(from, to, rev);
    await this.commitDurably();
  }

  /** Waits for pending fsyncs, then leaves the database checkpointed and synced for the store to close. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.waiters.length > 0 && !this.failure) {
        await new Promise<void>((resolve) => this.waiters.push({ commit: this.committed, resolve, reject: () => resolve() }));
      }
      try {
        await this.checkpointer.close();
        this.db.pragma('synchronous = FULL');
        if (!this.failure) this.db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        closeSync(this.walFd);
      }
    })();
    return this.closing;
  }

  private checkUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new StoreError('Unavailable', `SQLite store ${this.path} is closed`);
  }

  /**
   * A checkpoint beside the commits; then, if commits went on meanwhile and the WAL file has
   * grown past the limit, one that holds them to copy what they added. One at a time: asked
   * again meanwhile, the one under way covers it.
   */
  private async checkpoint(): Promise<void> {
    if (this.checkpointing) return;
    this.checkpointing = true;
    try {
      const before = this.committed;
      await this.checkpointer.run();
      // No commit meanwhile: all of the WAL is in the database file, and the next commit starts it again.
      if (this.committed === before || !this.checkpointer.besideCommits || this.closing || this.failure) return;
      if (fstatSync(this.walFd).size <= this.walSizeLimit) return;
      this.held = this.checkpointer.run();
      await this.held;
    } finally {
      this.held = undefined;
      this.checkpointing = false;
    }
  }

  /** Resolves once an fsync that started after the commit just made has finished. */
  private commitDurably(): Promise<void> {
    const commit = ++this.committed;
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ commit, resolve, reject });
      this.startSync();
    });
  }

  private startSync(): void {
    if (this.syncing || this.failure || this.durable >= this.committed) return;
    this.syncing = true;
    const upTo = this.committed;
    this.syncFile(this.walFd, (err) => {
      this.syncing = false;
      if (err) {
        this.fail(`fsync of its write-ahead log failed: ${err.message}`);
        return;
      }
      this.durable = upTo;
      let released = 0;
      while (released < this.waiters.length && this.waiters[released]!.commit <= upTo) released++;
      for (const w of this.waiters.splice(0, released)) w.resolve();
      this.startSync();
    });
  }

  /** The checkpoint on this thread's connection, if the checkpoint thread failed. */
  private checkpointHere(): void {
    if (this.closing) return;
    try {
      this.db.pragma('synchronous = FULL');
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Retried after the next 4 MB; a checkpoint that cannot run loses nothing.
    } finally {
      this.db.pragma('synchronous = OFF');
    }
  }

  private fail(why: string): void {
    if (this.failure) return;
    this.failure = new StoreError('Unavailable', `SQLite store ${this.path}: ${why}`);
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    this.onFailure(this.failure);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
