// Retry a read-modify-write when someone else wrote in between (client-go's
// retry.RetryOnConflict): the function is run again, re-reading the object, on 409 Conflict.

import { isStatusError } from '../api/errors.ts';

export interface RetryOptions {
  /** Tries in all (upstream DefaultRetry: 5). */
  steps?: number;
  /** Wait before the second try (upstream: 10 ms), multiplied by factor each time. */
  delayMs?: number;
  factor?: number;
  jitter?: number;
}

export async function retryOnConflict<R>(fn: () => Promise<R>, opts: RetryOptions = {}): Promise<R> {
  return retryOn((err) => isStatusError(err, 'Conflict'), fn, opts);
}

/** Runs fn until it succeeds, fails with an error `retriable` rejects, or the steps run out. */
export async function retryOn<R>(retriable: (err: unknown) => boolean, fn: () => Promise<R>, opts: RetryOptions = {}): Promise<R> {
  const steps = opts.steps ?? 5;
  let delay = opts.delayMs ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= steps || !retriable(err)) throw err;
      await new Promise((r) => setTimeout(r, delay * (1 + Math.random() * (opts.jitter ?? 0.1))));
      delay *= opts.factor ?? 1;
    }
  }
}
