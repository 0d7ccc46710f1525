// What the store needs from whoever owns the writer connection: the worker thread for a
// file (worker-writer.ts), the main thread itself for ':memory:' (in-thread-writer.ts).
// Requests are carried out one after another, in the order they were made.
import type { Outcome, WriteOp } from './log-writer.ts';

export interface Writer {
  /** True while requests are carried out on this thread, before the call returns. */
  readonly inThread: boolean;
  /** Commits the ops in one transaction; one outcome per op, or rejects if the whole batch failed. */
  writeBatch(ops: readonly WriteOp[]): Promise<Outcome[]>;
  setMeta(key: string, value: number): Promise<void>;
  compactRange(from: number, to: number, rev: number): Promise<void>;
  /** Waits for what was requested, then releases the writer connection. */
  close(): Promise<void>;
}
