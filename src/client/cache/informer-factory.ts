// One shared informer per resource + namespace + selectors per process, so every controller
// reading pods shares one list, one watch and one cache.

import type { BackoffOptions } from '../backoff.ts';
import type { HasMetadata, RestClient } from '../rest-client.ts';
import type { GroupVersionResource } from '../resources.ts';
import { SharedIndexInformer } from './shared-informer.ts';
import type { Indexers } from './thread-safe-store.ts';

export interface InformerFactoryOptions {
  /** Resync period for informers that do not name their own; 0 = never. */
  defaultResyncMs?: number;
  /** Restrict every informer to one namespace (upstream's WithNamespace). */
  namespace?: string;
  backoff?: BackoffOptions;
  pageSize?: number;
  minWatchTimeoutSeconds?: number;
}

export interface InformerRequest<T> {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resyncPeriodMs?: number;
  /** Added to the shared informer's indexers (names must not clash with other users'). */
  indexers?: Indexers<T>;
}

export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedIndexInformer<any>>();
  private readonly startedKeys = new Set<string>();

  constructor(
    private readonly client: RestClient,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  informerFor<T extends HasMetadata>(resource: GroupVersionResource, req: InformerRequest<T> = {}): SharedIndexInformer<T> {
    const namespace = req.namespace ?? this.opts.namespace;
    const key = [resource.group, resource.version, resource.resource, namespace ?? '', req.labelSelector ?? '', req.fieldSelector ?? ''].join('|');
    let informer = this.informers.get(key) as SharedIndexInformer<T> | undefined;
    if (!informer) {
      informer = new SharedIndexInformer<T>({
        client: this.client,
        resource,
        namespace,
        labelSelector: req.labelSelector,
        fieldSelector: req.fieldSelector,
        resyncPeriodMs: req.resyncPeriodMs ?? this.opts.defaultResyncMs ?? 0,
        indexers: req.indexers,
        backoff: this.opts.backoff,
        pageSize: this.opts.pageSize,
        minWatchTimeoutSeconds: this.opts.minWatchTimeoutSeconds,
      });
      this.informers.set(key, informer);
    } else if (req.indexers) {
      const missing = Object.fromEntries(Object.entries(req.indexers).filter(([name]) => !informer!.indexer.hasIndex(name)));
      informer.addIndexers(missing);
    }
    return informer;
  }

  /** Starts every informer asked for so far that is not running yet; call again after asking for more. */
  start(): void {
    for (const [key, informer] of this.informers) {
      if (this.startedKeys.has(key)) continue;
      this.startedKeys.add(key);
      informer.run();
    }
  }

  /** Resolves true once every started informer has synced (false if stopped or aborted first). */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const started = [...this.informers].filter(([key]) => this.startedKeys.has(key)).map(([, i]) => i);
    const results = await Promise.all(started.map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
