// What the store needs from whoever owns the writer connection: for a file, the main thread
// acknowledging after its own fsync (wal-sync-writer.ts) or a worker thread
// (worker-writer.ts); for ':memory:', the main thread itself (in-thread-writer.ts).
// Requests are carried out one after another, in the order they were made.
import type { Outcome, WriteOp } from './log-writer.ts';

export interface Writer {
  /** True while requests are carried out on this thread, so that a commit blocks its event loop. */
  readonly inThread: boolean;
  /** Commits the ops in one transaction; one outcome per op, or rejects if the whole batch failed. */
  writeBatch(ops: readonly WriteOp[]): Promise<Outcome[]>;
  setMeta(key: string, value: number): Promise<void>;
  compactRange(from: number, to: number, rev: number): Promise<void>;
  /** Waits for what was requested, then releases the writer connection. */
  close(): Promise<void>;
}
