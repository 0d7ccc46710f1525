// Pods marked for graceful deletion are removed once their grace period has passed, if no
// kubelet confirmed sooner (a simulated or lost node never will).

import type { GenericStore } from './generic-store.ts';
import { internalContext } from './context.ts';

export function startPodDeletionSweeper(pods: GenericStore, intervalMs = 1000): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await pods.cache.ready();
      const now = Date.now();
      // Collect first: deleting changes the cache while it is being scanned.
      const due = [];
      for (const e of pods.cache.values()) {
        const meta = e.obj.metadata;
        if (!meta.deletionTimestamp || (meta.finalizers?.length ?? 0) > 0) continue;
        if (Date.parse(meta.deletionTimestamp) > now) continue;
        due.push(meta);
      }
      for (const meta of due) {
        await pods
          .delete(meta.namespace, meta.name, { gracePeriodSeconds: 0, preconditions: { uid: meta.uid } }, internalContext())
          .catch(() => {});
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
