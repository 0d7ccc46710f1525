// The watch cache (kube-apiserver's "cacher"): one store watch per resource feeds an
// in-memory copy of every object plus a window of recent events. Lists at resourceVersion 0
// and every watch are served from here, so a thousand watchers cost one store watch.

import type { KeyValue, Store, StoreEvent, WatchHandle } from '../storage/store.ts';
import { StoreError } from '../storage/store.ts';

/** A decoded object as the cache holds it. Never mutate `obj`: it is shared. */
export interface CacheEntry {
  key: string;
  namespace: string;
  obj: any;
  rev: number;
  /** The object's JSON, made once and shared by every list and watcher. */
  json(): string;
}

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: CacheEventType;
  entry: CacheEntry;
  /** The object before the change (MODIFIED, DELETED). */
  prev?: CacheEntry;
  rev: number;
}

export interface WatchSink {
  /** Events in order; the sink filters and writes. */
  events(events: CacheEvent[]): void;
  /** The watch cannot continue (cache restarted or broke); the client must re-watch. */
  close(reason: string): void;
}

export class TooOldResourceVersion extends Error {
  constructor(readonly requested: number, readonly oldest: number) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

type Decode = (kv: KeyValue) => any;
/**
 * A stored value this process wrote, known without parsing it: the object it was written
 * from and its JSON (see object-codec).
 */
type Known = (kv: KeyValue) => { json: string; obj: any } | undefined;

/**
 * K8TS_FREEZE_CACHE=1 (the test suite sets it) deep-freezes every object the cache takes, so
 * code that changes a shared object (one the cache holds, or one a writer handed it) throws
 * in tests instead of silently changing what lists and watchers see.
 */
const FREEZE = process.env.K8TS_FREEZE_CACHE === '1';

function deepFreeze(value: any): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const k of Object.keys(value)) deepFreeze(value[k]);
}

export function makeEntry(key: string, obj: any, rev: number, knownJson?: string): CacheEntry {
  if (FREEZE) deepFreeze(obj);
  let json = knownJson;
  return {
    key,
    namespace: obj?.metadata?.namespace ?? '',
    obj,
    rev,
    json: () => (json ??= JSON.stringify(obj)),
  };
}

export class WatchCache {
  /** Last revision applied (the list's revision at start, then each event's). */
  rev = 0;
  /** Watches may start from any revision >= oldestRev. */
  oldestRev = 0;
  private readonly items = new Map<string, CacheEntry>();
  private readonly byNamespace = new Map<string, Map<string, CacheEntry>>();
  /** Recent events in revision order: window[windowStart..]; slots before it are released. */
  private window: (CacheEvent | undefined)[] = [];
  private windowStart = 0;
  private readonly watchers = new Set<WatchSink>();
  private readonly revWaiters: { rev: number; resolve: () => void }[] = [];
  private handle?: WatchHandle;
  private readyPromise?: Promise<void>;
  /** Started and fed by its store watch (not starting, restarting or stopped). */
  private live = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly prefix: string,
    private readonly decode: Decode,
    private readonly windowSize = 10_000,
    private readonly known?: Known,
  ) {}

  ready(): Promise<void> {
    return (this.readyPromise ??= this.startOnce());
  }

  private async startOnce(): Promise<void> {
    const result = await this.store.list(this.prefix);
    this.items.clear();
    this.byNamespace.clear();
    for (const kv of result.kvs) {
      const entry = makeEntry(kv.key, this.decode(kv), kv.modRevision);
      this.put(entry);
    }
    this.rev = result.revision;
    this.oldestRev = result.revision;
    this.window = [];
    this.windowStart = 0;
    this.handle = this.store.watch(this.prefix, result.revision, {
      onEvents: (evs) => this.apply(evs),
      onError: (err) => this.restart(err),
    });
    this.live = !this.stopped;
  }

  private restart(err: StoreError): void {
    if (this.stopped) return;
    this.live = false;
    this.handle?.cancel();
    for (const w of [...this.watchers]) w.close(`watch cache restarting: ${err.message}`);
    this.watchers.clear();
    this.readyPromise = this.startOnce().catch(() => {
      this.readyPromise = undefined;
    });
  }

  stop(): void {
    this.stopped = true;
    this.live = false;
    this.handle?.cancel();
    for (const w of [...this.watchers]) w.close('server shutting down');
    this.watchers.clear();
  }

  private put(entry: CacheEntry): CacheEntry | undefined {
    const prev = this.items.get(entry.key);
    this.items.set(entry.key, entry);
    let ns = this.byNamespace.get(entry.namespace);
    if (!ns) this.byNamespace.set(entry.namespace, (ns = new Map()));
    ns.set(entry.key, entry);
    return prev;
  }

  private remove(key: string): CacheEntry | undefined {
    const prev = this.items.get(key);
    if (!prev) return undefined;
    this.items.delete(key);
    this.byNamespace.get(prev.namespace)?.delete(key);
    return prev;
  }

  private apply(evs: StoreEvent[]): void {
    const out: CacheEvent[] = [];
    for (const ev of evs) {
      const rev = ev.kv.modRevision;
      if (rev <= this.rev) continue;
      if (ev.type === 'PUT') {
        const known = this.known?.(ev.kv);
        const entry = known ? makeEntry(ev.kv.key, known.obj, rev, known.json) : makeEntry(ev.kv.key, this.decode(ev.kv), rev);
        const prev = this.put(entry);
        out.push({ type: prev ? 'MODIFIED' : 'ADDED', entry, prev, rev });
      } else {
        const prev = this.remove(ev.kv.key) ?? makeEntry(ev.prevKv.key, this.decode(ev.prevKv), ev.prevKv.modRevision);
        // A deleted object is reported at the revision of its deletion, as upstream does.
        const obj = { ...prev.obj, metadata: { ...prev.obj.metadata, resourceVersion: String(rev) } };
        out.push({ type: 'DELETED', entry: makeEntry(ev.kv.key, obj, rev), prev, rev });
      }
      this.rev = rev;
    }
    if (out.length === 0) return;
    for (const e of out) this.window.push(e);
    const size = this.window.length - this.windowStart;
    if (size > this.windowSize) {
      // Trimmed by moving the start (no copy of the whole window per write); the array is
      // compacted once as many slots are released as the window holds.
      const end = this.windowStart + size - this.windowSize;
      this.oldestRev = this.window[end - 1]!.rev;
      for (let i = this.windowStart; i < end; i++) this.window[i] = undefined;
      this.windowStart = end;
      if (this.windowStart >= this.windowSize) {
        this.window = this.window.slice(this.windowStart);
        this.windowStart = 0;
      }
    }
    for (const w of this.watchers) w.events(out);
    this.wakeRevWaiters();
  }

  private wakeRevWaiters(): void {
    for (let i = this.revWaiters.length - 1; i >= 0; i--) {
      if (this.revWaiters[i].rev <= this.rev) {
        this.revWaiters[i].resolve();
        this.revWaiters.splice(i, 1);
      }
    }
  }

  /** Resolves once the cache has seen revision `rev`, or after `timeoutMs` (then false). */
  async waitForRevision(rev: number, timeoutMs: number): Promise<boolean> {
    await this.ready();
    if (this.rev >= rev) return true;
    return new Promise((resolve) => {
      const waiter = { rev, resolve: () => (clearTimeout(t), resolve(true)) };
      const t = setTimeout(() => {
        const i = this.revWaiters.indexOf(waiter);
        if (i >= 0) this.revWaiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      this.revWaiters.push(waiter);
    });
  }

  get(key: string): CacheEntry | undefined {
    return this.items.get(key);
  }

  /**
   * The entry of `key` while the cache is live, without starting it: a recent copy that may
   * lag the store (writers use it as a first guess and check it with the write's precondition).
   */
  current(key: string): CacheEntry | undefined {
    return this.live ? this.items.get(key) : undefined;
  }

  /** Current objects, in key order, optionally in one namespace. */
  list(namespace?: string): CacheEntry[] {
    const source = namespace ? this.byNamespace.get(namespace) : this.items;
    if (!source) return [];
    return [...source.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Every current object, in no particular order and without copying (for scans). */
  values(): IterableIterator<CacheEntry> {
    return this.items.values();
  }

  size(): number {
    return this.items.size;
  }

  /**
   * Starts a watch. With `fromRev` undefined the sink first gets ADDED for every current
   * object (in key order) and then every later event; with a revision, only events after it.
   */
  watch(fromRev: number | undefined, sink: WatchSink, namespace?: string): () => void {
    if (fromRev === undefined) {
      const initial = this.list(namespace).map((entry): CacheEvent => ({ type: 'ADDED', entry, rev: entry.rev }));
      if (initial.length > 0) sink.events(initial);
    } else {
      if (fromRev < this.oldestRev) throw new TooOldResourceVersion(fromRev, this.oldestRev);
      const replay = fromRev < this.rev ? this.eventsAfter(fromRev) : [];
      if (replay.length > 0) sink.events(replay);
    }
    // Events at or before the start revision may still be in flight from the store: skip them.
    const after = fromRev ?? this.rev;
    const filtered: WatchSink = {
      events: (evs) => {
        const later = evs[0].rev > after ? evs : evs.filter((e) => e.rev > after);
        if (later.length > 0) sink.events(later);
      },
      close: (reason) => sink.close(reason),
    };
    this.watchers.add(filtered);
    return () => this.watchers.delete(filtered);
  }

  private eventsAfter(rev: number): CacheEvent[] {
    // Binary search: window is in revision order.
    let lo = this.windowStart;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.window[mid]!.rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return this.window.slice(lo) as CacheEvent[];
  }

  /**
   * The revision this cache is exactly up to date with, when the store can tell: every
   * write acknowledged before now is reflected. Undefined while starting or unknown.
   */
  consistentRevision(): number | undefined {
    const p = this.handle?.progress?.();
    if (p === undefined || this.readyPromise === undefined) return undefined;
    return Math.max(p, this.rev);
  }

  watcherCount(): number {
    return this.watchers.size;
  }
}
