// Periodic compaction, as kube-apiserver does it: every interval, forget history older than
// the previous tick, but always keep at least the last `keepRevisions` revisions.
import type { Store } from './store.ts';

export interface CompactorOptions {
  /** Default 5 minutes. */
  intervalMs?: number;
  /** Default 1000. */
  keepRevisions?: number;
}

export interface Compactor {
  stop(): void;
}

export function startCompactor(store: Store, opts: CompactorOptions = {}): Compactor {
  const intervalMs = opts.intervalMs ?? 5 * 60_000;
  const keep = opts.keepRevisions ?? 1000;
  let revisionAtLastTick = 0;
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const current = await store.currentRevision();
      const target = Math.min(revisionAtLastTick, current - keep);
      revisionAtLastTick = current;
      if (target > (await store.compactedRevision())) await store.compact(target);
    } catch {
      // The store is closed or unreachable; the next tick tries again.
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
