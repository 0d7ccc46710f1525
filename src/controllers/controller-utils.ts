// What every controller shares: the queue-and-workers loop (informers add keys, `run(workers)`
// hands them to `sync(key)`, failures come back with backoff), and small helpers about pods,
// owner references, conditions and int-or-percent values, as upstream's controller utils.

import { isStatusError } from '../api/errors.ts';
import type { OwnerReference } from '../api/meta.ts';
import type { Pod, PodCondition } from '../api/types/core-v1.ts';
import type { IntOrString } from '../api/types/intstr.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import { deletedObject, type DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import { metaNamespaceKeyFunc } from '../client/cache/indexer.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { HasMetadata, RestClient } from '../client/rest-client.ts';
import type { GroupVersionResource } from '../client/resources.ts';
import { WorkQueue } from '../client/workqueue.ts';

/** Settings some controllers need beyond informers, client and recorder (upstream: flags). */
export interface ControllerConfig {
  /** PEM of the cluster CA, published as the `kube-root-ca.crt` ConfigMap. */
  rootCA?: string;
  /** Free-form settings for controllers that take flags (e.g. node monitor grace period). */
  [setting: string]: unknown;
}

/** The shape every controller has; the manager knows nothing more about them. */
export interface Controller {
  readonly name: string;
  /** Waits for the caches, starts `workers` workers, resolves once stop() has been called and they ended. */
  run(workers: number): Promise<void>;
  stop(): void;
  /** Reconciles one key (`namespace/name`, or `name` for cluster-scoped objects). */
  sync(key: string): Promise<unknown>;
}

export type ControllerConstructor = new (
  informers: SharedInformerFactory,
  client: RestClient,
  recorder: EventRecorder,
  config?: ControllerConfig,
) => Controller;

/** A sync that wants its key looked at again after a while, without counting as a failure. */
export class RequeueAfter {
  constructor(readonly ms: number) {}
}

/**
 * The loop of upstream's controllers: keys from informer handlers go into a rate-limited
 * queue; workers take one key at a time; an error requeues the key with backoff, success
 * forgets its failure history.
 */
export abstract class QueueController implements Controller {
  abstract readonly name: string;
  readonly queue = new WorkQueue<string>();
  protected readonly informersToSync: SharedIndexInformer<any>[] = [];
  private stopping = new AbortController();

  abstract sync(key: string): Promise<void | RequeueAfter>;

  /** Informers whose first list must be in before workers start. */
  protected waitFor(...informers: SharedIndexInformer<any>[]): void {
    this.informersToSync.push(...informers);
  }

  enqueue(obj: HasMetadata | DeletedFinalStateUnknown<HasMetadata>): void {
    this.queue.add(metaNamespaceKeyFunc(obj as HasMetadata & { metadata: { name: string } }));
  }

  enqueueAfter(obj: HasMetadata, ms: number): void {
    this.queue.addAfter(metaNamespaceKeyFunc(obj as HasMetadata & { metadata: { name: string } }), ms);
  }

  async run(workers: number): Promise<void> {
    for (const informer of this.informersToSync) informer.run();
    const synced = await Promise.all(this.informersToSync.map((i) => i.waitForSync(this.stopping.signal)));
    if (!synced.every(Boolean)) return;
    await this.onSynced();
    const loops: Promise<void>[] = [];
    for (let i = 0; i < Math.max(1, workers); i++) loops.push(this.worker());
    await Promise.all(loops);
  }

  stop(): void {
    this.stopping.abort();
    this.queue.shutDown();
  }

  protected get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  protected get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  /** Called once the caches are in, before workers start. */
  protected async onSynced(): Promise<void> {}

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.sync(key);
        this.queue.forget(key);
        if (result instanceof RequeueAfter) this.queue.addAfter(key, result.ms);
      } catch (err) {
        if (!this.stopped) {
          if (!isStatusError(err, 'Conflict') && !isStatusError(err, 'NotFound')) {
            console.warn(`${this.name}: sync ${key} failed: ${(err as Error)?.message ?? err}`);
          }
          this.queue.addRateLimited(key);
        }
      } finally {
        this.queue.done(key);
      }
    }
  }
}

// ---- pods ----

export function podConditionOf(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod): boolean {
  return podConditionOf(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds (upstream's IsPodAvailable). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now = Date.now()): boolean {
  const c = podConditionOf(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

/** Not finished and not being deleted (upstream's IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export function podKey(pod: HasMetadata): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

// ---- owner references ----

export function controllerRefOf(obj: HasMetadata): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller);
}

export function newControllerRef(owner: HasMetadata, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Adds `ref` as the controller of `obj` (adoption), as a JSON merge patch conditional on the
 * object's resourceVersion, so adoption never races another writer.
 */
export async function adopt(client: RestClient, gvr: GroupVersionResource, obj: HasMetadata, ref: OwnerReference): Promise<void> {
  const refs = [...(obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
  await client.patch(gvr, obj.metadata!.name!, 'merge', { metadata: { ownerReferences: refs, resourceVersion: obj.metadata!.resourceVersion } }, { namespace: obj.metadata?.namespace });
}

/** Removes the owner `uid` from `obj` (release, orphaning); a gone object is not an error. */
export async function removeOwnerRef(client: RestClient, gvr: GroupVersionResource, obj: HasMetadata, uid: string): Promise<void> {
  const refs = (obj.metadata?.ownerReferences ?? []).filter((r) => r.uid !== uid);
  if (refs.length === (obj.metadata?.ownerReferences ?? []).length) return;
  try {
    await client.patch(
      gvr,
      obj.metadata!.name!,
      'merge',
      { metadata: { ownerReferences: refs.length > 0 ? refs : null, resourceVersion: obj.metadata!.resourceVersion } },
      { namespace: obj.metadata?.namespace },
    );
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
  }
}

/**
 * Reads the object, applies `mutate`, writes it back (to `subresource` if given); on a 409
 * reads again and retries (upstream's RetryOnConflict). `mutate` returning false skips the write.
 */
export async function updateWithRetry<T extends HasMetadata>(
  client: RestClient,
  gvr: GroupVersionResource,
  namespace: string | undefined,
  name: string,
  mutate: (obj: T) => boolean | void,
  subresource?: string,
): Promise<T | undefined> {
  for (let attempt = 0; ; attempt++) {
    let obj: T;
    try {
      obj = await client.get<T>(gvr, name, { namespace });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
    if (mutate(obj) === false) return obj;
    try {
      return await client.update<T>(gvr, obj, { namespace, subresource });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      if (!isStatusError(err, 'Conflict') || attempt >= 4) throw err;
    }
  }
}

// ---- conditions ----

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
}

export function getCondition<C extends Condition>(conditions: C[] | undefined, type: string): C | undefined {
  return conditions?.find((c) => c.type === type);
}

export function removeCondition<C extends Condition>(conditions: C[] | undefined, type: string): C[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

// ---- int or percent ----

/** Upstream's GetScaledValueFromIntOrPercent: `25%` of total, rounded up or down. */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    const n = Number(value);
    if (Number.isInteger(n)) return n;
    throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

// ---- stable comparison ----

/** JSON with sorted keys and no undefined members: equal for semantically equal objects. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** The object an informer's onDelete got, whether from a watch or a relist. */
export function objectOf<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return deletedObject(obj);
}

// ---- discovery ----

export interface DiscoveredResource extends GroupVersionResource {
  kind: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiResourceList {
  groupVersion?: string;
  resources?: { name: string; namespaced: boolean; kind: string; verbs?: string[] }[];
}

/**
 * Every top-level resource the API server serves, in each group's preferred version (from
 * /api and /apis), as the garbage collector and namespace controller need them. A group
 * version that fails to answer is reported in `failed`, the rest still returned.
 */
export async function discoverResources(client: RestClient): Promise<{ resources: DiscoveredResource[]; failed: string[] }> {
  const groupVersions: string[] = [];
  const core = await client.raw<{ versions?: string[] }>('GET', '/api');
  groupVersions.push(...(core.versions ?? ['v1']));
  const apis = await client.raw<{ groups?: { name: string; preferredVersion?: { groupVersion: string }; versions?: { groupVersion: string }[] }[] }>('GET', '/apis');
  for (const g of apis.groups ?? []) {
    const gv = g.preferredVersion?.groupVersion ?? g.versions?.[0]?.groupVersion;
    if (gv) groupVersions.push(gv);
  }
  const out: DiscoveredResource[] = [];
  const failed: string[] = [];
  await Promise.all(
    groupVersions.map(async (gv) => {
      const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
      try {
        const list = await client.raw<ApiResourceList>('GET', group ? `/apis/${gv}` : `/api/${gv}`);
        for (const r of list.resources ?? []) {
          if (r.name.includes('/')) continue;
          out.push({ group, version, resource: r.name, kind: r.kind, namespaced: r.namespaced, verbs: r.verbs ?? [] });
        }
      } catch {
        failed.push(gv);
      }
    }),
  );
  return { resources: out, failed };
}
