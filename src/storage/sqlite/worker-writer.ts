// The writer for a database file: a worker thread owns the writer connection (see
// writer-worker.ts), so commits and their fsyncs do not block the main thread's event loop.
//
// Until the thread has started (loading TypeScript in a fresh thread takes a few hundred ms),
// requests are carried out here, on the main connection, with the same LogWriter: a store
// is writable at once, and a short-lived one never waits for the thread. Such a request is
// finished before it returns, so requests still run one at a time, in order.
//
// A thread that dies fails every pending and later request with Unavailable, never the process.
import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { StoreError } from '../store.ts';
import { decodeOutcomes, encodeOps } from './batch-codec.ts';
import { LogWriter, type Outcome, type WriteOp } from './log-writer.ts';
import type { Writer } from './writer.ts';
import type { WriterMessage, WriterReply, WriterRequest, WriterWorkerData } from './writer-protocol.ts';

type Answer = WriterReply & { ok: true };

interface Pending {
  resolve(reply: Answer): void;
  reject(err: StoreError): void;
}

const WORKER_ENTRY = new URL('./writer-worker.mjs', import.meta.url);

export class WorkerWriter implements Writer {
  private readonly worker: Worker;
  private readonly local: LogWriter;
  private threadReady = false;
  private readonly readyWaiters: (() => void)[] = [];
  /** Requests sent and not yet answered, oldest first (the thread answers in order). */
  private readonly pending: Pending[] = [];
  private failure?: StoreError;
  private closing?: Promise<void>;

  constructor(db: Database.Database, private readonly path: string, private readonly onFailure: (err: StoreError) => void) {
    this.local = new LogWriter(db, path);
    this.worker = startWorker({ path });
    // Referenced only while a request is pending: an idle store must not keep the process alive.
    this.worker.unref();
    this.worker.on('message', (message: WriterMessage) => this.receive(message));
    this.worker.on('error', (err) => this.fail(`its writer thread failed: ${err.message}`));
    this.worker.on('messageerror', (err) => this.fail(`a message from its writer thread was unreadable: ${err.message}`));
    this.worker.on('exit', (code) => this.fail(`its writer thread exited (code ${code})`));
  }

  get inThread(): boolean {
    return !this.threadReady;
  }

  async writeBatch(ops: readonly WriteOp[]): Promise<Outcome[]> {
    if (this.useLocal()) return this.local.writeBatch(ops);
    const encoded = encodeOps(ops);
    const reply = await this.request({ type: 'batch', ops: encoded }, [encoded.data]);
    return decodeOutcomes(reply.outcomes!);
  }

  async setMeta(key: string, value: number): Promise<void> {
    if (this.useLocal()) return this.local.setMeta(key, value);
    await this.request({ type: 'setMeta', key, value });
  }

  async compactRange(from: number, to: number, rev: number): Promise<void> {
    if (this.useLocal()) return this.local.compactRange(from, to, rev);
    await this.request({ type: 'compact', from, to, rev });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.threadReady && !this.failure) {
        try {
          await this.request({ type: 'close' });
        } catch {
          // The thread died meanwhile; there is nothing left to close.
        }
      }
      this.failure ??= new StoreError('Unavailable', `SQLite store ${this.path} is closed`);
      await this.worker.terminate();
    })();
    return this.closing;
  }

  /** Resolves once requests go to the thread (test hook; rejects if the thread died first). */
  threadStarted(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) reject(this.failure);
      else if (this.threadReady) resolve();
      else this.readyWaiters.push(() => (this.threadReady ? resolve() : reject(this.failure)));
    });
  }

  /** Test hook: kills the writer thread as a crash would. */
  kill(): Promise<number> {
    return this.worker.terminate();
  }

  private useLocal(): boolean {
    if (this.failure) throw this.failure;
    return !this.threadReady;
  }

  private request(request: WriterRequest, transfer: ArrayBuffer[] = []): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) this.worker.ref();
      this.pending.push({ resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }

  private receive(message: WriterMessage): void {
    if (message.type === 'ready') {
      this.threadReady = true;
      this.wakeReadyWaiters();
      return;
    }
    const pending = this.pending.shift();
    if (this.pending.length === 0) this.worker.unref();
    if (!pending) return;
    if (message.ok) pending.resolve(message);
    else pending.reject(new StoreError(message.code, message.message));
  }

  private fail(why: string): void {
    if (this.failure) return;
    this.failure = new StoreError('Unavailable', `SQLite store ${this.path}: ${why}`);
    for (const pending of this.pending.splice(0)) pending.reject(this.failure);
    this.worker.unref();
    this.wakeReadyWaiters();
    this.onFailure(this.failure);
  }

  private wakeReadyWaiters(): void {
    for (const wake of this.readyWaiters.splice(0)) wake();
  }
}

/**
 * The thread runs only writer-worker.mjs, which loads what it needs itself. Of the parent's
 * Node flags it takes only those for profiling and source maps: the rest concern the parent's
 * own entry point (`--import tsx` would only slow the thread's start; `--input-type` makes it
 * fail) or are refused in a thread given them explicitly (V8 flags such as --max-old-space-size).
 */
function startWorker(workerData: WriterWorkerData): Worker {
  return new Worker(WORKER_ENTRY, { workerData, execArgv: diagnosticFlags(process.execArgv) });
}

const DIAGNOSTIC_FLAG = /^--(cpu-prof|heap-prof|enable-source-maps)/;

function diagnosticFlags(execArgv: readonly string[]): string[] {
  const flags: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (!DIAGNOSTIC_FLAG.test(arg)) continue;
    flags.push(arg);
    // `--cpu-prof-dir DIR`: the value is the next argument.
    if (/-(dir|name|interval)$/.test(arg) && i + 1 < execArgv.length) flags.push(execArgv[++i]);
  }
  return flags;
}
