// The queue of keys between informers and a controller's workers (client-go's rate-limited,
// delaying work queue): an item is queued at most once; an item added while a worker holds
// it is queued again when that worker calls done(); failed items come back with per-item
// exponential backoff.

import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

export interface WorkQueueOptions<T> {
  rateLimiter?: RateLimiter<T>;
}

export class WorkQueue<T> {
  private readonly queue: T[] = [];
  /** Items that need processing: queued, or added again while being processed. */
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiting = new Map<T, { readyAt: number; timer: NodeJS.Timeout }>();
  private readonly getters: ((item: T | undefined) => void)[] = [];
  private readonly rateLimiter: RateLimiter<T>;
  private shutdown = false;

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>();
  }

  add(item: T): void {
    if (this.shutdown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    this.queue.push(item);
    this.handOut();
  }

  /**
   * The next item, once there is one. Resolves undefined when the queue is shut down and
   * empty: the worker should then return. Every item got must be given back with done().
   */
  get(): Promise<T | undefined> {
    if (this.queue.length > 0) return Promise.resolve(this.take());
    if (this.shutdown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** The worker has finished with the item; if it was added meanwhile, it is queued again. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item) && !this.shutdown) {
      this.queue.push(item);
      this.handOut();
    } else if (this.dirty.has(item)) {
      this.queue.push(item);
    }
  }

  /** Adds the item once `ms` has passed (at once when ms ≤ 0); the earliest of several wins. */
  addAfter(item: T, ms: number): void {
    if (this.shutdown) return;
    if (ms <= 0) return this.add(item);
    const readyAt = Date.now() + ms;
    const existing = this.waiting.get(item);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(item);
      this.add(item);
    }, ms);
    this.waiting.set(item, { readyAt, timer });
  }

  /** Adds the item after the delay its rate limiter gives (it grows with each failure). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** The item succeeded: its failure history (and so its backoff) is cleared. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /** Items ready to be handed out (not those being processed nor those waiting for a delay). */
  len(): number {
    return this.queue.length;
  }

  /** No more adds; waiting workers get undefined once the queue is empty; delayed adds are dropped. */
  shutDown(): void {
    if (this.shutdown) return;
    this.shutdown = true;
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
    for (const g of this.getters.splice(0)) g(undefined);
  }

  shuttingDown(): boolean {
    return this.shutdown;
  }

  private take(): T {
    const item = this.queue.shift()!;
    this.processing.add(item);
    this.dirty.delete(item);
    return item;
  }

  private handOut(): void {
    while (this.getters.length > 0 && this.queue.length > 0) this.getters.shift()!(this.take());
  }
}
