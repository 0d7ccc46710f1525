// Runs the WAL checkpoints of a WalSyncWriter in a thread of their own (checkpoint-worker.mjs),
// so copying megabytes of WAL into the database file and its two fsyncs (10-12 ms each time
// in the apiserver benchmark) do not stall the event loop. A passive checkpoint on a second
// connection is safe while this thread goes on committing: it copies only frames committed
// before it started, and SQLite reuses the WAL only once the database file has been synced.
//
// The thread starts at the first checkpoint (a short-lived store never starts it). If it
// fails, checkpoints run on this thread from then on, as before.
import { Worker } from 'node:worker_threads';

const ENTRY = new URL('./checkpoint-worker.mjs', import.meta.url);

type WorkerMessage = { type: 'closed' } | { type: 'checkpointed'; ok: boolean };

export class Checkpointer {
  private worker?: Worker;
  /** The checkpoint the thread is running, and how to settle it. */
  private current?: Promise<void>;
  private settleCurrent?: () => void;
  private broken = false;
  private closing?: Promise<void>;
  private closed?: () => void;
  /** Checkpoints completed by the thread (tests). */
  completed = 0;

  constructor(
    private readonly path: string,
    /** The fallback: a checkpoint on the caller's own connection. */
    private readonly inThisThread: () => void,
  ) {}

  /** True while checkpoints run in the thread, beside the commits of the caller's thread. */
  get besideCommits(): boolean {
    return !this.broken;
  }

  /**
   * Runs a checkpoint; resolves once it is over (done or failed: nothing is lost either way).
   * Asked while one runs, it runs another after that one.
   */
  run(): Promise<void> {
    if (this.closing) return Promise.resolve();
    if (this.broken) {
      this.inThisThread();
      return Promise.resolve();
    }
    if (this.current) return this.current.then(() => this.run());
    this.current = new Promise<void>((resolve) => (this.settleCurrent = resolve));
    this.thread().postMessage({ type: 'checkpoint' });
    return this.current;
  }

  /** Lets a running checkpoint finish, then closes the thread's connection and the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (worker && !this.broken) {
        worker.ref();
        await new Promise<void>((resolve) => {
          this.closed = resolve;
          worker.once('exit', () => resolve());
          worker.postMessage({ type: 'close' });
        });
        await worker.terminate();
      }
      this.settle();
    })();
    return this.closing;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(ENTRY, { workerData: { path: this.path }, execArgv: [] });
    // An idle thread must not keep the process alive; a checkpoint cut short by exit loses nothing.
    worker.unref();
    worker.on('message', (m: WorkerMessage) => this.receive(m));
    worker.on('error', () => this.breakDown());
    worker.on('exit', () => this.breakDown());
    this.worker = worker;
    return worker;
  }

  private receive(m: WorkerMessage): void {
    if (m.type === 'closed') {
      this.closed?.();
      return;
    }
    if (m.ok) this.completed++;
    this.settle();
  }

  private breakDown(): void {
    if (this.closing || this.broken) return;
    this.broken = true;
    if (!this.current) return;
    this.inThisThread();
    this.settle();
  }

  private settle(): void {
    const settle = this.settleCurrent;
    this.current = this.settleCurrent = undefined;
    settle?.();
  }
}
