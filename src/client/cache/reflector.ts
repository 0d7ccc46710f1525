// Keeps a store in step with the API server: list (paged) then watch from the list's
// resourceVersion; when a watch ends, watch again from the last resourceVersion seen; when
// the server says that resourceVersion is too old (410 Expired), list again. Errors back off.

import { isStatusError, StatusError } from '../../api/errors.ts';
import { Backoff, sleepUnlessAborted, type BackoffOptions } from '../backoff.ts';
import type { HasMetadata, ObjectList, RestClient } from '../rest-client.ts';
import type { GroupVersionResource } from '../resources.ts';
import type { Watch } from '../watch.ts';

/** Where a reflector puts what it learns. */
export interface ReflectorStore<T> {
  /** The full state at `resourceVersion`, from a list. */
  replace(items: T[], resourceVersion: string): void;
  add(obj: T): void;
  update(obj: T): void;
  delete(obj: T): void;
}

export interface ReflectorOptions<T> {
  client: RestClient;
  resource: GroupVersionResource;
  store: ReflectorStore<T>;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Items per list page (upstream: 500). */
  pageSize?: number;
  backoff?: BackoffOptions;
  /** Watches ask the server to end them after between this and twice this (upstream: 5 min). */
  minWatchTimeoutSeconds?: number;
  /** Errors are reported here (defaults to console.warn). */
  onError?: (err: unknown, during: 'list' | 'watch') => void;
}

export class Reflector<T extends HasMetadata> {
  private readonly opts: ReflectorOptions<T>;
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private lastSyncRV = '';
  private lastSyncRVUnavailable = false;
  /** How many lists and watches were started: for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, expired: 0 };

  constructor(opts: ReflectorOptions<T>) {
    this.opts = opts;
    this.backoff = new Backoff(opts.backoff);
  }

  get lastSyncResourceVersion(): string {
    return this.lastSyncRV;
  }

  /** Starts the list-and-watch loop in the background. */
  run(): void {
    this.loop ??= this.runLoop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async runLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.listAndWatch();
      } catch (err) {
        if (this.stopped) break;
        this.report(err, 'list');
      }
      if (this.stopped) break;
      await sleepUnlessAborted(this.backoff.next(), this.abort.signal);
    }
  }

  /** Returns when a relist is due (after backoff); throws on failure. */
  private async listAndWatch(): Promise<void> {
    await this.list();
    while (!this.stopped) {
      const started = Date.now();
      let w: Watch<T>;
      try {
        this.stats.watches++;
        w = await this.opts.client.watch<T>(this.opts.resource, {
          namespace: this.opts.namespace,
          labelSelector: this.opts.labelSelector,
          fieldSelector: this.opts.fieldSelector,
          resourceVersion: this.lastSyncRV,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.floor((this.opts.minWatchTimeoutSeconds ?? 300) * (1 + Math.random())),
          signal: this.abort.signal,
        });
      } catch (err) {
        if (this.stopped) return;
        if (isStatusError(err, 'Expired') || isStatusError(err, 'Gone')) {
          this.stats.expired++;
          return;
        }
        if (err instanceof StatusError && err.reason !== 'TooManyRequests') throw err;
        // The server is unreachable or busy: try the watch again rather than relisting.
        this.report(err, 'watch');
        await sleepUnlessAborted(this.backoff.next(), this.abort.signal);
        continue;
      }
      const outcome = await this.consume(w);
      if (outcome === 'expired') {
        this.stats.expired++;
        return;
      }
      if (outcome === 'error') throw new Error('watch ended with an error event');
      if (outcome === 'empty' && Date.now() - started < 1000) {
        // A watch the server closes at once, over and over, must not become a hot loop.
        await sleepUnlessAborted(this.backoff.next(), this.abort.signal);
      }
    }
  }

  private relistResourceVersion(): string {
    if (this.lastSyncRVUnavailable) return '';
    return this.lastSyncRV || '0';
  }

  private async list(): Promise<void> {
    this.stats.lists++;
    const requestedRV = this.relistResourceVersion();
    const base = {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      signal: this.abort.signal,
    };
    const items: T[] = [];
    let page: ObjectList<T>;
    try {
      page = await this.opts.client.list<T>(this.opts.resource, { ...base, limit: this.opts.pageSize ?? 500, resourceVersion: requestedRV });
    } catch (err) {
      if (isStatusError(err, 'Expired') || isStatusError(err, 'Gone')) this.lastSyncRVUnavailable = true;
      throw err;
    }
    const listRV = page.metadata.resourceVersion ?? '';
    items.push(...withTypeMeta(page));
    while (page.metadata.continue) {
      try {
        // Later pages carry only the token: the server rejects a resourceVersion with continue.
        page = await this.opts.client.list<T>(this.opts.resource, { ...base, limit: this.opts.pageSize ?? 500, continue: page.metadata.continue });
        items.push(...withTypeMeta(page));
      } catch (err) {
        if (!isStatusError(err, 'Expired') && !isStatusError(err, 'Gone')) throw err;
        // The snapshot of the first page was compacted away: take everything in one go.
        page = await this.opts.client.list<T>(this.opts.resource, { ...base, resourceVersion: requestedRV });
        items.length = 0;
        items.push(...withTypeMeta(page));
        this.commitList(items, page.metadata.resourceVersion ?? '');
        return;
      }
    }
    this.commitList(items, listRV);
  }

  private commitList(items: T[], resourceVersion: string): void {
    this.opts.store.replace(items, resourceVersion);
    this.lastSyncRV = resourceVersion;
    this.lastSyncRVUnavailable = false;
    this.backoff.reset();
  }

  private async consume(w: Watch<T>): Promise<'ended' | 'empty' | 'expired' | 'error'> {
    let count = 0;
    for await (const ev of w) {
      if (this.stopped) break;
      if (ev.type === 'ERROR') {
        w.stop();
        const status = ev.object;
        if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone') return 'expired';
        this.report(StatusError.fromStatus(status), 'watch');
        return 'error';
      }
      const rv = ev.object.metadata?.resourceVersion;
      if (ev.type !== 'BOOKMARK') {
        count++;
        try {
          if (ev.type === 'ADDED') this.opts.store.add(ev.object);
          else if (ev.type === 'MODIFIED') this.opts.store.update(ev.object);
          else this.opts.store.delete(ev.object);
        } catch (err) {
          this.report(err, 'watch');
        }
      }
      if (rv) this.lastSyncRV = rv;
    }
    return count === 0 ? 'empty' : 'ended';
  }

  private report(err: unknown, during: 'list' | 'watch'): void {
    if (this.opts.onError) this.opts.onError(err, during);
    else console.warn(`reflector ${this.opts.resource.resource}: ${during} failed: ${(err as Error)?.message ?? err}`);
  }
}

/** List items come without kind and apiVersion; the list's own tell them. */
function withTypeMeta<T>(list: ObjectList<T>): T[] {
  const kind = list.kind?.endsWith('List') ? list.kind.slice(0, -4) : undefined;
  if (!kind || !list.apiVersion) return list.items ?? [];
  return (list.items ?? []).map((item) => {
    const o = item as { kind?: string; apiVersion?: string };
    if (o.kind === undefined) o.kind = kind;
    if (o.apiVersion === undefined) o.apiVersion = list.apiVersion;
    return item;
  });
}
