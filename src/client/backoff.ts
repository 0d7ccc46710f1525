// Exponential backoff with jitter that forgets its history after a quiet spell (upstream's
// ExponentialBackoffManager: 800 ms doubling to 30 s, reset after 2 min, jitter 1.0).

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  factor?: number;
  /** Each wait is stretched by up to this fraction of itself at random. */
  jitter?: number;
  /** A wait asked for this long after the previous one starts again from initialMs. */
  resetAfterMs?: number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly resetAfterMs: number;
  private current: number;
  private lastAt = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 800;
    this.maxMs = opts.maxMs ?? 30_000;
    this.factor = opts.factor ?? 2;
    this.jitter = opts.jitter ?? 1;
    this.resetAfterMs = opts.resetAfterMs ?? 120_000;
    this.current = this.initialMs;
  }

  /** The next wait, in ms. */
  next(): number {
    const now = Date.now();
    if (this.lastAt && now - this.lastAt > this.resetAfterMs) this.current = this.initialMs;
    this.lastAt = now;
    const base = this.current;
    this.current = Math.min(this.current * this.factor, this.maxMs);
    return base + Math.random() * this.jitter * base;
  }

  reset(): void {
    this.current = this.initialMs;
    this.lastAt = 0;
  }
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
