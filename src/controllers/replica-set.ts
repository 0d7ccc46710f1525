// The ReplicaSet controller (upstream's pkg/controller/replicaset): keeps `spec.replicas`
// pods matching the selector. It adopts matching orphans and releases pods that no longer
// match, creates missing pods in slow-start batches, deletes surplus pods in upstream's
// order (unscheduled, pending, not ready … first), and reports status. The
// ReplicationController controller is this same loop over the older kind.

import type { OwnerReference } from '../api/meta.ts';
import { labelSelectorFromObject, matches, type LabelSelector } from '../api/labels.ts';
import { isStatusError } from '../api/errors.ts';
import type { ReplicaSet } from '../api/types/apps-v1.ts';
import type { ObjectMeta } from '../api/types/meta-v1.ts';
import type { Pod, PodTemplateSpec } from '../api/types/core-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { RestClient } from '../client/rest-client.ts';
import { apiVersionOf, resources, type ResourceInfo } from '../client/resources.ts';
import {
  adopt,
  canonicalJson,
  controllerRefOf,
  getCondition,
  isPodActive,
  isPodAvailable,
  isPodReady,
  newControllerRef,
  objectOf,
  podConditionOf,
  podKey,
  QueueController,
  removeCondition,
  removeOwnerRef,
  RequeueAfter,
  type Condition,
} from './controller-utils.ts';
import { UIDTrackingExpectations } from './expectations.ts';
import { podInformerWithControllerIndex, podsOwnedBy } from './pod-controller-index.ts';

/** Upstream's BurstReplicas: at most this many creations or deletions per sync. */
export const BURST_REPLICAS = 500;
/** Upstream's SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH = 1;
const POD_DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';
const GENERATE_NAME_ATTEMPTS = 8;

/** ReplicaSet and ReplicationController, as this controller sees them. */
export interface ReplicatedObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: { replicas?: number; minReadySeconds?: number; template?: PodTemplateSpec };
  status?: {
    replicas: number;
    fullyLabeledReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    observedGeneration?: number;
    conditions?: Condition[];
  };
}

/** What differs between the two kinds this loop serves. */
export interface ReplicatedKind<T extends ReplicatedObject> {
  resource: ResourceInfo;
  selectorOf(obj: T): LabelSelector;
}

export class ReplicatedPodsController<T extends ReplicatedObject> extends QueueController {
  readonly name: string;
  readonly expectations = new UIDTrackingExpectations();
  protected readonly owners: SharedIndexInformer<T>;
  protected readonly pods: SharedIndexInformer<Pod>;
  private readonly ownerLister: Lister<T>;

  constructor(
    readonly kind: ReplicatedKind<T>,
    informers: SharedInformerFactory,
    protected readonly client: RestClient,
    protected readonly recorder: EventRecorder,
    name: string,
  ) {
    super();
    this.name = name;
    this.owners = informers.informerFor<T>(kind.resource);
    this.pods = podInformerWithControllerIndex(informers);
    this.ownerLister = this.owners.lister();
    this.waitFor(this.owners, this.pods);

    this.owners.addEventHandler({
      onAdd: (rs) => this.enqueue(rs),
      onUpdate: (_old, rs) => this.enqueue(rs),
      onDelete: (obj) => {
        const rs = objectOf(obj);
        this.expectations.deleteExpectations(this.keyOf(rs));
        this.enqueue(rs);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.addPod(pod),
      onUpdate: (old, pod) => this.updatePod(old, pod),
      onDelete: (obj) => this.deletePod(objectOf(obj)),
    });
  }

  private keyOf(obj: { metadata?: ObjectMeta }): string {
    return `${obj.metadata?.namespace}/${obj.metadata?.name}`;
  }

  /** The owner a controllerRef points at, if it is of our kind and still the same object. */
  private resolveControllerRef(namespace: string, ref: OwnerReference | undefined): T | undefined {
    if (!ref || ref.kind !== this.kind.resource.kind) return undefined;
    const owner = this.ownerLister.namespace(namespace).get(ref.name);
    return owner && owner.metadata?.uid === ref.uid ? owner : undefined;
  }

  /** Owners whose selector matches an orphan pod's labels. */
  private ownersSelecting(pod: Pod): T[] {
    const ns = pod.metadata?.namespace ?? '';
    return this.ownerLister.namespace(ns).list().filter((rs) => matches(this.kind.selectorOf(rs), pod.metadata?.labels));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata?.deletionTimestamp) return this.deletePod(pod);
    const ref = controllerRefOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', ref);
      if (!rs) return;
      this.expectations.creationObserved(this.keyOf(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.ownersSelecting(pod)) this.enqueue(rs);
  }

  private updatePod(old: Pod, cur: Pod): void {
    if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
    const labelsChanged = !sameLabels(old.metadata?.labels, cur.metadata?.labels);
    if (cur.metadata?.deletionTimestamp) {
      this.deletePod(cur);
      if (labelsChanged) this.deletePod(old);
      return;
    }
    const ns = cur.metadata?.namespace ?? '';
    const oldRef = controllerRefOf(old);
    const curRef = controllerRefOf(cur);
    const refChanged = oldRef?.uid !== curRef?.uid;
    if (refChanged && oldRef) {
      const rs = this.resolveControllerRef(ns, oldRef);
      if (rs) this.enqueue(rs);
    }
    if (curRef) {
      const rs = this.resolveControllerRef(ns, curRef);
      if (!rs) return;
      this.enqueue(rs);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      if (!isPodReady(old) && isPodReady(cur) && minReady > 0) this.enqueueAfter(rs, minReady * 1000 + 1000);
      return;
    }
    if (labelsChanged || refChanged) for (const rs of this.ownersSelecting(cur)) this.enqueue(rs);
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolveControllerRef(pod.metadata?.namespace ?? '', controllerRefOf(pod));
    if (!rs) return;
    this.expectations.podDeletionObserved(this.keyOf(rs), podKey(pod));
    this.enqueue(rs);
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const rs = this.ownerLister.namespace(namespace).get(name);
    if (!rs) {
      this.expectations.deleteExpectations(key);
      return;
    }
    const needsSync = this.expectations.satisfiedExpectations(key);
    const selector = this.kind.selectorOf(rs);
    const active = podsOwnedBy(this.pods.indexer, rs, true).filter(isPodActive);
    const owned = await this.claimPods(rs, selector, active);

    let manageError: ManageError | undefined;
    if (needsSync && !rs.metadata?.deletionTimestamp) {
      manageError = await this.manageReplicas(owned, rs, key);
    }
    const status = calculateStatus(rs, owned, manageError);
    const updated = await this.updateStatus(rs, status);
    if (manageError) throw manageError.cause;
    const minReady = rs.spec?.minReadySeconds ?? 0;
    const st = updated?.status ?? status;
    if (minReady > 0 && st.readyReplicas === (rs.spec?.replicas ?? 1) && st.availableReplicas !== st.readyReplicas) {
      return new RequeueAfter(minReady * 1000);
    }
  }

  /** Upstream's PodControllerRefManager.ClaimPods: adopt matching orphans, release non-matching pods. */
  private async claimPods(rs: T, selector: LabelSelector, pods: Pod[]): Promise<Pod[]> {
    const uid = rs.metadata?.uid;
    const claimed: Pod[] = [];
    let canAdopt: boolean | undefined;
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      const selected = matches(selector, pod.metadata?.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (selected) {
          claimed.push(pod);
        } else if (!rs.metadata?.deletionTimestamp) {
          await removeOwnerRef(this.client, resources.pods, pod, uid!);
        }
        continue;
      }
      if (!selected || rs.metadata?.deletionTimestamp || pod.metadata?.deletionTimestamp) continue;
      // Upstream re-reads the owner before adopting, so a stale cache never adopts for an owner being deleted.
      canAdopt ??= await this.ownerStillWantsPods(rs);
      if (!canAdopt) continue;
      try {
        await adopt(this.client, resources.pods, pod, newControllerRef(rs, apiVersionOf(this.kind.resource), this.kind.resource.kind));
        claimed.push(pod);
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    return claimed;
  }

  private async ownerStillWantsPods(rs: T): Promise<boolean> {
    try {
      const fresh = await this.client.get<T>(this.kind.resource, rs.metadata!.name!, { namespace: rs.metadata?.namespace });
      return fresh.metadata?.uid === rs.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return false;
      throw err;
    }
  }

  private async manageReplicas(pods: Pod[], rs: T, key: string): Promise<ManageError | undefined> {
    const want = rs.spec?.replicas ?? 1;
    const diff = pods.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, count);
      const { succeeded, error } = await slowStartBatch(count, SLOW_START_INITIAL_BATCH, () => this.createPod(rs));
      const skipped = count - succeeded;
      // Creations that never happened will never be observed.
      if (skipped > 0) this.expectations.lowerExpectations(key, skipped, 0);
      if (error) return { reason: 'FailedCreate', cause: error };
    } else if (diff > 0) {
      const victims = podsToDelete(pods, Math.min(diff, BURST_REPLICAS), this.relatedPods(rs, pods));
      this.expectations.expectPodDeletions(key, victims.map(podKey));
      let firstError: unknown;
      await Promise.all(
        victims.map(async (pod) => {
          try {
            await this.client.delete(resources.pods, pod.metadata!.name!, { namespace: pod.metadata?.namespace });
            this.recorder.event(this.subject(rs), 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
          } catch (err) {
            // A pod that is already gone counts as observed; anything else will not be observed either.
            this.expectations.podDeletionObserved(key, podKey(pod));
            if (isStatusError(err, 'NotFound')) return;
            this.recorder.event(this.subject(rs), 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
            firstError ??= err;
          }
        }),
      );
      if (firstError) return { reason: 'FailedDelete', cause: firstError };
    }
    return undefined;
  }

  /**
   * Pods of every owner that shares this one's controller (a Deployment's ReplicaSets), so a
   * scale-down during a rollout also evens out nodes doubled up across old and new pods.
   */
  private relatedPods(rs: T, own: Pod[]): Pod[] {
    const owner = controllerRefOf(rs);
    if (!owner) return own;
    const siblings = this.ownerLister
      .namespace(rs.metadata?.namespace ?? '')
      .list()
      .filter((o) => controllerRefOf(o)?.uid === owner.uid);
    return siblings.flatMap((o) => podsOwnedBy(this.pods.indexer, o, false));
  }

  private subject(rs: T) {
    return { apiVersion: apiVersionOf(this.kind.resource), kind: this.kind.resource.kind, metadata: rs.metadata };
  }

  private async createPod(rs: T): Promise<void> {
    const template = rs.spec?.template ?? {};
    const meta = template.metadata ?? {};
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata?.name}-`,
        namespace: rs.metadata?.namespace,
        labels: { ...(meta.labels ?? {}) },
        ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
        ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
        ownerReferences: [newControllerRef(rs, apiVersionOf(this.kind.resource), this.kind.resource.kind)],
      },
      spec: structuredClone(template.spec ?? { containers: [] }),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const created = await this.client.create<Pod>(resources.pods, pod, { namespace: rs.metadata?.namespace });
        this.recorder.event(this.subject(rs), 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
        return;
      } catch (err) {
        // A generated name that collided (thousands of pods share a prefix): a fresh one will do,
        // as upstream's API server itself retries (RetryGenerateName).
        if (isStatusError(err, 'AlreadyExists') && attempt < GENERATE_NAME_ATTEMPTS) continue;
        this.recorder.event(this.subject(rs), 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  /** Writes status through the status subresource when it changed; one retry on conflict, as upstream. */
  private async updateStatus(rs: T, status: NonNullable<ReplicatedObject['status']>): Promise<T | undefined> {
    let current = rs;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (canonicalJson(current.status ?? {}) === canonicalJson(status)) return current;
      try {
        return await this.client.update<T>(this.kind.resource, { ...current, status }, { subresource: 'status' });
      } catch (err) {
        if (isStatusError(err, 'NotFound')) return undefined;
        if (!isStatusError(err, 'Conflict') || attempt === 1) throw err;
        current = await this.client.get<T>(this.kind.resource, rs.metadata!.name!, { namespace: rs.metadata?.namespace });
        status = { ...status, observedGeneration: Math.min(status.observedGeneration ?? 0, current.metadata?.generation ?? 0) };
      }
    }
    return undefined;
  }
}

interface ManageError {
  reason: 'FailedCreate' | 'FailedDelete';
  cause: unknown;
}

/**
 * Runs `count` calls in batches of 1, 2, 4 … (upstream's slowStartBatch); stops after the
 * first batch with a failure, so a failing webhook or quota costs one call, not hundreds.
 */
export async function slowStartBatch(count: number, initialBatch: number, fn: () => Promise<void>): Promise<{ succeeded: number; error?: unknown }> {
  let remaining = count;
  let succeeded = 0;
  for (let batch = Math.min(remaining, initialBatch); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    succeeded += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded, error: failed.reason };
    remaining -= batch;
  }
  return { succeeded };
}

/** Label maps with the same members. */
function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  if (a === b) return true;
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a![k] === b?.[k]);
}

export function calculateStatus(rs: ReplicatedObject, pods: Pod[], manageError?: ManageError): NonNullable<ReplicatedObject['status']> {
  const templateLabels = Object.entries(rs.spec?.template?.metadata?.labels ?? {});
  const minReady = rs.spec?.minReadySeconds ?? 0;
  const now = Date.now();
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  // One pass per pod, no allocation: this runs over every pod of the ReplicaSet on each sync.
  for (const pod of pods) {
    const labels = pod.metadata?.labels;
    let labeled = true;
    for (let i = 0; i < templateLabels.length && labeled; i++) labeled = labels?.[templateLabels[i]![0]] === templateLabels[i]![1];
    if (labeled) fullyLabeled++;
    const readyCondition = podConditionOf(pod, 'Ready');
    if (readyCondition?.status === 'True') {
      ready++;
      if (minReady <= 0 || isPodAvailable(pod, minReady, now)) available++;
    }
  }
  let conditions = rs.status?.conditions ?? [];
  const failure = getCondition(conditions, 'ReplicaFailure');
  if (manageError && !failure) {
    conditions = [
      ...conditions,
      { type: 'ReplicaFailure', status: 'True', reason: manageError.reason, message: (manageError.cause as Error)?.message ?? String(manageError.cause), lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    ];
  } else if (!manageError && failure) {
    conditions = removeCondition(conditions, 'ReplicaFailure');
  }
  const status: NonNullable<ReplicatedObject['status']> = {
    replicas: pods.length,
    fullyLabeledReplicas: fullyLabeled,
    readyReplicas: ready,
    availableReplicas: available,
    observedGeneration: rs.metadata?.generation,
  };
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * The `count` pods to delete first, by upstream's ActivePodsWithRanks order: unscheduled
 * before scheduled, Pending < Unknown < Running, not ready before ready, lower
 * pod-deletion-cost first, more related pods (`related`: those of every ReplicaSet of the same
 * owner) on the same node first, ready for less time first, more restarts first, newer first.
 */
export function podsToDelete(pods: Pod[], count: number, related: Pod[] = pods): Pod[] {
  if (count >= pods.length) return [...pods];
  const perNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  // Each pod's sort keys are worked out once, not in every one of the n·log n comparisons.
  const ranked = pods.map((p) => deletionRank(p, perNode));
  ranked.sort(compareForDeletion);
  return ranked.slice(0, count).map((r) => r.pod);
}

interface DeletionRank {
  pod: Pod;
  scheduled: boolean;
  phase: number;
  ready: boolean;
  cost: number;
  /** Related pods on the same node. */
  colocated: number;
  readySince: number;
  restarts: number;
  created: number;
}

function deletionRank(pod: Pod, perNode: Map<string, number>): DeletionRank {
  const node = pod.spec?.nodeName;
  const ready = isPodReady(pod);
  return {
    pod,
    scheduled: !!node,
    phase: PHASE_ORDER[pod.status?.phase ?? 'Pending'] ?? 0,
    ready,
    cost: deletionCost(pod),
    colocated: node ? (perNode.get(node) ?? 0) : 0,
    readySince: ready ? readySince(pod) : 0,
    restarts: maxRestarts(pod),
    created: creationTime(pod),
  };
}

function compareForDeletion(a: DeletionRank, b: DeletionRank): number {
  if (a.scheduled !== b.scheduled) return a.scheduled ? 1 : -1;
  if (a.phase !== b.phase) return a.phase - b.phase;
  if (a.ready !== b.ready) return a.ready ? 1 : -1;
  if (a.cost !== b.cost) return a.cost - b.cost;
  if (a.colocated !== b.colocated) return b.colocated - a.colocated;
  if (a.ready && b.ready && a.readySince !== b.readySince) return b.readySince - a.readySince;
  if (a.restarts !== b.restarts) return b.restarts - a.restarts;
  return b.created - a.created;
}

function deletionCost(p: Pod): number {
  const v = Number(p.metadata?.annotations?.[POD_DELETION_COST_ANNOTATION] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

function readySince(p: Pod): number {
  const t = podConditionOf(p, 'Ready')?.lastTransitionTime;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

function maxRestarts(p: Pod): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

function creationTime(p: Pod): number {
  const t = p.metadata?.creationTimestamp;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

export const replicaSetKind: ReplicatedKind<ReplicaSet> = {
  resource: resources.replicasets,
  selectorOf: (rs) => labelSelectorFromObject(rs.spec?.selector),
};

export class ReplicaSetController extends ReplicatedPodsController<ReplicaSet> {
  constructor(informers: SharedInformerFactory, client: RestClient, recorder: EventRecorder) {
    super(replicaSetKind as ReplicatedKind<ReplicaSet>, informers, client, recorder, 'replicaset');
  }
}
