// The garbage collector (upstream's pkg/controller/garbagecollector): watches every
// deletable resource the API server serves, keeps the ownerReferences graph, and
//  - deletes dependents whose owners are all gone (background propagation);
//  - for an owner deleted with the `foregroundDeletion` finalizer, deletes its dependents
//    first and removes the finalizer once no dependent with blockOwnerDeletion is left;
//  - for an owner deleted with the `orphan` finalizer, removes the owner's reference from
//    every dependent, then the finalizer.
// Work items are object uids; `sync(uid)` is upstream's attemptToDeleteItem.

import { setMaxListeners } from 'node:events';
import { isStatusError } from '../api/errors.ts';
import type { ObjectMeta, OwnerReference } from '../api/meta.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { HasMetadata, RestClient } from '../client/rest-client.ts';
import { apiVersionOf } from '../client/resources.ts';
import { WorkQueue } from '../client/workqueue.ts';
import { discoverResources, objectOf, updateWithRetry, type Controller, type DiscoveredResource } from './controller-utils.ts';
import { GraphNode, OwnershipGraph, type ObjectIdentity } from './garbage-collector-graph.ts';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** Upstream's ignoredResources: events are never owners worth collecting for. */
const IGNORED = new Set(['/events', 'events.k8s.io/events']);
/** How often new resources (CRDs) are looked for (upstream: 30 s). */
const REDISCOVERY_MS = 30_000;

type Obj = HasMetadata & { apiVersion?: string; kind?: string; metadata?: ObjectMeta };

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly graph = new OwnershipGraph();
  private readonly attemptToDelete = new WorkQueue<string>();
  private readonly attemptToOrphan = new WorkQueue<string>();
  /** `apiVersion/Kind` → resource, and `group/Kind` for references in another version. */
  private readonly byKind = new Map<string, DiscoveredResource>();
  private readonly monitored = new Map<string, SharedIndexInformer<Obj>>();
  private readonly stopping = new AbortController();
  private rediscovery: NodeJS.Timeout | undefined;

  constructor(
    private readonly informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
  ) {
    // Every monitored informer waits on this one signal.
    setMaxListeners(0, this.stopping.signal);
  }

  async run(workers: number): Promise<void> {
    await this.syncMonitors().catch((err) => console.warn(`garbagecollector: discovery failed: ${(err as Error).message}`));
    const synced = await Promise.all([...this.monitored.values()].map((i) => i.waitForSync(this.stopping.signal)));
    if (!synced.every(Boolean) || this.stopping.signal.aborted) return;
    this.rediscovery = setInterval(() => void this.syncMonitors().catch(() => undefined), REDISCOVERY_MS);
    this.rediscovery.unref();
    const loops: Promise<void>[] = [];
    for (let i = 0; i < Math.max(1, workers); i++) {
      loops.push(this.worker(this.attemptToDelete, (uid) => this.sync(uid)));
      loops.push(this.worker(this.attemptToOrphan, (uid) => this.orphanDependents(uid)));
    }
    await Promise.all(loops);
  }

  stop(): void {
    this.stopping.abort();
    if (this.rediscovery) clearInterval(this.rediscovery);
    this.attemptToDelete.shutDown();
    this.attemptToOrphan.shutDown();
  }

  private async worker(queue: WorkQueue<string>, fn: (uid: string) => Promise<void>): Promise<void> {
    for (;;) {
      const uid = await queue.get();
      if (uid === undefined) return;
      try {
        await fn(uid);
        queue.forget(uid);
      } catch (err) {
        if (!this.stopping.signal.aborted) {
          if (!isStatusError(err, 'Conflict')) console.warn(`garbagecollector: ${uid}: ${(err as Error)?.message ?? err}`);
          queue.addRateLimited(uid);
        }
      } finally {
        queue.done(uid);
      }
    }
  }

  // ---- monitors: one informer per deletable resource ----

  private async syncMonitors(): Promise<void> {
    const { resources } = await discoverResources(this.client);
    for (const r of resources) {
      const gv = apiVersionOf(r);
      this.byKind.set(`${gv}/${r.kind}`, r);
      if (!this.byKind.has(`${r.group}/${r.kind}`)) this.byKind.set(`${r.group}/${r.kind}`, r);
      if (IGNORED.has(`${r.group}/${r.resource}`)) continue;
      if (!['list', 'watch', 'delete'].every((v) => r.verbs.includes(v))) continue;
      const key = `${gv}/${r.resource}`;
      if (this.monitored.has(key)) continue;
      const informer = this.informers.informerFor<Obj>(r);
      informer.addEventHandler({
        onAdd: (obj) => this.observe(r, obj),
        onUpdate: (_old, obj) => this.observe(r, obj),
        onDelete: (obj) => this.forget(objectOf(obj)),
      });
      this.monitored.set(key, informer);
      informer.run();
    }
  }

  private resourceFor(apiVersion: string, kind: string): DiscoveredResource | undefined {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    return this.byKind.get(`${apiVersion}/${kind}`) ?? this.byKind.get(`${group}/${kind}`);
  }

  // ---- graph changes (upstream's processGraphChanges) ----

  private observe(resource: DiscoveredResource, obj: Obj): void {
    const meta = obj.metadata;
    if (!meta?.uid) return;
    const identity: ObjectIdentity = {
      apiVersion: apiVersionOf(resource),
      kind: resource.kind,
      name: meta.name ?? '',
      namespace: meta.namespace ?? '',
      uid: meta.uid,
    };
    const { node, newVirtualOwners, removedOwners } = this.graph.upsert(identity, meta.ownerReferences ?? []);
    node.resource = resource;
    node.beingDeleted = !!meta.deletionTimestamp;
    // An owner referenced but never seen: find out whether it exists at all.
    for (const owner of newVirtualOwners) this.attemptToDelete.add(owner.identity.uid);
    // An owner waiting for its dependents may be unblocked by a reference going away.
    for (const owner of removedOwners) if (owner.deletingDependents) this.attemptToDelete.add(owner.identity.uid);

    const finalizers = meta.finalizers ?? [];
    if (meta.deletionTimestamp && finalizers.includes(ORPHAN_FINALIZER)) this.attemptToOrphan.add(meta.uid);
    if (meta.deletionTimestamp && finalizers.includes(FOREGROUND_FINALIZER)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.attemptToDelete.add(dep.identity.uid);
      this.attemptToDelete.add(meta.uid);
    } else {
      node.deletingDependents = false;
    }
  }

  private forget(obj: Obj): void {
    const uid = obj.metadata?.uid;
    if (!uid) return;
    const node = this.graph.get(uid);
    if (!node || node.virtual) return;
    this.removeNode(uid);
  }

  private removeNode(uid: string): void {
    const { dependents, owners } = this.graph.remove(uid);
    for (const d of dependents) this.attemptToDelete.add(d.identity.uid);
    for (const o of owners) if (o.deletingDependents) this.attemptToDelete.add(o.identity.uid);
  }

  // ---- attemptToDelete ----

  private async getLive(node: GraphNode): Promise<Obj | undefined> {
    const r = node.resource ?? this.resourceFor(node.identity.apiVersion, node.identity.kind);
    if (!r) throw new Error(`unable to get REST mapping for ${node.identity.apiVersion}/${node.identity.kind}`);
    try {
      const obj = await this.client.get<Obj>(r, node.identity.name, { namespace: r.namespaced ? node.identity.namespace : undefined });
      return obj.metadata?.uid === node.identity.uid ? obj : undefined;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return undefined;
      throw err;
    }
  }

  /** Upstream's attemptToDeleteItem: deletes the object if none of its owners still wants it. */
  async sync(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.deletingDependents) return this.processDeletingDependents(node);
    const live = await this.getLive(node);
    if (!live) {
      // Absent (a virtual owner that never existed, or a stale node): its dependents decide for themselves.
      if (node.virtual) this.removeNode(uid);
      return;
    }
    if (node.virtual) return; // It exists: the informer will show it.
    const meta = live.metadata!;
    if (meta.deletionTimestamp && (meta.finalizers ?? []).includes(FOREGROUND_FINALIZER)) {
      node.deletingDependents = true;
      return this.processDeletingDependents(node);
    }
    const refs = meta.ownerReferences ?? [];
    if (refs.length === 0) return;

    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const owner = await this.ownerState(ref, meta.namespace ?? '');
      if (owner === 'absent') dangling.push(ref);
      else if (owner === 'deletingDependents') waiting.push(ref);
      else solid.push(ref);
    }

    if (solid.length > 0) {
      if (dangling.length === 0 && waiting.length === 0) return;
      // Still wanted: only drop the references to owners that are gone or going.
      const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
      await updateWithRetry<Obj>(this.client, node.resource!, meta.namespace, meta.name!, (o) => {
        const before = o.metadata?.ownerReferences ?? [];
        const kept = before.filter((r) => !drop.has(r.uid));
        if (kept.length === before.length || o.metadata?.uid !== uid) return false;
        o.metadata!.ownerReferences = kept;
      });
      return;
    }
    if (waiting.length > 0 && node.dependents.size > 0) {
      // Our owner waits for us, and we have dependents of our own: delete them first too.
      await this.deleteObject(node, 'Foreground');
      return;
    }
    const finalizers = meta.finalizers ?? [];
    const policy = finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    await this.deleteObject(node, policy);
  }

  private async ownerState(ref: OwnerReference, namespace: string): Promise<'absent' | 'deletingDependents' | 'present'> {
    const known = this.graph.get(ref.uid);
    if (known && !known.virtual) return known.deletingDependents ? 'deletingDependents' : 'present';
    const r = this.resourceFor(ref.apiVersion, ref.kind);
    if (!r) throw new Error(`unable to get REST mapping for ${ref.apiVersion}/${ref.kind}`);
    try {
      const owner = await this.client.get<Obj>(r, ref.name, { namespace: r.namespaced ? namespace : undefined });
      if (owner.metadata?.uid !== ref.uid) return 'absent';
      if (owner.metadata?.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)) return 'deletingDependents';
      return 'present';
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return 'absent';
      throw err;
    }
  }

  private async deleteObject(node: GraphNode, policy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    const r = node.resource ?? this.resourceFor(node.identity.apiVersion, node.identity.kind)!;
    try {
      await this.client.delete(r, node.identity.name, {
        namespace: r.namespaced ? node.identity.namespace : undefined,
        propagationPolicy: policy,
        preconditions: { uid: node.identity.uid },
      });
    } catch (err) {
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) return;
      throw err;
    }
  }

  /** A foreground deletion: once no blocking dependent is left, remove the finalizer. */
  private async processDeletingDependents(node: GraphNode): Promise<void> {
    const blocking = node.blockingDependents();
    if (blocking.length === 0) {
      await this.removeFinalizer(node, FOREGROUND_FINALIZER);
      return;
    }
    for (const dep of blocking) if (!dep.deletingDependents) this.attemptToDelete.add(dep.identity.uid);
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const r = node.resource ?? this.resourceFor(node.identity.apiVersion, node.identity.kind);
    if (!r) return;
    await updateWithRetry<Obj>(this.client, r, r.namespaced ? node.identity.namespace : undefined, node.identity.name, (o) => {
      if (o.metadata?.uid !== node.identity.uid || !(o.metadata?.finalizers ?? []).includes(finalizer)) return false;
      o.metadata!.finalizers = o.metadata!.finalizers!.filter((f) => f !== finalizer);
    });
  }

  // ---- attemptToOrphan ----

  /** Removes the owner's reference from every dependent, then the `orphan` finalizer. */
  private async orphanDependents(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node || node.virtual) return;
    for (const dep of [...node.dependents]) {
      const r = dep.resource ?? this.resourceFor(dep.identity.apiVersion, dep.identity.kind);
      if (!r) continue;
      await updateWithRetry<Obj>(this.client, r, r.namespaced ? dep.identity.namespace : undefined, dep.identity.name, (o) => {
        const before = o.metadata?.ownerReferences ?? [];
        const kept = before.filter((ref) => ref.uid !== uid);
        if (kept.length === before.length || o.metadata?.uid !== dep.identity.uid) return false;
        o.metadata!.ownerReferences = kept.length > 0 ? kept : undefined;
      });
    }
    await this.removeFinalizer(node, ORPHAN_FINALIZER);
  }
}
