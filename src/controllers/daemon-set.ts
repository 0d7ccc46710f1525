// The DaemonSet controller (upstream's "daemonset-controller"): one pod on every node that
// should run it. A node should run the pod when the pod's nodeSelector and required node
// affinity match it and the pod (with DaemonSet's default tolerations) tolerates its NoSchedule
// and NoExecute taints; a pod already there keeps running unless a NoExecute taint is not
// tolerated. Pods are not bound here: each is pinned to its node by a required node affinity
// term `matchFields metadata.name In [node]`, and the scheduler binds it.
//
// Each sync: (1) finds or creates the ControllerRevision of the current template; (2) per
// node, creates the missing pod, deletes failed and duplicate pods and pods on nodes that
// should not run them; (3) for RollingUpdate, replaces old-revision pods without exceeding
// maxUnavailable (or, with maxSurge, starts the new pod first); (4) prunes old revisions;
// (5) writes status.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromObject, matches } from '../api/labels.ts';
import type { ControllerRevision, DaemonSet, DaemonSetStatus } from '../api/types/apps-v1.ts';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, Taint, Toleration } from '../api/types/core-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { CONTROLLER_REVISION_HASH_LABEL, ensureRevision, revisionHash, revisionsOf, truncateHistory } from './controller-revision.ts';
import {
  canonicalJson,
  controllerRefOf,
  isPodAvailable,
  isPodReady,
  objectOf,
  podKey,
  QueueController,
  RequeueAfter,
  scaledValue,
  type ControllerConfig,
} from './controller-utils.ts';
import { UIDTrackingExpectations } from './expectations.ts';
import { claimPods, podFromTemplate } from './pod-template.ts';
import { podInformerWithControllerIndex, podsOwnedBy } from './pod-controller-index.ts';

const DS_KIND = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
const BURST_REPLICAS = 250;

/** The tolerations every DaemonSet pod gets (upstream's AddOrUpdateDaemonPodTolerations). */
export function daemonPodTolerations(spec: PodSpec): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of add) {
    if (!out.some((o) => o.key === t.key && o.effect === t.effect && o.operator === t.operator && (o.value ?? '') === '')) out.push(t);
  }
  return out;
}

export class DaemonSetController extends QueueController {
  readonly name = 'daemonset-controller';
  private readonly daemonSets: SharedIndexInformer<DaemonSet>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly nodes: SharedIndexInformer<Node>;
  private readonly revisions: SharedIndexInformer<ControllerRevision>;
  private readonly expectations = new UIDTrackingExpectations();

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    _config: ControllerConfig = {},
  ) {
    super();
    this.daemonSets = informers.informerFor<DaemonSet>(resources.daemonsets);
    this.pods = podInformerWithControllerIndex(informers);
    this.nodes = informers.informerFor<Node>(resources.nodes);
    this.revisions = informers.informerFor<ControllerRevision>(resources.controllerrevisions);
    this.waitFor(this.daemonSets, this.pods, this.nodes, this.revisions);
    this.daemonSets.addEventHandler({
      onAdd: (ds) => this.enqueue(ds),
      onUpdate: (_old, ds) => this.enqueue(ds),
      onDelete: (ds) => {
        this.expectations.deleteExpectations(keyOf(objectOf(ds)));
        this.enqueue(ds);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podChanged(pod, 'add'),
      onUpdate: (old, pod) => {
        this.podChanged(pod, pod.metadata?.deletionTimestamp ? 'delete' : 'update');
        // A pod whose labels changed may now match another DaemonSet as an orphan.
        if (canonicalJson(old.metadata?.labels) !== canonicalJson(pod.metadata?.labels) && !controllerRefOf(pod)) this.enqueueMatching(pod);
      },
      onDelete: (pod) => this.podChanged(objectOf(pod), 'delete'),
    });
    const allDaemonSets = () => {
      for (const ds of this.daemonSets.lister().list()) this.enqueue(ds);
    };
    this.nodes.addEventHandler({
      onAdd: allDaemonSets,
      onUpdate: (old, node) => {
        if (nodeSchedulingChanged(old, node)) allDaemonSets();
      },
      onDelete: allDaemonSets,
    });
    this.revisions.addEventHandler({
      onDelete: (obj: ControllerRevision | DeletedFinalStateUnknown<ControllerRevision>) => {
        const ref = controllerRefOf(objectOf(obj));
        if (ref?.kind === 'DaemonSet') this.queue.add(`${objectOf(obj).metadata?.namespace}/${ref.name}`);
      },
    });
  }

  private podChanged(pod: Pod, what: 'add' | 'update' | 'delete'): void {
    const ref = controllerRefOf(pod);
    if (!ref) {
      if (what !== 'delete') this.enqueueMatching(pod);
      return;
    }
    if (ref.kind !== 'DaemonSet') return;
    const key = `${pod.metadata?.namespace}/${ref.name}`;
    if (what === 'add' && !pod.metadata?.deletionTimestamp) this.expectations.creationObserved(key);
    if (what === 'delete') this.expectations.podDeletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  private enqueueMatching(pod: Pod): void {
    for (const ds of this.daemonSets.lister().namespace(pod.metadata?.namespace ?? '').list()) {
      if (matches(labelSelectorFromObject(ds.spec?.selector), pod.metadata?.labels)) this.enqueue(ds);
    }
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const ds = this.daemonSets.lister().namespace(namespace).get(name);
    if (!ds) {
      this.expectations.deleteExpectations(key);
      return;
    }
    if (ds.metadata?.deletionTimestamp) return;
    const selector = labelSelectorFromObject(ds.spec?.selector);
    if (!ds.spec?.selector || (!ds.spec.selector.matchLabels && !ds.spec.selector.matchExpressions)) {
      this.recorder.event(ds, 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
      return;
    }

    // 1. The current revision.
    const history = revisionsOf(this.revisions.lister(), ds);
    const { revision: current, collisionCount } = await ensureRevision(this.client, ds, DS_KIND, ds.spec.template, history, ds.status?.collisionCount ?? 0);
    const hash = revisionHash(current);

    const pods = await claimPods(this.client, ds, DS_KIND, selector, podsOwnedBy(this.pods.indexer, ds, true));
    const nodes = this.nodes.lister().list();
    const byNode = groupByNode(pods);

    let requeue: RequeueAfter | undefined;
    if (this.expectations.satisfiedExpectations(key)) {
      // 2. One pod per node that should run it.
      const toCreate: string[] = [];
      const toDelete: Pod[] = [];
      let failedSeen = false;
      for (const node of nodes) {
        const nodeName = node.metadata!.name!;
        const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
        const all = byNode.get(nodeName) ?? [];
        const here = all.filter((p) => !p.metadata?.deletionTimestamp);
        // A pod still terminating on the node holds its place until it is gone, as upstream.
        if (shouldRun && all.length === 0) {
          toCreate.push(nodeName);
        } else if (shouldContinueRunning) {
          const running: Pod[] = [];
          for (const pod of here) {
            if (pod.status?.phase === 'Failed') {
              failedSeen = true;
              this.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${namespace}/${pod.metadata?.name} on node ${nodeName}, will try to kill it`);
              toDelete.push(pod);
            } else if (pod.status?.phase !== 'Succeeded') running.push(pod);
          }
          // Keep the oldest of several (a surge keeps one old and one new pod).
          const extra = this.surplusPods(ds, running, hash);
          toDelete.push(...extra);
        } else {
          toDelete.push(...here);
        }
      }
      // Unbound pods aimed at nodes that no longer exist.
      const known = new Set(nodes.map((n) => n.metadata?.name));
      for (const [nodeName, list] of byNode) {
        if (!known.has(nodeName)) toDelete.push(...list.filter((p) => !p.spec?.nodeName && !p.metadata?.deletionTimestamp));
      }
      await this.syncNodes(ds, key, toCreate.slice(0, BURST_REPLICAS), toDelete.slice(0, BURST_REPLICAS), hash);
      if (failedSeen) requeue = new RequeueAfter(1000);

      // 3. Rolling update.
      if ((ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && toCreate.length === 0 && toDelete.length === 0) {
        await this.rollingUpdate(ds, key, nodes, byNode, hash);
      }
    }

    // 4. History.
    const liveHashes = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '').filter(Boolean));
    liveHashes.add(hash);
    await truncateHistory(this.client, revisionsOf(this.revisions.lister(), ds), liveHashes, ds.spec.revisionHistoryLimit ?? 10);

    // 5. Status, from the cache as it stands.
    await this.updateStatus(ds, nodes, groupByNode(this.podsOf(ds, selector)), hash, collisionCount);
    return requeue;
  }

  /** More than one live pod on a node: keep one (the new-revision one if it is available, else the oldest). */
  private surplusPods(ds: DaemonSet, running: Pod[], hash: string): Pod[] {
    if (running.length <= 1) return [];
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const newAvailable = running.find((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash && isPodAvailable(p, minReady));
    if (newAvailable) return running.filter((p) => p !== newAvailable);
    const surge = maxSurgeOf(ds) > 0;
    const sorted = [...running].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
    // During a surge, an old pod and a not-yet-available new pod coexist.
    if (surge && running.length === 2 && running.some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash)) return [];
    return sorted.slice(1);
  }

  private podsOf(ds: DaemonSet, selector = labelSelectorFromObject(ds.spec?.selector)): Pod[] {
    return this.pods
      .lister()
      .namespace(ds.metadata?.namespace ?? '')
      .list((labels) => matches(selector, labels))
      .filter((p) => controllerRefOf(p)?.uid === ds.metadata?.uid);
  }

  private async syncNodes(ds: DaemonSet, key: string, createOn: string[], deletePods: Pod[], hash: string): Promise<void> {
    this.expectations.expectPodDeletions(key, deletePods.map(podKey));
    this.expectations.setExpectations(key, createOn.length, deletePods.length);
    let firstError: unknown;

    // Slow start: 1, 2, 4… creations per batch, stopping at the first failure.
    let done = 0;
    for (let batch = 1; done < createOn.length; batch *= 2) {
      const slice = createOn.slice(done, done + batch);
      const results = await Promise.allSettled(slice.map((nodeName) => this.createPod(ds, nodeName, hash)));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      done += slice.length;
      if (failures.length > 0) {
        this.expectations.lowerExpectations(key, failures.length + (createOn.length - done), 0);
        firstError = failures[0].reason;
        this.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(firstError as Error).message}`);
        break;
      }
    }

    await Promise.all(
      deletePods.map(async (pod) => {
        try {
          await this.client.delete(resources.pods, pod.metadata!.name!, { namespace: pod.metadata?.namespace });
          this.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name}`);
        } catch (err) {
          this.expectations.podDeletionObserved(key, podKey(pod));
          if (isStatusError(err, 'NotFound')) return;
          this.recorder.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          firstError ??= err;
        }
      }),
    );
    if (firstError) throw firstError;
  }

  private async createPod(ds: DaemonSet, nodeName: string, hash: string): Promise<void> {
    const pod = podFromTemplate(ds.spec!.template, ds, DS_KIND);
    const spec = pod.spec!;
    spec.tolerations = daemonPodTolerations(spec);
    spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: pinnedNodeAffinity(spec, nodeName) };
    pod.metadata!.labels = { ...pod.metadata!.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash };
    const created = await this.client.create<Pod>(resources.pods, pod);
    this.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  /**
   * Upstream's rollingUpdate. Without surge: deletes old-revision pods (unavailable ones
   * freely) while fewer than maxUnavailable nodes lack an available pod; the next sync creates
   * the new ones. With surge: creates the new pod beside an available old one on up to
   * maxSurge nodes; the old one goes once the new is available (surplusPods).
   */
  private async rollingUpdate(ds: DaemonSet, key: string, nodes: Node[], byNode: Map<string, Pod[]>, hash: string): Promise<void> {
    const minReady = ds.spec?.minReadySeconds ?? 0;
    const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun);
    const maxSurge = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxSurge, desired.length, true);
    const maxUnavailable = maxSurge > 0 ? 0 : Math.max(1, scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired.length, true));
    const isNew = (p: Pod) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash;

    let unavailable = 0;
    const oldAvailable: Pod[] = [];
    const oldUnavailable: Pod[] = [];
    let surging = 0;
    for (const node of desired) {
      const live = (byNode.get(node.metadata!.name!) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      const fresh = live.find(isNew);
      const old = live.find((p) => !isNew(p));
      if (!live.some((p) => isPodAvailable(p, minReady))) unavailable++;
      if (fresh && old) surging++;
      if (old && !fresh) (isPodAvailable(old, minReady) ? oldAvailable : oldUnavailable).push(old);
    }

    const toDelete: Pod[] = [...oldUnavailable];
    const surgeOn: string[] = [];
    if (maxSurge > 0) {
      for (const pod of oldAvailable) {
        if (surging >= maxSurge) break;
        surgeOn.push(targetNodeOf(pod)!);
        surging++;
      }
    } else {
      for (const pod of oldAvailable) {
        if (unavailable >= maxUnavailable) break;
        toDelete.push(pod);
        unavailable++;
      }
    }
    if (toDelete.length > 0 || surgeOn.length > 0) await this.syncNodes(ds, key, surgeOn, toDelete, hash);
  }

  private async updateStatus(ds: DaemonSet, nodes: Node[], byNode: Map<string, Pod[]>, hash: string, collisionCount: number): Promise<void> {
    const minReady = ds.spec?.minReadySeconds ?? 0;
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    for (const node of nodes) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const live = (byNode.get(node.metadata!.name!) ?? []).filter((p) => !p.metadata?.deletionTimestamp);
      if (shouldRun) {
        desired++;
        if (live.length === 0) continue;
        current++;
        const newest = [...live].sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''))[0];
        if (isPodReady(newest)) {
          ready++;
          if (isPodAvailable(newest, minReady)) available++;
        }
        if (live.some((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash)) updated++;
      } else if (live.length > 0) misscheduled++;
    }
    const status: DaemonSetStatus = {
      ...(ds.status ?? {}),
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
      observedGeneration: ds.metadata?.generation,
      updatedNumberScheduled: updated,
      numberAvailable: available,
      numberUnavailable: desired - available,
      collisionCount: collisionCount || undefined,
    };
    if (canonicalJson(status) === canonicalJson(ds.status ?? {})) return;
    try {
      await this.client.update<DaemonSet>(resources.daemonsets, { ...ds, status }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}

function keyOf(ds: DaemonSet): string {
  return `${ds.metadata?.namespace}/${ds.metadata?.name}`;
}

function maxSurgeOf(ds: DaemonSet): number {
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 0;
  const v = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge;
  return v === undefined ? 0 : scaledValue(v, 100, true);
}

/** The node a daemon pod is for: its nodeName, or the pinned `metadata.name` in its affinity. */
export function targetNodeOf(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

function groupByNode(pods: Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = targetNodeOf(pod);
    if (!node) continue;
    out.set(node, [...(out.get(node) ?? []), pod]);
  }
  return out;
}

/** Upstream's ReplaceDaemonSetPodNodeNameNodeAffinity: every required term also demands this node. */
function pinnedNodeAffinity(spec: PodSpec, nodeName: string): NonNullable<NonNullable<PodSpec['affinity']>['nodeAffinity']> {
  const affinity = structuredClone(spec.affinity?.nodeAffinity ?? {});
  const pin: NodeSelectorRequirement = { key: 'metadata.name', operator: 'In', values: [nodeName] };
  const required = affinity.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required?.nodeSelectorTerms ?? [];
  if (terms.length === 0) {
    affinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [{ matchFields: [pin] }] };
  } else {
    affinity.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: terms.map((t) => ({ ...t, matchFields: [...(t.matchFields ?? []).filter((f) => f.key !== 'metadata.name'), pin] })),
    };
  }
  return affinity;
}

/** Upstream's NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = ds.spec?.template.spec;
  if (!spec) return { shouldRun: false, shouldContinueRunning: false };
  if (spec.nodeName && spec.nodeName !== node.metadata?.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!nodeMatchesPod(node, spec)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(spec);
  const untolerated = (effect: string) => (node.spec?.taints ?? []).some((t) => t.effect === effect && !tolerations.some((tol) => tolerates(tol, t)));
  if (untolerated('NoExecute')) return { shouldRun: false, shouldContinueRunning: false };
  if (untolerated('NoSchedule')) return { shouldRun: false, shouldContinueRunning: true };
  return { shouldRun: true, shouldContinueRunning: true };
}

function nodeMatchesPod(node: Node, spec: PodSpec): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && terms.length > 0 && !terms.some((t) => termMatches(t, node))) return false;
  return true;
}

function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const fieldValues: Record<string, string> = { 'metadata.name': node.metadata?.name ?? '' };
  return exprs.every((r) => requirementMatches(r, labels)) && fields.every((r) => requirementMatches(r, fieldValues));
}

function requirementMatches(r: NodeSelectorRequirement, values: Record<string, string>): boolean {
  const has = Object.hasOwn(values, r.key);
  const v = values[r.key];
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(v);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || (r.values ?? []).length !== 1) return false;
      const a = Number(v);
      const b = Number(r.values![0]);
      if (!Number.isInteger(a) || !Number.isInteger(b)) return false;
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** Upstream's Toleration.ToleratesTaint. */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  if (tol.operator === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

function nodeSchedulingChanged(old: Node, node: Node): boolean {
  return (
    canonicalJson(old.metadata?.labels) !== canonicalJson(node.metadata?.labels) ||
    canonicalJson(old.spec?.taints) !== canonicalJson(node.spec?.taints) ||
    old.spec?.unschedulable !== node.spec?.unschedulable
  );
}
