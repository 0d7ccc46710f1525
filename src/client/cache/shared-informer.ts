// One reflector feeding one indexed cache, fanned out to any number of event handlers.
// Handlers see adds, updates (old and new object) and deletes; a deletion noticed only by a
// relist arrives as DeletedFinalStateUnknown. Periodic resync replays the cache as updates.

import type { BackoffOptions } from '../backoff.ts';
import type { HasMetadata, RestClient } from '../rest-client.ts';
import type { GroupVersionResource } from '../resources.ts';
import { DeletedFinalStateUnknown } from './deleted-final-state-unknown.ts';
import { Indexer, metaNamespaceIndexFunc, metaNamespaceKeyFunc, NAMESPACE_INDEX } from './indexer.ts';
import { Lister } from './lister.ts';
import { Reflector, type ReflectorStore } from './reflector.ts';
import type { Indexers } from './thread-safe-store.ts';

export interface ResourceEventHandler<T> {
  /** `isInInitialList`: the object came with the first list (or was cached before this handler was added). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T | DeletedFinalStateUnknown<T>): void;
}

export interface HandlerRegistration {
  remove(): void;
  /** Handlers are called synchronously, so a handler has seen the first list once the informer has. */
  hasSynced(): boolean;
}

export interface SharedInformerOptions<T> {
  client: RestClient;
  resource: GroupVersionResource;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Default resync period for handlers; 0 = never. */
  resyncPeriodMs?: number;
  indexers?: Indexers<T>;
  pageSize?: number;
  backoff?: BackoffOptions;
  minWatchTimeoutSeconds?: number;
  onError?: (err: unknown, during: 'list' | 'watch') => void;
}

interface Listener<T> {
  handler: ResourceEventHandler<T>;
  resyncTimer?: NodeJS.Timeout;
  resyncPeriodMs: number;
}

export class SharedIndexInformer<T extends HasMetadata> implements ReflectorStore<T> {
  readonly indexer: Indexer<T>;
  private readonly opts: SharedInformerOptions<T>;
  private readonly reflector: Reflector<T>;
  private readonly listeners = new Set<Listener<T>>();
  private synced = false;
  private started = false;
  private stopped = false;
  private syncWaiters: (() => void)[] = [];

  constructor(opts: SharedInformerOptions<T>) {
    this.opts = opts;
    this.indexer = new Indexer<T>(metaNamespaceKeyFunc, { [NAMESPACE_INDEX]: metaNamespaceIndexFunc, ...(opts.indexers ?? {}) });
    this.reflector = new Reflector<T>({
      client: opts.client,
      resource: opts.resource,
      namespace: opts.namespace,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      pageSize: opts.pageSize,
      backoff: opts.backoff,
      minWatchTimeoutSeconds: opts.minWatchTimeoutSeconds,
      onError: opts.onError,
      store: this,
    });
  }

  get resource(): GroupVersionResource {
    return this.opts.resource;
  }

  /** Registers a handler; if the cache already holds objects, the handler first sees them as adds. */
  addEventHandler(handler: ResourceEventHandler<T>, resyncPeriodMs = this.opts.resyncPeriodMs ?? 0): HandlerRegistration {
    const listener: Listener<T> = { handler, resyncPeriodMs };
    this.listeners.add(listener);
    for (const obj of this.indexer.list()) this.call(() => handler.onAdd?.(obj, true));
    if (this.started && !this.stopped) this.startResync(listener);
    return {
      remove: () => {
        if (listener.resyncTimer) clearInterval(listener.resyncTimer);
        this.listeners.delete(listener);
      },
      hasSynced: () => this.synced,
    };
  }

  addIndexers(indexers: Indexers<T>): void {
    this.indexer.addIndexers(indexers);
  }

  lister(): Lister<T> {
    return new Lister<T>(this.indexer);
  }

  run(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const l of this.listeners) this.startResync(l);
    this.reflector.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const l of this.listeners) if (l.resyncTimer) clearInterval(l.resyncTimer);
    await this.reflector.stop();
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** True once the first list has been stored and delivered to the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true when synced, false if the informer stops or the signal aborts first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve(this.synced);
      };
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion;
  }

  get reflectorStats(): Readonly<{ lists: number; watches: number; expired: number }> {
    return this.reflector.stats;
  }

  // ReflectorStore: called by the reflector only.

  replace(items: T[], _resourceVersion: string): void {
    const initial = !this.synced;
    const fresh = new Set<string>();
    const changes: (() => void)[] = [];
    for (const obj of items) {
      const key = metaNamespaceKeyFunc(obj);
      fresh.add(key);
      const old = this.indexer.getByKey(key);
      changes.push(old ? () => this.dispatchUpdate(old, obj) : () => this.dispatchAdd(obj, initial));
    }
    for (const key of this.indexer.listKeys()) {
      if (fresh.has(key)) continue;
      const last = this.indexer.getByKey(key)!;
      changes.push(() => this.dispatchDelete(new DeletedFinalStateUnknown(key, last)));
    }
    this.indexer.replace(items);
    for (const c of changes) c();
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  add(obj: T): void {
    const old = this.indexer.get(obj);
    this.indexer.update(obj);
    if (old) this.dispatchUpdate(old, obj);
    else this.dispatchAdd(obj, false);
  }

  update(obj: T): void {
    this.add(obj);
  }

  delete(obj: T): void {
    this.indexer.delete(obj);
    this.dispatchDelete(obj);
  }

  private dispatchAdd(obj: T, initial: boolean): void {
    for (const l of this.listeners) this.call(() => l.handler.onAdd?.(obj, initial));
  }

  private dispatchUpdate(old: T, obj: T): void {
    for (const l of this.listeners) this.call(() => l.handler.onUpdate?.(old, obj));
  }

  private dispatchDelete(obj: T | DeletedFinalStateUnknown<T>): void {
    for (const l of this.listeners) this.call(() => l.handler.onDelete?.(obj));
  }

  private startResync(l: Listener<T>): void {
    if (l.resyncPeriodMs <= 0 || l.resyncTimer) return;
    l.resyncTimer = setInterval(() => {
      if (!this.synced) return;
      for (const obj of this.indexer.list()) this.call(() => l.handler.onUpdate?.(obj, obj));
    }, l.resyncPeriodMs);
    l.resyncTimer.unref();
  }

  /** A failing handler must not break the informer or the other handlers. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      console.error(`informer ${this.opts.resource.resource}: event handler failed:`, err);
    }
  }
}
