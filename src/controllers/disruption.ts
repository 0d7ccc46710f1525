// The disruption controller (upstream's "disruption-controller"): keeps each
// PodDisruptionBudget's status so the API server's pods/eviction can decide.
//  - expectedPods: with an integer minAvailable, the number of selected pods; otherwise the
//    sum of the scales of the pods' controllers (ReplicaSet — or its Deployment —,
//    StatefulSet, ReplicationController); pods without a controller are "unmanaged";
//  - desiredHealthy: minAvailable (scaled when a percentage, rounding up), or expectedPods −
//    maxUnavailable;
//  - currentHealthy: selected pods that are Ready, not being deleted, and not in
//    status.disruptedPods (pods the eviction API has just let go; forgotten after 2 minutes
//    or when the pod goes);
//  - disruptionsAllowed = max(0, currentHealthy − desiredHealthy), 0 when nothing is expected;
//  - the DisruptionAllowed condition (SufficientPods / InsufficientPods) and observedGeneration.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromObject, matches } from '../api/labels.ts';
import { nowRfc3339 } from '../api/meta.ts';
import type { Deployment, ReplicaSet, StatefulSet } from '../api/types/apps-v1.ts';
import type { Pod, ReplicationController } from '../api/types/core-v1.ts';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from '../api/types/policy-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, controllerRefOf, isPodReady, objectOf, QueueController, RequeueAfter, scaledValue, type ControllerConfig } from './controller-utils.ts';

/** How long a pod the eviction API let go counts as disrupted (upstream's DeletionTimeout). */
const DELETION_TIMEOUT_MS = 2 * 60_000;

export class DisruptionController extends QueueController {
  readonly name = 'disruption-controller';
  private readonly pdbs: SharedIndexInformer<PodDisruptionBudget>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly replicaSets: SharedIndexInformer<ReplicaSet>;
  private readonly deployments: SharedIndexInformer<Deployment>;
  private readonly statefulSets: SharedIndexInformer<StatefulSet>;
  private readonly rcs: SharedIndexInformer<ReplicationController>;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    _config: ControllerConfig = {},
  ) {
    super();
    this.pdbs = informers.informerFor<PodDisruptionBudget>(resources.poddisruptionbudgets);
    this.pods = informers.informerFor<Pod>(resources.pods);
    this.replicaSets = informers.informerFor<ReplicaSet>(resources.replicasets);
    this.deployments = informers.informerFor<Deployment>(resources.deployments);
    this.statefulSets = informers.informerFor<StatefulSet>(resources.statefulsets);
    this.rcs = informers.informerFor<ReplicationController>(resources.replicationcontrollers);
    this.waitFor(this.pdbs, this.pods, this.replicaSets, this.deployments, this.statefulSets, this.rcs);
    this.pdbs.addEventHandler({ onAdd: (p) => this.enqueue(p), onUpdate: (_o, p) => this.enqueue(p) });
    const podChanged = (pod: Pod) => {
      for (const pdb of this.pdbs.lister().namespace(pod.metadata?.namespace ?? '').list()) {
        if (pdb.spec?.selector && matches(labelSelectorFromObject(pdb.spec.selector), pod.metadata?.labels)) this.enqueue(pdb);
      }
    };
    this.pods.addEventHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p), onDelete: (p) => podChanged(objectOf(p)) });
    // A change of scale changes expectedPods.
    const scaleChanged = (obj: { metadata?: { namespace?: string } }) => {
      for (const pdb of this.pdbs.lister().namespace(obj.metadata?.namespace ?? '').list()) this.enqueue(pdb);
    };
    for (const inf of [this.replicaSets, this.deployments, this.statefulSets, this.rcs] as SharedIndexInformer<ReplicaSet>[]) {
      inf.addEventHandler({ onUpdate: (o, n) => (o.spec?.replicas !== n.spec?.replicas ? scaleChanged(n) : undefined) });
    }
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const pdb = this.pdbs.lister().namespace(namespace).get(name);
    if (!pdb) return;
    const now = Date.now();
    const selector = pdb.spec?.selector;
    const pods =
      selector && (selector.matchLabels || selector.matchExpressions)
        ? this.pods.lister().namespace(namespace).list((labels) => matches(labelSelectorFromObject(selector), labels))
        : [];
    if (pods.length === 0) this.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');

    let expected: { expectedCount: number; desiredHealthy: number };
    try {
      expected = this.expectedPodCount(pdb, pods);
    } catch (err) {
      this.recorder.event(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(err as Error).message}`);
      await this.writeStatus(pdb, { ...this.baseStatus(pdb), disruptionsAllowed: 0 }, 'SyncFailed', (err as Error).message);
      throw err;
    }

    // Pods the eviction API let go recently stay out of currentHealthy until they are gone.
    const disrupted: Record<string, string> = {};
    let recheckAt: number | undefined;
    const byName = new Map(pods.map((p) => [p.metadata?.name ?? '', p]));
    for (const [podName, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = byName.get(podName);
      if (!pod || pod.metadata?.deletionTimestamp) continue;
      const expires = Date.parse(at) + DELETION_TIMEOUT_MS;
      if (expires < now) continue;
      disrupted[podName] = at;
      recheckAt = Math.min(recheckAt ?? Infinity, expires);
    }
    const currentHealthy = pods.filter((p) => !p.metadata?.deletionTimestamp && !(p.metadata?.name! in disrupted) && isPodReady(p)).length;
    let disruptionsAllowed = currentHealthy - expected.desiredHealthy;
    if (expected.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const status: PodDisruptionBudgetStatus = {
      ...this.baseStatus(pdb),
      currentHealthy,
      desiredHealthy: expected.desiredHealthy,
      expectedPods: expected.expectedCount,
      disruptionsAllowed,
      disruptedPods: Object.keys(disrupted).length > 0 ? disrupted : undefined,
    };
    await this.writeStatus(pdb, status, disruptionsAllowed > 0 ? 'SufficientPods' : 'InsufficientPods', '');
    return recheckAt === undefined ? undefined : new RequeueAfter(recheckAt - now + 100);
  }

  private baseStatus(pdb: PodDisruptionBudget): PodDisruptionBudgetStatus {
    return {
      currentHealthy: pdb.status?.currentHealthy ?? 0,
      desiredHealthy: pdb.status?.desiredHealthy ?? 0,
      expectedPods: pdb.status?.expectedPods ?? 0,
      disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
      disruptedPods: pdb.status?.disruptedPods,
      conditions: pdb.status?.conditions,
      observedGeneration: pdb.metadata?.generation,
    };
  }

  private async writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus, reason: string, message: string): Promise<void> {
    const allowed = reason === 'SufficientPods' ? 'True' : 'False';
    const previous = pdb.status?.conditions?.find((c) => c.type === 'DisruptionAllowed');
    const condition = {
      type: 'DisruptionAllowed',
      status: allowed,
      reason,
      message,
      observedGeneration: pdb.metadata?.generation,
      lastTransitionTime: previous && previous.status === allowed ? previous.lastTransitionTime : nowRfc3339(),
    };
    status.conditions = [...(pdb.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'), condition];
    if (canonicalJson(status) === canonicalJson(pdb.status ?? {})) return;
    try {
      await this.client.update<PodDisruptionBudget>(resources.poddisruptionbudgets, { ...pdb, status }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  /** Upstream's getExpectedPodCount. */
  private expectedPodCount(pdb: PodDisruptionBudget, pods: Pod[]): { expectedCount: number; desiredHealthy: number } {
    const spec = pdb.spec ?? {};
    if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
      const expectedCount = this.expectedScale(pdb, pods);
      const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
    }
    if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
      if (typeof spec.minAvailable === 'number' || /^\d+$/.test(spec.minAvailable)) {
        return { expectedCount: pods.length, desiredHealthy: Number(spec.minAvailable) };
      }
      const expectedCount = this.expectedScale(pdb, pods);
      return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount, true) };
    }
    return { expectedCount: pods.length, desiredHealthy: 0 };
  }

  /** The sum of the scales of the selected pods' controllers, each counted once. */
  private expectedScale(pdb: PodDisruptionBudget, pods: Pod[]): number {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRefOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata?.name ?? '');
        continue;
      }
      const found = this.controllerScale(pod.metadata?.namespace ?? '', ref.kind, ref.name, ref.uid);
      if (!found) throw new Error(`found no controllers for pod ${JSON.stringify(pod.metadata?.name)}`);
      scales.set(found.uid, found.scale);
    }
    if (unmanaged.length > 0) {
      this.recorder.event(
        pdb,
        'Normal',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    let total = 0;
    for (const s of scales.values()) total += s;
    return total;
  }

  private controllerScale(namespace: string, kind: string, name: string, uid: string): { uid: string; scale: number } | undefined {
    if (kind === 'ReplicaSet') {
      const rs = this.replicaSets.lister().namespace(namespace).get(name);
      if (!rs || rs.metadata?.uid !== uid) return undefined;
      const owner = controllerRefOf(rs);
      if (owner?.kind === 'Deployment') {
        const d = this.deployments.lister().namespace(namespace).get(owner.name);
        if (d && d.metadata?.uid === owner.uid) return { uid: owner.uid, scale: d.spec?.replicas ?? 1 };
      }
      return { uid, scale: rs.spec?.replicas ?? 1 };
    }
    if (kind === 'StatefulSet') {
      const s = this.statefulSets.lister().namespace(namespace).get(name);
      return s && s.metadata?.uid === uid ? { uid, scale: s.spec?.replicas ?? 1 } : undefined;
    }
    if (kind === 'ReplicationController') {
      const rc = this.rcs.lister().namespace(namespace).get(name);
      return rc && rc.metadata?.uid === uid ? { uid, scale: rc.spec?.replicas ?? 1 } : undefined;
    }
    return undefined;
  }
}
