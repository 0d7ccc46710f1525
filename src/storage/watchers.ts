// In-process fan-out of committed events to watchers. A backend that sees every commit
// (SQLite) calls `publish` right after each commit; watchers that start in the past are
// first replayed from the backend's log and only then join the live stream.
import type { StoreError, StoreEvent, WatchCallbacks, WatchHandle } from './store.ts';

interface Watcher {
  prefix: string;
  /** Revision of the last event delivered (or skipped as not matching). */
  seen: number;
  live: boolean;
  cancelled: boolean;
  callbacks: WatchCallbacks;
}

/** Reads events for `prefix` with revision in (after, upTo] from a backend's log, in order. */
export type ReplayFn = (prefix: string, after: number, upTo: number) => StoreEvent[];

export class Watchers {
  private readonly watchers = new Set<Watcher>();

  constructor(
    private readonly replay: ReplayFn,
    private readonly currentRevision: () => number,
    /** Throws StoreError('Compacted') when `after` is no longer available. */
    private readonly checkNotCompacted: (after: number) => void,
  ) {}

  get size(): number {
    return this.watchers.size;
  }

  add(prefix: string, afterRevision: number, callbacks: WatchCallbacks): WatchHandle {
    const watcher: Watcher = { prefix, seen: afterRevision, live: false, cancelled: false, callbacks };
    this.watchers.add(watcher);
    // Catch up on the next microtask, so the caller holds its handle before any event arrives.
    queueMicrotask(() => void this.catchUp(watcher));
    return {
      cancel: () => {
        watcher.cancelled = true;
        this.watchers.delete(watcher);
      },
      // A live watcher is handed each commit's events before the write is acknowledged.
      progress: () => (watcher.live && !watcher.cancelled ? this.currentRevision() : watcher.seen),
    };
  }

  /** Delivers events committed just now (strictly increasing revisions). */
  publish(events: StoreEvent[]): void {
    if (events.length === 0) return;
    for (const watcher of this.watchers) {
      if (!watcher.live || watcher.cancelled) continue;
      const matching = events.filter((e) => e.kv.modRevision > watcher.seen && e.kv.key.startsWith(watcher.prefix));
      watcher.seen = events[events.length - 1].kv.modRevision;
      if (matching.length > 0) this.deliver(watcher, matching);
    }
  }

  /** Ends every watch with `err` (used when the store closes or fails). */
  failAll(err: StoreError): void {
    for (const watcher of [...this.watchers]) this.fail(watcher, err);
  }

  /**
   * Replays the log page by page, yielding between pages so a long replay does not block
   * other work. Commits made meanwhile are not published to this watcher (it is not live
   * yet); the next page reads them from the log. It goes live in the same turn in which
   * it has read everything committed so far.
   */
  private async catchUp(watcher: Watcher): Promise<void> {
    try {
      while (!watcher.cancelled) {
        this.checkNotCompacted(watcher.seen);
        const upTo = this.currentRevision();
        const events = watcher.seen < upTo ? this.replay(watcher.prefix, watcher.seen, upTo) : [];
        if (events.length === 0) {
          watcher.seen = upTo;
          watcher.live = true;
          return;
        }
        watcher.seen = events[events.length - 1].kv.modRevision;
        this.deliver(watcher, events);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.fail(watcher, err as StoreError);
    }
  }

  private deliver(watcher: Watcher, events: StoreEvent[]): void {
    try {
      watcher.callbacks.onEvents(events);
    } catch (err) {
      // A watcher's own bug must not break the commit path or other watchers.
      console.error('store watcher onEvents threw:', err);
    }
  }

  private fail(watcher: Watcher, err: StoreError): void {
    if (watcher.cancelled) return;
    watcher.cancelled = true;
    this.watchers.delete(watcher);
    try {
      watcher.callbacks.onError(err);
    } catch (cbErr) {
      console.error('store watcher onError threw:', cbErr);
    }
  }
}
