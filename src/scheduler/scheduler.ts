// The scheduler's API shell around SchedulerCore (upstream pkg/scheduler/scheduler.go,
// schedule_one.go, eventhandlers.go): informers feed the core's cache and queue; one loop
// pops pods and runs scheduling cycles; binding cycles run in the background and POST
// pods/<name>/binding; failures become FailedScheduling events and a PodScheduled=False
// condition; preemption deletes the victims and sets status.nominatedNodeName. Scheduling
// runs only while this instance holds the Lease kube-system/kube-scheduler.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isStatusError } from '../api/errors.ts';
import { nowRfc3339, type ObjectMeta } from '../api/meta.ts';
import { DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import { EventRecorder } from '../client/event-recorder.ts';
import { LeaderElector } from '../client/leader-election.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources, type GroupVersionResource } from '../client/resources.ts';
import { DEFAULT_SCHEDULER_NAME, parseSchedulerConfig, type SchedulerConfig } from './config.ts';
import type { ClusterEvent, ClusterLookup } from './framework/interfaces.ts';
import type { Status } from './framework/status.ts';
import {
  podPriority,
  type Node,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type Pod,
  type PodDisruptionBudget,
  type StorageClass,
} from './framework/v1.ts';
import { SchedulerCore, type ScheduleOutcome } from './scheduler-core.ts';

/** An API object as the informers hold it: the scheduler's view plus full metadata. */
type Api<T> = T & { metadata: ObjectMeta };

const storageClasses: GroupVersionResource = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };

export interface SchedulerLeaderElectionOptions {
  /** Default kube-system. */
  namespace?: string;
  /** Default kube-scheduler. */
  name?: string;
  /** Default `<hostname>_<uuid>`. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface SchedulerOptions {
  client: RestClient;
  /** Parsed KubeSchedulerConfiguration; default: one default-scheduler profile. */
  config?: SchedulerConfig;
  /** false: schedule without a Lease (tests, single instance). Default: elect on kube-system/kube-scheduler. */
  leaderElection?: SchedulerLeaderElectionOptions | false;
  /** How often expired assumed pods are dropped (upstream: 1 s). */
  cleanupPeriodMs?: number;
  log?: (line: string) => void;
}

interface Namespace {
  metadata: { name: string; labels?: Record<string, string> };
}

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export interface SchedulerMetrics {
  /** Scheduling attempts by result and profile (scheduler_schedule_attempts_total). */
  attempts: Map<string, number>;
  /** Bindings that the API server confirmed. */
  bound: number;
  bindErrors: number;
  preemptionVictims: number;
  /** Sum and count of pod creation → bound, in seconds (scheduler_pod_scheduling_sli_duration_seconds). */
  e2eSecondsSum: number;
  e2eCount: number;
}

function unwrap<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Did anything the scheduler looks at change (upstream nodeSchedulingPropertiesChange)? */
function nodeSchedulingPropertiesChanged(a: Node, b: Node): boolean {
  const same = (x: unknown, y: unknown) => JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
  const conds = (n: Node) => (n.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(',');
  return (
    !!a.spec?.unschedulable !== !!b.spec?.unschedulable ||
    !same(a.spec?.taints, b.spec?.taints) ||
    !same(a.metadata.labels, b.metadata.labels) ||
    !same(a.metadata.annotations, b.metadata.annotations) ||
    !same(a.status?.allocatable, b.status?.allocatable) ||
    !same(a.status?.images, b.status?.images) ||
    conds(a) !== conds(b)
  );
}

export class Scheduler {
  readonly core: SchedulerCore;
  readonly config: SchedulerConfig;
  readonly metrics: SchedulerMetrics = { attempts: new Map(), bound: 0, bindErrors: 0, preemptionVictims: 0, e2eSecondsSum: 0, e2eCount: 0 };
  private readonly client: RestClient;
  private readonly opts: SchedulerOptions;
  private readonly log: (line: string) => void;
  private readonly factory: SharedInformerFactory;
  private readonly recorders = new Map<string, EventRecorder>();
  private readonly inFlightBindings = new Set<Promise<unknown>>();
  private pods?: SharedIndexInformer<Api<Pod>>;
  private elector: LeaderElector | undefined;
  private loop: Promise<void> | undefined;
  private cleanupTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(opts: SchedulerOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.log = opts.log ?? (() => {});
    this.config = opts.config ?? parseSchedulerConfig(undefined);
    this.factory = new SharedInformerFactory(this.client);
    const lookup = this.buildLookup();
    this.core = new SchedulerCore({
      config: this.config,
      lookup,
      registryDeps: {
        bind: (pod, node) => this.bind(pod, node),
        bindVolumes: (pod, node, decisions) => this.bindVolumes(pod, node, decisions),
      },
    });
    for (const name of this.core.frameworks.keys()) {
      this.recorders.set(name, new EventRecorder({ client: this.client, component: name }));
    }
  }

  /**
   * Starts the informers and waits until their caches are filled; then campaigns for the
   * lease (unless disabled) and schedules while leading. Resolves once the caches synced.
   */
  async start(): Promise<void> {
    this.registerHandlers();
    this.factory.start();
    if (!(await this.factory.waitForCacheSync())) {
      if (this.stopped) return;
      throw new Error('scheduler: informer caches did not sync');
    }
    this.core.queue.run();
    this.cleanupTimer = setInterval(() => this.cleanupAssumedPods(), this.opts.cleanupPeriodMs ?? 1000);
    this.cleanupTimer.unref();
    const le = this.opts.leaderElection;
    if (le === false) {
      this.loop = this.scheduleLoop();
      return;
    }
    this.elector = new LeaderElector({
      client: this.client,
      namespace: le?.namespace ?? 'kube-system',
      name: le?.name ?? 'kube-scheduler',
      identity: le?.identity ?? `${hostname()}_${randomUUID()}`,
      // Only the timings given: an explicit undefined would replace the elector's defaults.
      ...(le?.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le?.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le?.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      onStartedLeading: () => {
        this.log('scheduler: became leader, scheduling');
        this.loop = this.scheduleLoop();
      },
      onStoppedLeading: () => {
        if (!this.stopped) this.log('scheduler: lost the lease; scheduling stops');
        // Upstream exits the process here; in-process we stop scheduling and leave it stopped.
        this.core.queue.close();
      },
      onError: (err) => this.log(`scheduler: leader election: ${(err as Error)?.message ?? err}`),
    });
    void this.elector.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.core.queue.close();
    if (this.cleanupTimer) clearInterval(this.cleanupTimer);
    await this.loop;
    await Promise.allSettled([...this.inFlightBindings]);
    await this.elector?.stop();
    await this.factory.stop();
    await Promise.all([...this.recorders.values()].map((r) => r.stop()));
  }

  isLeader(): boolean {
    return this.opts.leaderElection === false ? !this.stopped : (this.elector?.isLeader() ?? false);
  }

  /** Pods waiting in the queue, by sub-queue. */
  pendingPods(): { active: Pod[]; backoff: Pod[]; unschedulable: Pod[] } {
    return this.core.queue.pendingPods();
  }

  /** Prometheus text exposition of the counters (for /metrics). */
  metricsText(): string {
    const lines = ['# TYPE scheduler_schedule_attempts_total counter'];
    for (const [key, n] of this.metrics.attempts) {
      const [result, profile] = key.split('|');
      lines.push(`scheduler_schedule_attempts_total{profile="${profile}",result="${result}"} ${n}`);
    }
    const pending = this.pendingPods();
    lines.push('# TYPE scheduler_pending_pods gauge');
    lines.push(`scheduler_pending_pods{queue="active"} ${pending.active.length}`);
    lines.push(`scheduler_pending_pods{queue="backoff"} ${pending.backoff.length}`);
    lines.push(`scheduler_pending_pods{queue="unschedulable"} ${pending.unschedulable.length}`);
    lines.push('# TYPE scheduler_preemption_victims counter', `scheduler_preemption_victims ${this.metrics.preemptionVictims}`);
    lines.push('# TYPE scheduler_pod_scheduling_sli_duration_seconds summary');
    lines.push(`scheduler_pod_scheduling_sli_duration_seconds_sum ${this.metrics.e2eSecondsSum}`);
    lines.push(`scheduler_pod_scheduling_sli_duration_seconds_count ${this.metrics.e2eCount}`);
    return lines.join('\n') + '\n';
  }

  // ---- informers → core ----

  private buildLookup(): ClusterLookup {
    const pvcs = this.factory.informerFor<Api<PersistentVolumeClaim>>(resources.persistentvolumeclaims);
    const pvs = this.factory.informerFor<Api<PersistentVolume>>(resources.persistentvolumes);
    const classes = this.factory.informerFor<Api<StorageClass>>(storageClasses);
    const pdbs = this.factory.informerFor<Api<PodDisruptionBudget>>(resources.poddisruptionbudgets);
    const namespaces = this.factory.informerFor<Namespace>(resources.namespaces);
    return {
      getPVC: (ns, name) => pvcs.indexer.getByKey(`${ns}/${name}`),
      getPV: (name) => pvs.indexer.getByKey(name),
      listPVs: () => pvs.indexer.list(),
      getStorageClass: (name) => classes.indexer.getByKey(name),
      listPDBs: (ns) => pdbs.lister().namespace(ns).list(),
      namespaceLabels: (ns) => namespaces.indexer.getByKey(ns)?.metadata.labels,
    };
  }

  private registerHandlers(): void {
    const core = this.core;
    const nodes = this.factory.informerFor<Api<Node>>(resources.nodes);
    nodes.addEventHandler({
      onAdd: (n) => core.onNodeAdd(n),
      onUpdate: (old, n) => {
        if (nodeSchedulingPropertiesChanged(old, n)) core.onNodeUpdate(n);
        else core.cache.updateNode(n);
      },
      onDelete: (n) => core.onNodeDelete(unwrap(n)),
    });
    // As upstream: one pod informer for every pod that is not finished.
    const pods = this.factory.informerFor<Api<Pod>>(resources.pods, { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' });
    this.pods = pods;
    // A pending pod that is being deleted is not scheduled (upstream skipPodSchedule).
    const beingDeleted = (p: Pod) => !p.spec.nodeName && !!p.metadata.deletionTimestamp;
    pods.addEventHandler({
      onAdd: (p) => {
        if (beingDeleted(p)) core.queue.delete(p);
        else if (!isTerminal(p)) core.onPodAdd(p);
      },
      onUpdate: (_old, p) => {
        if (isTerminal(p)) core.onPodDelete(p);
        else if (beingDeleted(p)) core.queue.delete(p);
        else core.onPodUpdate(p);
      },
      onDelete: (p) => core.onPodDelete(unwrap(p)),
    });
    const clusterEvent = (resource: ClusterEvent['resource']) => ({
      onAdd: (_o: unknown, initial: boolean) => {
        if (!initial) core.onClusterEvent({ resource, action: 'Add' });
      },
      onUpdate: () => core.onClusterEvent({ resource, action: 'Update' }),
      onDelete: () => core.onClusterEvent({ resource, action: 'Delete' }),
    });
    this.factory.informerFor<Api<PersistentVolumeClaim>>(resources.persistentvolumeclaims).addEventHandler(clusterEvent('PersistentVolumeClaim'));
    this.factory.informerFor<Api<PersistentVolume>>(resources.persistentvolumes).addEventHandler(clusterEvent('PersistentVolume'));
    this.factory.informerFor<Api<StorageClass>>(storageClasses).addEventHandler(clusterEvent('StorageClass'));
    this.factory.informerFor<Namespace>(resources.namespaces).addEventHandler(clusterEvent('Namespace'));
  }

  // ---- the scheduling loop ----

  private async scheduleLoop(): Promise<void> {
    let lastYield = performance.now();
    for (;;) {
      // pop() resolves at once while pods are queued: give I/O (bindings, watch events) a turn.
      if (performance.now() - lastYield > 2) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      let r: Awaited<ReturnType<SchedulerCore['runOnce']>>;
      try {
        r = await this.core.runOnce();
      } catch (err) {
        this.log(`scheduler: scheduling cycle failed: ${(err as Error)?.stack ?? err}`);
        continue;
      }
      if (!r) return;
      this.handleOutcome(r.pod, r.outcome, r.binding);
    }
  }

  private count(result: AttemptResult, pod: Pod): void {
    const key = `${result}|${pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME}`;
    this.metrics.attempts.set(key, (this.metrics.attempts.get(key) ?? 0) + 1);
  }

  private recorder(pod: Pod): EventRecorder | undefined {
    return this.recorders.get(pod.spec.schedulerName || DEFAULT_SCHEDULER_NAME);
  }

  /** A failed pod went back to the queue; if it was deleted meanwhile, take it out again. */
  private forgetIfDeleted(pod: Pod): void {
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const current = this.pods?.indexer.getByKey(key);
    if (!current || current.metadata.uid !== pod.metadata.uid) this.core.queue.delete(pod);
  }

  private handleOutcome(pod: Pod, outcome: ScheduleOutcome, binding?: Promise<Status>): void {
    const ref = { ...pod, kind: 'Pod', apiVersion: 'v1' };
    const fullName = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    if ('node' in outcome) {
      this.count('scheduled', pod);
      if (!binding) return;
      const tracked = binding.then((s) => {
        if (s.isSuccess()) {
          this.metrics.bound++;
          this.observeE2E(pod);
          this.recorder(pod)?.event(ref, 'Normal', 'Scheduled', `Successfully assigned ${fullName} to ${outcome.node}`);
          return;
        }
        this.metrics.bindErrors++;
        this.forgetIfDeleted(pod);
        const msg = `Binding rejected: ${s.message()}`;
        this.recorder(pod)?.event(ref, 'Warning', 'FailedScheduling', msg);
        void this.setUnschedulableCondition(pod, 'SchedulerError', msg);
      });
      this.inFlightBindings.add(tracked);
      void tracked.finally(() => this.inFlightBindings.delete(tracked));
      return;
    }
    this.forgetIfDeleted(pod);
    if ('error' in outcome) {
      this.count('error', pod);
      this.recorder(pod)?.event(ref, 'Warning', 'FailedScheduling', outcome.error);
      void this.setUnschedulableCondition(pod, 'SchedulerError', outcome.error);
      return;
    }
    this.count('unschedulable', pod);
    this.recorder(pod)?.event(ref, 'Warning', 'FailedScheduling', outcome.unschedulable);
    if (outcome.nominated) {
      void this.preempt(pod, outcome.nominated.node, outcome.nominated.victims).then(() =>
        this.setUnschedulableCondition(pod, 'Unschedulable', outcome.unschedulable, outcome.nominated!.node),
      );
    } else {
      void this.setUnschedulableCondition(pod, 'Unschedulable', outcome.unschedulable);
    }
  }

  private observeE2E(pod: Pod): void {
    const created = pod.metadata.creationTimestamp ? Date.parse(pod.metadata.creationTimestamp) : NaN;
    if (!Number.isFinite(created)) return;
    this.metrics.e2eSecondsSum += Math.max(0, (Date.now() - created) / 1000);
    this.metrics.e2eCount++;
  }

  private cleanupAssumedPods(): void {
    for (const pod of this.core.cleanupExpiredAssumedPods()) {
      this.log(`scheduler: assumed pod ${pod.metadata.namespace}/${pod.metadata.name} expired without its binding being observed`);
    }
  }

  // ---- API writes ----

  /** DefaultBinder's write: POST pods/<name>/binding. */
  private async bind(pod: Pod, nodeName: string): Promise<void> {
    await this.client.create(
      resources.pods,
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      },
      { namespace: pod.metadata.namespace, name: pod.metadata.name, subresource: 'binding' },
    );
  }

  /**
   * VolumeBinding's PreBind: a chosen PV gets the claim in its claimRef (the PV controller
   * completes the bind); a claim to provision gets the selected-node annotation.
   */
  private async bindVolumes(_pod: Pod, nodeName: string, decisions: Map<string, string>): Promise<void> {
    for (const [claim, pvName] of decisions) {
      const [namespace, name] = claim.split('/') as [string, string];
      if (!pvName) {
        await this.client.patch(resources.persistentvolumeclaims, name, 'merge', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': nodeName } } }, { namespace });
        continue;
      }
      const pvc = await this.client.get<PersistentVolumeClaim>(resources.persistentvolumeclaims, name, { namespace });
      const pv = await this.client.get<Api<PersistentVolume>>(resources.persistentvolumes, pvName);
      pv.spec = { ...pv.spec, claimRef: { namespace, name, uid: pvc.metadata.uid } };
      pv.metadata.annotations = { ...pv.metadata.annotations, 'pv.kubernetes.io/bound-by-controller': 'yes' };
      await this.client.update(resources.persistentvolumes, pv);
    }
  }

  /**
   * PodScheduled=False with the reason and message (and the nominated node, if preempting),
   * written only when it changes, as upstream's updatePod.
   */
  private async setUnschedulableCondition(pod: Pod, reason: string, message: string, nominatedNodeName?: string): Promise<void> {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    const nominationChanges = nominatedNodeName !== undefined && nominatedNodeName !== pod.status?.nominatedNodeName;
    if (current && current.status === 'False' && current.reason === reason && current.message === message && !nominationChanges) return;
    const status: Record<string, unknown> = {
      conditions: [{ type: 'PodScheduled', status: 'False', reason, message, lastProbeTime: null, lastTransitionTime: nowRfc3339() }],
    };
    if (nominationChanges) status.nominatedNodeName = nominatedNodeName;
    try {
      await this.client.patch(resources.pods, pod.metadata.name!, 'strategic', { status }, { namespace: pod.metadata.namespace, subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) this.log(`scheduler: updating status of ${pod.metadata.namespace}/${pod.metadata.name}: ${(err as Error)?.message ?? err}`);
    }
  }

  /**
   * Upstream prepareCandidate: mark each victim DisruptionTarget, delete it, tell it why;
   * then take the nomination away from lower-priority pods nominated to the same node.
   */
  private async preempt(preemptor: Pod, nodeName: string, victims: Pod[]): Promise<void> {
    const scheduler = preemptor.spec.schedulerName || DEFAULT_SCHEDULER_NAME;
    await Promise.all(
      victims.map(async (victim) => {
        const ns = victim.metadata.namespace;
        const name = victim.metadata.name!;
        try {
          await this.client.patch(
            resources.pods,
            name,
            'strategic',
            {
              status: {
                conditions: [
                  {
                    type: 'DisruptionTarget',
                    status: 'True',
                    reason: 'PreemptionByScheduler',
                    message: `${scheduler}: preempting to accommodate a higher priority pod`,
                    lastTransitionTime: nowRfc3339(),
                  },
                ],
              },
            },
            { namespace: ns, subresource: 'status' },
          );
          await this.client.delete(resources.pods, name, { namespace: ns, preconditions: victim.metadata.uid ? { uid: victim.metadata.uid } : undefined });
          this.metrics.preemptionVictims++;
          this.recorder(preemptor)?.event(
            { ...victim, kind: 'Pod', apiVersion: 'v1' },
            'Normal',
            'Preempted',
            `Preempted by pod ${preemptor.metadata.uid} on node ${nodeName}`,
          );
        } catch (err) {
          if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) {
            this.log(`scheduler: preempting ${ns}/${name}: ${(err as Error)?.message ?? err}`);
          }
        }
      }),
    );
    const priority = podPriority(preemptor);
    for (const pi of this.core.queue.nominatedPodsForNode(nodeName)) {
      const p = pi.pod;
      if (p.metadata.uid === preemptor.metadata.uid || podPriority(p) >= priority) continue;
      this.core.queue.deleteNominatedPod(p);
      try {
        await this.client.patch(resources.pods, p.metadata.name!, 'merge', { status: { nominatedNodeName: null } }, { namespace: p.metadata.namespace, subresource: 'status' });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) this.log(`scheduler: clearing nomination of ${p.metadata.namespace}/${p.metadata.name}: ${(err as Error)?.message ?? err}`);
      }
    }
  }
}
