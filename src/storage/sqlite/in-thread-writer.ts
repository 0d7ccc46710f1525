// The writer for ':memory:': an in-memory database lives in one connection, so the main
// thread writes it itself, with the same LogWriter as the writers for files.
import type Database from 'better-sqlite3';
import { LogWriter, type Outcome, type WriteOp } from './log-writer.ts';
import type { Writer } from './writer.ts';

export class InThreadWriter implements Writer {
  readonly inThread = true;
  private readonly writer: LogWriter;

  constructor(db: Database.Database, path: string) {
    this.writer = new LogWriter(db, path);
  }

  async writeBatch(ops: readonly WriteOp[]): Promise<Outcome[]> {
    return this.writer.writeBatch(ops);
  }

  async setMeta(key: string, value: number): Promise<void> {
    this.writer.setMeta(key, value);
  }

  async compactRange(from: number, to: number, rev: number): Promise<void> {
    this.writer.compactRange(from, to, rev);
  }

  /** The connection is the store's own; the store closes it. */
  async close(): Promise<void> {}
}
