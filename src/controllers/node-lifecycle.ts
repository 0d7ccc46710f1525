// The node lifecycle controller (upstream's "node-lifecycle-controller", with the taint-based
// eviction of its "taint-eviction-controller" partner).
//
// Every nodeMonitorPeriod each node is synced:
//  1. health: a node is heard from when its Lease (kube-node-lease/<node>) is renewed or its
//     Ready condition's heartbeat moves. Silent for longer than nodeMonitorGracePeriod (or
//     nodeStartupGracePeriod for a node that never reported), its Ready / MemoryPressure /
//     DiskPressure / PIDPressure conditions become Unknown ("Kubelet stopped posting node
//     status.") and its pods are marked not Ready;
//  2. taints: Ready False → node.kubernetes.io/not-ready, Ready Unknown →
//     node.kubernetes.io/unreachable, both as NoSchedule and NoExecute (the NoExecute one
//     rate-limited per zone; while every zone is fully disrupted none is kept, as upstream);
//     pressure conditions and spec.unschedulable get their NoSchedule taints; taints go when
//     the condition clears;
//  3. eviction: pods on a node with NoExecute taints are deleted at once if they do not
//     tolerate them, or when their shortest tolerationSeconds has run out since the taint was
//     added (the API server gives every pod 300 s for not-ready and unreachable).

import { isStatusError } from '../api/errors.ts';
import { nowRfc3339 } from '../api/meta.ts';
import type { Lease } from '../api/types/coordination-v1.ts';
import type { Node, NodeCondition, Pod, Taint } from '../api/types/core-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { TokenBucket } from '../client/rate-limiter.ts';
import { canonicalJson, objectOf, QueueController, RequeueAfter, updateWithRetry, type ControllerConfig } from './controller-utils.ts';
import { tolerates } from './daemon-set.ts';

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const REGION_LABEL = 'topology.kubernetes.io/region';

/** Conditions the kubelet owns; all turn Unknown when it goes silent. */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

const CONDITION_NO_SCHEDULE_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: 'node.kubernetes.io/memory-pressure' },
  DiskPressure: { True: 'node.kubernetes.io/disk-pressure' },
  PIDPressure: { True: 'node.kubernetes.io/pid-pressure' },
  NetworkUnavailable: { True: 'node.kubernetes.io/network-unavailable' },
};

export interface NodeLifecycleConfig extends ControllerConfig {
  /** --node-monitor-period (upstream 5 s). */
  nodeMonitorPeriodMs?: number;
  /** --node-monitor-grace-period (upstream 50 s). */
  nodeMonitorGracePeriodMs?: number;
  /** --node-startup-grace-period (upstream 60 s). */
  nodeStartupGracePeriodMs?: number;
  /** --node-eviction-rate (upstream 0.1 nodes/s per zone) and --secondary-node-eviction-rate (0.01). */
  nodeEvictionRate?: number;
  secondaryNodeEvictionRate?: number;
  /** --unhealthy-zone-threshold (0.55) and --large-cluster-size-threshold (50). */
  unhealthyZoneThreshold?: number;
  largeClusterSizeThreshold?: number;
}

interface NodeHealth {
  /** When we last heard from the kubelet (our clock). */
  probeTimestamp: number;
  readyHeartbeat?: string;
  leaseRenewTime?: string;
}

type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export class NodeLifecycleController extends QueueController {
  readonly name = 'node-lifecycle-controller';
  private readonly nodes: SharedIndexInformer<Node>;
  private readonly leases: SharedIndexInformer<Lease>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly health = new Map<string, NodeHealth>();
  private readonly zoneLimiters = new Map<string, { bucket: TokenBucket; rate: number }>();
  private readonly periodMs: number;
  private readonly graceMs: number;
  private readonly startupGraceMs: number;
  private readonly evictionRate: number;
  private readonly secondaryEvictionRate: number;
  private readonly unhealthyThreshold: number;
  private readonly largeCluster: number;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    config: NodeLifecycleConfig = {},
  ) {
    super();
    this.periodMs = config.nodeMonitorPeriodMs ?? 5_000;
    this.graceMs = config.nodeMonitorGracePeriodMs ?? 50_000;
    this.startupGraceMs = config.nodeStartupGracePeriodMs ?? 60_000;
    this.evictionRate = config.nodeEvictionRate ?? 0.1;
    this.secondaryEvictionRate = config.secondaryNodeEvictionRate ?? 0.01;
    this.unhealthyThreshold = config.unhealthyZoneThreshold ?? 0.55;
    this.largeCluster = config.largeClusterSizeThreshold ?? 50;
    this.nodes = informers.informerFor<Node>(resources.nodes);
    this.leases = informers.informerFor<Lease>(resources.leases, { namespace: NODE_LEASE_NAMESPACE });
    this.pods = informers.informerFor<Pod>(resources.pods, {
      indexers: { 'node-lifecycle:nodeName': (p: Pod) => (p.spec?.nodeName ? [p.spec.nodeName] : []) },
    });
    this.waitFor(this.nodes, this.leases, this.pods);
    this.nodes.addEventHandler({
      onAdd: (node) => {
        this.recorder.event(node, 'Normal', 'RegisteredNode', `Node ${node.metadata?.name} event: Registered Node ${node.metadata?.name} in Controller`);
        this.enqueue(node);
      },
      onUpdate: (old, node) => {
        if (canonicalJson(old.spec?.taints) !== canonicalJson(node.spec?.taints) || old.spec?.unschedulable !== node.spec?.unschedulable) this.enqueue(node);
      },
      onDelete: (node) => {
        const name = objectOf(node).metadata?.name ?? '';
        this.health.delete(name);
        this.recorder.event(objectOf(node), 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
      },
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podChanged(pod),
      onUpdate: (old, pod) => {
        if (old.spec?.nodeName !== pod.spec?.nodeName || canonicalJson(old.spec?.tolerations) !== canonicalJson(pod.spec?.tolerations)) this.podChanged(pod);
      },
    });
  }

  private podChanged(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const node = this.nodes.lister().get(nodeName);
    if (node?.spec?.taints?.some((t) => t.effect === 'NoExecute')) this.queue.add(nodeName);
  }

  protected override async onSynced(): Promise<void> {
    const tick = () => {
      for (const node of this.nodes.lister().list()) this.enqueue(node);
    };
    tick();
    this.ticker = setInterval(tick, this.periodMs);
    this.ticker.unref();
    this.stopSignal.addEventListener('abort', () => clearInterval(this.ticker), { once: true });
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    let node = this.nodes.lister().get(key);
    if (!node) return;
    const now = Date.now();

    // 1. Health.
    const before = readyStatus(node);
    node = (await this.monitorHealth(node, now)) ?? node;
    const ready = readyStatus(node);
    if (before === 'True' && ready !== 'True') {
      this.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${node.metadata?.name} status is now: NodeNotReady`);
    }
    if (ready !== 'True' && ready !== undefined) await this.markPodsNotReady(node);

    // 2. Taints.
    node = (await this.reconcileTaints(node, ready, now)) ?? node;

    // 3. Evictions.
    const next = await this.evictPods(node, now);
    return next === undefined ? undefined : new RequeueAfter(Math.min(next, this.periodMs));
  }

  /** Turns the kubelet's conditions Unknown once it has been silent for the grace period; answers the updated node. */
  private async monitorHealth(node: Node, now: number): Promise<Node | undefined> {
    const name = node.metadata!.name!;
    const readyCond = node.status?.conditions?.find((c) => c.type === 'Ready');
    const lease = this.leases.lister().namespace(NODE_LEASE_NAMESPACE).get(name);
    let h = this.health.get(name);
    if (!h) {
      h = { probeTimestamp: now, readyHeartbeat: readyCond?.lastHeartbeatTime, leaseRenewTime: lease?.spec?.renewTime };
      this.health.set(name, h);
    }
    if (readyCond?.lastHeartbeatTime !== h.readyHeartbeat) {
      h.readyHeartbeat = readyCond?.lastHeartbeatTime;
      h.probeTimestamp = now;
    }
    const renew = lease?.spec?.renewTime;
    if (renew && renew !== h.leaseRenewTime && (!h.leaseRenewTime || Date.parse(renew) > Date.parse(h.leaseRenewTime))) {
      h.leaseRenewTime = renew;
      h.probeTimestamp = now;
    }
    const grace = readyCond ? this.graceMs : this.startupGraceMs;
    if (now <= h.probeTimestamp + grace) return undefined;

    const stamp = nowRfc3339(new Date(now));
    const needsUpdate = (c: NodeCondition | undefined) => !c || c.status !== 'Unknown';
    if (!KUBELET_CONDITIONS.some((t) => needsUpdate(node.status?.conditions?.find((c) => c.type === t)))) return undefined;
    const updated = await updateWithRetry<Node>(
      this.client,
      resources.nodes,
      undefined,
      name,
      (fresh) => {
        const conditions = [...(fresh.status?.conditions ?? [])];
        let changed = false;
        for (const type of KUBELET_CONDITIONS) {
          const i = conditions.findIndex((c) => c.type === type);
          if (i < 0) {
            conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: fresh.metadata?.creationTimestamp, lastTransitionTime: stamp });
            changed = true;
          } else if (conditions[i].status !== 'Unknown') {
            conditions[i] = { ...conditions[i], status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: stamp };
            changed = true;
          }
        }
        if (!changed) return false;
        fresh.status = { ...(fresh.status ?? {}), conditions };
      },
      'status',
    );
    // Our own write moved no heartbeat: keep the probe time.
    const cond = updated?.status?.conditions?.find((c) => c.type === 'Ready');
    if (cond) h.readyHeartbeat = cond.lastHeartbeatTime;
    return updated;
  }

  private async markPodsNotReady(node: Node): Promise<void> {
    for (const pod of this.pods.indexer.byIndex('node-lifecycle:nodeName', node.metadata!.name!)) {
      const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True' || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      await updateWithRetry<Pod>(
        this.client,
        resources.pods,
        pod.metadata?.namespace,
        pod.metadata!.name!,
        (fresh) => {
          const conditions = [...(fresh.status?.conditions ?? [])];
          const i = conditions.findIndex((c) => c.type === 'Ready');
          if (i < 0 || conditions[i].status !== 'True') return false;
          conditions[i] = { ...conditions[i], status: 'False', lastTransitionTime: nowRfc3339() };
          fresh.status = { ...(fresh.status ?? {}), conditions };
        },
        'status',
      );
      this.recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    }
  }

  /** The taints the node's conditions call for; NoExecute ones only if the zone's limiter allows. */
  private async reconcileTaints(node: Node, ready: string | undefined, now: number): Promise<Node | undefined> {
    const wantedNoSchedule = new Set<string>();
    for (const c of node.status?.conditions ?? []) {
      const key = CONDITION_NO_SCHEDULE_TAINTS[c.type]?.[c.status];
      if (key) wantedNoSchedule.add(key);
    }
    if (node.spec?.unschedulable) wantedNoSchedule.add('node.kubernetes.io/unschedulable');
    const managedNoSchedule = new Set([...Object.values(CONDITION_NO_SCHEDULE_TAINTS).flatMap((m) => Object.values(m)), 'node.kubernetes.io/unschedulable']);
    // Every zone fully disrupted: the controller, not the nodes, is probably cut off — no
    // eviction taints at all (upstream's "master disruption mode").
    const allDisrupted = ready !== 'True' && this.allZonesFullyDisrupted();
    const wantedNoExecute = allDisrupted ? undefined : ready === 'False' ? TAINT_NOT_READY : ready === 'Unknown' ? TAINT_UNREACHABLE : undefined;

    const taints = node.spec?.taints ?? [];
    const hasNoExecute = (key: string) => taints.some((t) => t.key === key && t.effect === 'NoExecute');
    let addNoExecute = wantedNoExecute !== undefined && !hasNoExecute(wantedNoExecute);
    if (addNoExecute && !this.mayTaintForEviction(node)) addNoExecute = false;

    const stamp = nowRfc3339(new Date(now));
    const next: Taint[] = [];
    for (const t of taints) {
      if (t.effect === 'NoSchedule' && managedNoSchedule.has(t.key) && !wantedNoSchedule.has(t.key)) continue;
      if (t.effect === 'NoExecute' && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE) && t.key !== wantedNoExecute) {
        // Swapping not-ready for unreachable (or back) keeps the eviction clock only if we may taint now.
        if (wantedNoExecute === undefined || addNoExecute) continue;
      }
      next.push(t);
    }
    for (const key of wantedNoSchedule) if (!next.some((t) => t.key === key && t.effect === 'NoSchedule')) next.push({ key, effect: 'NoSchedule' });
    if (addNoExecute) next.push({ key: wantedNoExecute!, effect: 'NoExecute', timeAdded: stamp });
    if (canonicalJson(next) === canonicalJson(taints)) return undefined;
    return updateWithRetry<Node>(this.client, resources.nodes, undefined, node.metadata!.name!, (fresh) => {
      // Re-derive against the fresh object: keep others' taints, replace ours.
      const ours = (t: Taint) => (t.effect === 'NoSchedule' && managedNoSchedule.has(t.key)) || (t.effect === 'NoExecute' && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE));
      const theirs = (fresh.spec?.taints ?? []).filter((t) => !ours(t));
      const mine = next.filter(ours).map((t) => (fresh.spec?.taints ?? []).find((f) => f.key === t.key && f.effect === t.effect) ?? t);
      const merged = [...theirs, ...mine];
      if (canonicalJson(merged) === canonicalJson(fresh.spec?.taints ?? [])) return false;
      fresh.spec = { ...(fresh.spec ?? {}), taints: merged.length > 0 ? merged : undefined };
    });
  }

  private allZonesFullyDisrupted(): boolean {
    const nodes = this.nodes.lister().list();
    const zones = new Map<string, boolean>();
    for (const n of nodes) zones.set(zoneOf(n), (zones.get(zoneOf(n)) ?? true) && readyStatus(n) !== 'True');
    return nodes.length > 0 && [...zones.values()].every(Boolean);
  }

  /** Upstream's zone-aware rate limiting of NoExecute tainting (zone state from its nodes' readiness). */
  private mayTaintForEviction(node: Node): boolean {
    const zone = zoneOf(node);
    const inZone = this.nodes.lister().list().filter((n) => zoneOf(n) === zone);
    const notReady = inZone.filter((n) => readyStatus(n) !== 'True').length;
    const state: ZoneState =
      inZone.length > 0 && notReady === inZone.length ? 'FullDisruption' : notReady > 2 && notReady / inZone.length >= this.unhealthyThreshold ? 'PartialDisruption' : 'Normal';
    // A partially disrupted zone slows down (large zones) or stops (small ones) evictions.
    const rate = state === 'PartialDisruption' ? (inZone.length > this.largeCluster ? this.secondaryEvictionRate : 0) : this.evictionRate;
    if (rate <= 0) return false;
    let limiter = this.zoneLimiters.get(zone);
    if (!limiter || limiter.rate !== rate) {
      limiter = { bucket: new TokenBucket(rate, 1), rate };
      this.zoneLimiters.set(zone, limiter);
    }
    return limiter.bucket.tryTake();
  }

  /** Deletes pods whose tolerations of the node's NoExecute taints ran out; answers ms until the next one is due. */
  private async evictPods(node: Node, now: number): Promise<number | undefined> {
    const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (noExecute.length === 0) return undefined;
    let nextDue: number | undefined;
    for (const pod of this.pods.indexer.byIndex('node-lifecycle:nodeName', node.metadata!.name!)) {
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const due = evictionTime(pod, noExecute, now);
      if (due === undefined) continue;
      if (due > now) {
        nextDue = Math.min(nextDue ?? Infinity, due - now);
        continue;
      }
      this.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`);
      try {
        await updateWithRetry<Pod>(
          this.client,
          resources.pods,
          pod.metadata?.namespace,
          pod.metadata!.name!,
          (fresh) => {
            if (fresh.metadata?.uid !== pod.metadata?.uid) return false;
            const conditions = (fresh.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
            conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: nowRfc3339(new Date(now)) });
            fresh.status = { ...(fresh.status ?? {}), conditions };
          },
          'status',
        );
        await this.client.delete(resources.pods, pod.metadata!.name!, { namespace: pod.metadata?.namespace, preconditions: { uid: pod.metadata?.uid } });
      } catch (err) {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      }
    }
    return nextDue;
  }
}

function readyStatus(node: Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

function zoneOf(node: Node): string {
  const l = node.metadata?.labels ?? {};
  return `${l[REGION_LABEL] ?? ''}:\0:${l[ZONE_LABEL] ?? ''}`;
}

/**
 * When the pod must go (ms since the epoch), or undefined when it tolerates the taints forever:
 * at once for an untolerated taint, else the latest taint's timeAdded plus the shortest
 * tolerationSeconds among the tolerations used (upstream's getMinTolerationTime).
 */
export function evictionTime(pod: Pod, noExecuteTaints: Taint[], now: number): number | undefined {
  const tolerations = (pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'NoExecute');
  const used = new Set<(typeof tolerations)[number]>();
  for (const taint of noExecuteTaints) {
    const matching = tolerations.filter((t) => tolerates(t, taint));
    if (matching.length === 0) return now;
    for (const t of matching) used.add(t);
  }
  const seconds = [...used].map((t) => t.tolerationSeconds).filter((s): s is number => s !== undefined && s !== null);
  if (seconds.length === 0) return undefined;
  const min = Math.max(0, Math.min(...seconds));
  let added = 0;
  for (const taint of noExecuteTaints) {
    const t = taint.timeAdded ? Date.parse(taint.timeAdded) : now;
    added = Math.max(added, Number.isNaN(t) ? now : t);
  }
  return added + min * 1000;
}
