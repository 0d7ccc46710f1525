// The scheduler without its API plumbing: queue + cache + one framework per profile.
// The shell (informers, bindings, events, status updates) feeds objects in through the
// on* handlers and acts on what scheduleOne / runOnce return.

import { parseSchedulerConfig, type SchedulerConfig } from './config.ts';
import { SchedulerCache, DEFAULT_ASSUMED_POD_TTL_MS } from './cache/scheduler-cache.ts';
import { CycleState } from './framework/cycle-state.ts';
import { emptyLookup, type ClusterEvent, type ClusterLookup } from './framework/interfaces.ts';
import { newPodInfo } from './framework/pod-info.ts';
import { Framework } from './framework/runtime.ts';
import { Status } from './framework/status.ts';
import { podKey, type Node, type Pod } from './framework/v1.ts';
import { inTreeRegistry, type RegistryDeps } from './plugins/registry.ts';
import { SchedulingQueue, type QueuedPodInfo } from './queue/scheduling-queue.ts';

export type ScheduleOutcome =
  | { node: string; evaluatedNodes: number; feasibleNodes: number }
  | { unschedulable: string; nominated?: { node: string; victims: Pod[] }; unschedulablePlugins: string[] }
  | { error: string };

export interface SchedulerCoreOptions {
  config?: SchedulerConfig;
  /** The shell's API writes: bind a pod (POST pods/binding), bind volumes. */
  registryDeps?: RegistryDeps;
  lookup?: ClusterLookup;
  now?: () => number;
  random?: () => number;
  assumedPodTTLMs?: number;
}

export class SchedulerCore {
  readonly cache: SchedulerCache;
  readonly queue: SchedulingQueue;
  readonly frameworks = new Map<string, Framework>();
  readonly config: SchedulerConfig;

  constructor(opts: SchedulerCoreOptions = {}) {
    this.config = opts.config ?? parseSchedulerConfig(undefined);
    const now = opts.now ?? Date.now;
    this.cache = new SchedulerCache(opts.assumedPodTTLMs ?? DEFAULT_ASSUMED_POD_TTL_MS, now);
    this.queue = new SchedulingQueue({
      now,
      podInitialBackoffMs: this.config.podInitialBackoffSeconds * 1000,
      podMaxBackoffMs: this.config.podMaxBackoffSeconds * 1000,
      preEnqueue: (pod) => this.frameworkFor(pod)?.runPreEnqueue(pod) ?? Status.success(),
    });
    const registry = inTreeRegistry(opts.registryDeps);
    for (const profile of this.config.profiles) {
      const fwk = new Framework(profile, registry, {
        snapshot: () => this.cache,
        lookup: opts.lookup ?? emptyLookup,
        nominatedPodsForNode: (n) => this.queue.nominatedPodsForNode(n),
        percentageOfNodesToScore: this.config.percentageOfNodesToScore,
        random: opts.random,
      });
      this.frameworks.set(profile.schedulerName, fwk);
      for (const [plugin, events] of fwk.eventsToRegister()) {
        const merged = [...(this.queue.pluginEvents.get(plugin) ?? []), ...events];
        this.queue.pluginEvents.set(plugin, merged);
      }
    }
  }

  frameworkFor(pod: Pod): Framework | undefined {
    return this.frameworks.get(pod.spec.schedulerName || 'default-scheduler');
  }

  /** Only pods whose schedulerName is one of our profiles. */
  responsibleFor(pod: Pod): boolean {
    return this.frameworks.has(pod.spec.schedulerName || 'default-scheduler');
  }

  // ---- informer handlers ----

  onNodeAdd(node: Node): void {
    this.cache.addNode(node);
    this.queue.moveAllToActiveOrBackoff({ resource: 'Node', action: 'Add', label: 'NodeAdd' });
  }

  onNodeUpdate(node: Node): void {
    this.cache.updateNode(node);
    this.queue.moveAllToActiveOrBackoff({ resource: 'Node', action: 'Update', label: 'NodeUpdate' });
  }

  onNodeDelete(node: Node): void {
    this.cache.removeNode(node.metadata.name!);
  }

  onPodAdd(pod: Pod): void {
    if (pod.spec.nodeName) {
      this.cache.addPod(pod);
      this.queue.deleteNominatedPod(pod);
    } else if (this.responsibleFor(pod) && !isTerminal(pod)) {
      this.queue.add(pod);
      if (pod.status?.nominatedNodeName) this.queue.addNominatedPod(newPodInfo(pod), pod.status.nominatedNodeName);
    }
  }

  onPodUpdate(pod: Pod): void {
    if (pod.spec.nodeName) {
      this.queue.delete(pod);
      this.cache.updatePod(pod);
      this.queue.moveAllToActiveOrBackoff({ resource: 'Pod', action: 'Update', label: 'AssignedPodUpdate' });
    } else if (this.responsibleFor(pod) && !isTerminal(pod)) {
      this.queue.update(pod);
    }
  }

  onPodDelete(pod: Pod): void {
    if (pod.spec.nodeName || this.cache.getPod(pod)) {
      this.cache.removePod(pod);
      this.queue.moveAllToActiveOrBackoff({ resource: 'Pod', action: 'Delete', label: 'AssignedPodDelete' });
    }
    this.queue.delete(pod);
  }

  /** PV, PVC, StorageClass, Namespace changes. */
  onClusterEvent(event: ClusterEvent): void {
    this.queue.moveAllToActiveOrBackoff(event);
  }

  // ---- scheduling ----

  /**
   * One scheduling cycle for a pod: decide, and on success assume it onto the node and
   * run Reserve and Permit. The caller then runs bindingCycle (asynchronously).
   */
  scheduleOne(pod: Pod, state = new CycleState()): ScheduleOutcome {
    const fwk = this.frameworkFor(pod);
    if (!fwk) return { error: `no profile for schedulerName ${pod.spec.schedulerName}` };
    const r = fwk.schedule(state, pod);
    if (r.kind === 'error') return { error: r.message };
    if (r.kind === 'unschedulable') {
      const plugins = [...r.diagnosis.unschedulablePlugins];
      if (r.postFilter) {
        const { nominatedNodeName, victims } = r.postFilter;
        this.queue.addNominatedPod(newPodInfo(pod), nominatedNodeName);
        return { unschedulable: r.message, nominated: { node: nominatedNodeName, victims }, unschedulablePlugins: plugins };
      }
      return { unschedulable: r.message, unschedulablePlugins: plugins };
    }
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName: r.node } };
    try {
      this.cache.assumePod(assumed);
    } catch (e) {
      return { error: (e as Error).message };
    }
    const reserve = fwk.runReserve(state, assumed, r.node);
    if (!reserve.isSuccess()) {
      fwk.runUnreserve(state, assumed, r.node);
      this.cache.forgetPod(assumed);
      return reserve.isRejected()
        ? { unschedulable: reserve.message(), unschedulablePlugins: [reserve.plugin] }
        : { error: reserve.message() };
    }
    const permit = fwk.runPermit(state, assumed, r.node);
    if (!permit.isSuccess() && permit.code !== 'Wait') {
      fwk.runUnreserve(state, assumed, r.node);
      this.cache.forgetPod(assumed);
      return permit.isRejected()
        ? { unschedulable: permit.message(), unschedulablePlugins: [permit.plugin] }
        : { error: permit.message() };
    }
    this.queue.deleteNominatedPod(pod);
    return { node: r.node, evaluatedNodes: r.evaluatedNodes, feasibleNodes: r.feasibleNodes };
  }

  /** WaitOnPermit, PreBind, Bind, PostBind; on failure the assumption is undone. */
  async bindingCycle(pod: Pod, nodeName: string, state: CycleState): Promise<Status> {
    const fwk = this.frameworkFor(pod)!;
    const assumed: Pod = { ...pod, spec: { ...pod.spec, nodeName } };
    let s = await fwk.waitOnPermit(assumed);
    if (s.isSuccess()) s = await fwk.runPreBind(state, assumed, nodeName);
    if (s.isSuccess()) s = await fwk.runBind(state, assumed, nodeName);
    if (!s.isSuccess()) {
      fwk.runUnreserve(state, assumed, nodeName);
      this.cache.forgetPod(assumed);
      this.queue.moveAllToActiveOrBackoff({ resource: 'Pod', action: 'Delete', label: 'AssignedPodDelete' });
      return s;
    }
    this.cache.finishBinding(assumed);
    fwk.runPostBind(state, assumed, nodeName);
    return s;
  }

  /**
   * Pops one pod and schedules it; binding runs in the background and its promise is
   * returned so callers may wait. Null once the queue is closed.
   */
  async runOnce(): Promise<{ pod: Pod; outcome: ScheduleOutcome; binding?: Promise<Status> } | null> {
    const qpi = await this.queue.pop();
    if (!qpi) return null;
    const cycle = this.queue.schedulingCycleNumber;
    const state = new CycleState();
    const outcome = this.scheduleOne(qpi.pod, state);
    if ('node' in outcome) {
      this.queue.done(qpi.key);
      const binding = this.bindingCycle(qpi.pod, outcome.node, state).then((s) => {
        if (!s.isSuccess()) this.requeue(qpi, this.queue.schedulingCycleNumber, []);
        return s;
      });
      return { pod: qpi.pod, outcome, binding };
    }
    this.requeue(qpi, cycle, 'unschedulable' in outcome ? outcome.unschedulablePlugins : []);
    return { pod: qpi.pod, outcome };
  }

  private requeue(qpi: QueuedPodInfo, cycle: number, plugins: string[]): void {
    this.queue.addUnschedulableIfNotPresent(qpi, cycle, plugins);
    this.queue.done(qpi.key);
  }

  /** For the shell's periodic housekeeping. */
  cleanupExpiredAssumedPods(): Pod[] {
    return this.cache.cleanupExpiredAssumedPods();
  }

  podKey(pod: Pod): string {
    return podKey(pod);
  }
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}
