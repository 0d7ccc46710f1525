// The scheduling queue (upstream internal/queue): activeQ, a heap of pods ready to try,
// highest priority first then oldest; backoffQ, pods waiting out an exponential backoff
// (1 s doubling to 10 s per attempt); unschedulable pods, parked until a cluster event
// one of the plugins that rejected them cares about (or 5 minutes pass). Also keeps the
// nominator: pods nominated to nodes by preemption.

import type { ClusterEvent } from '../framework/interfaces.ts';
import { newPodInfo, type PodInfo } from '../framework/pod-info.ts';
import type { Status } from '../framework/status.ts';
import { podKey, podPriority, type Pod } from '../framework/v1.ts';
import { KeyedHeap } from './heap.ts';

export interface QueuedPodInfo {
  key: string;
  pod: Pod;
  podInfo: PodInfo;
  /** When the pod was last added to a queue (orders activeQ ties, drives backoff). */
  timestamp: number;
  initialAttemptTimestamp?: number;
  attempts: number;
  /** Plugins that rejected the pod in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** Rejected by a PreEnqueue plugin (e.g. scheduling gates). */
  gated: boolean;
}

export interface SchedulingQueueOptions {
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  /** Unschedulable pods are retried at the latest after this long (upstream: 5 min). */
  podMaxInUnschedulablePodsDurationMs?: number;
  now?: () => number;
  /** PreEnqueue plugins of the pod's profile; a non-success keeps the pod out of activeQ. */
  preEnqueue?: (pod: Pod) => Status;
  /** plugin name → events that may make pods it rejected schedulable. */
  pluginEvents?: Map<string, ClusterEvent[]>;
}

export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60 * 1000;

/** Upstream PrioritySort: higher priority first, then the earlier queue timestamp. */
export function queueSortLess(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const pa = podPriority(a.pod);
  const pb = podPriority(b.pod);
  return pa > pb || (pa === pb && a.timestamp < b.timestamp);
}

function eventMatches(registered: ClusterEvent, ev: ClusterEvent): boolean {
  return (
    (registered.resource === '*' || ev.resource === '*' || registered.resource === ev.resource) &&
    (registered.action === '*' || ev.action === '*' || registered.action === ev.action)
  );
}

/** Shared answer for the usual case, asked once per node per pod. */
const NO_PODS: readonly PodInfo[] = Object.freeze([]);

export class SchedulingQueue {
  private readonly activeQ = new KeyedHeap<QueuedPodInfo>((p) => p.key, queueSortLess);
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private readonly waiters: ((p: QueuedPodInfo | null) => void)[] = [];
  private readonly nominatedByNode = new Map<string, PodInfo[]>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxInUnschedulable: number;
  private readonly now: () => number;
  private readonly preEnqueue?: (pod: Pod) => Status;
  pluginEvents: Map<string, ClusterEvent[]>;
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private closed = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(opts: SchedulingQueueOptions = {}) {
    this.initialBackoff = opts.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoff = opts.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulable = opts.podMaxInUnschedulablePodsDurationMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS;
    this.now = opts.now ?? Date.now;
    this.preEnqueue = opts.preEnqueue;
    this.pluginEvents = opts.pluginEvents ?? new Map();
    this.backoffQ = new KeyedHeap<QueuedPodInfo>((p) => p.key, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  }

  /** Starts the periodic flushes (backoffQ every second, unschedulable pods every 30 s). */
  run(): void {
    const a = setInterval(() => this.flushBackoffQCompleted(), 1000);
    const b = setInterval(() => this.flushUnschedulablePodsLeftover(), 30_000);
    a.unref();
    b.unref();
    this.timers.push(a, b);
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const w of this.waiters.splice(0)) w(null);
  }

  get schedulingCycleNumber(): number {
    return this.schedulingCycle;
  }

  /** Durations of backoff per attempt: initial, doubled per further attempt, capped. */
  backoffDuration(attempts: number): number {
    let d = this.initialBackoff;
    for (let i = 1; i < attempts; i++) {
      d *= 2;
      if (d > this.maxBackoff) return this.maxBackoff;
    }
    return d;
  }

  private backoffExpiry(p: QueuedPodInfo): number {
    return p.timestamp + this.backoffDuration(p.attempts);
  }

  private isBackingOff(p: QueuedPodInfo): boolean {
    return p.attempts > 0 && this.backoffExpiry(p) > this.now();
  }

  private newQueued(pod: Pod): QueuedPodInfo {
    return { key: podKey(pod), pod, podInfo: newPodInfo(pod), timestamp: this.now(), attempts: 0, unschedulablePlugins: new Set(), gated: false };
  }

  /** Into activeQ, unless a PreEnqueue plugin holds it back. */
  private moveToActive(p: QueuedPodInfo): void {
    const s = this.preEnqueue?.(p.pod);
    if (s && !s.isSuccess()) {
      p.gated = true;
      this.unschedulable.set(p.key, p);
      return;
    }
    p.gated = false;
    this.unschedulable.delete(p.key);
    this.backoffQ.delete(p.key);
    this.activeQ.push(p);
    this.wake();
  }

  private wake(): void {
    while (this.waiters.length && this.activeQ.size) {
      const p = this.popNow()!;
      this.waiters.shift()!(p);
    }
  }

  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.activeQ.has(key) || this.backoffQ.has(key) || this.unschedulable.has(key) || this.inFlight.has(key)) {
      this.update(pod);
      return;
    }
    this.moveToActive(this.newQueued(pod));
  }

  update(pod: Pod): void {
    const key = podKey(pod);
    const refresh = (p: QueuedPodInfo) => {
      p.pod = pod;
      p.podInfo = newPodInfo(pod);
    };
    const inActive = this.activeQ.get(key);
    if (inActive) {
      refresh(inActive);
      this.activeQ.push(inActive);
      return;
    }
    const inBackoff = this.backoffQ.get(key);
    if (inBackoff) {
      refresh(inBackoff);
      this.backoffQ.push(inBackoff);
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      const specChanged = JSON.stringify(parked.pod.spec) !== JSON.stringify(pod.spec) ||
        JSON.stringify(parked.pod.metadata.labels) !== JSON.stringify(pod.metadata.labels);
      refresh(parked);
      if (parked.gated || specChanged) {
        if (!parked.gated && this.isBackingOff(parked)) {
          this.unschedulable.delete(key);
          this.backoffQ.push(parked);
        } else {
          this.moveToActive(parked);
        }
      }
      return;
    }
    const flying = this.inFlight.get(key);
    if (flying) {
      refresh(flying);
      return;
    }
    this.add(pod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.deleteNominatedPod(pod);
  }

  private popNow(): QueuedPodInfo | undefined {
    const p = this.activeQ.pop();
    if (!p) return undefined;
    p.attempts++;
    p.initialAttemptTimestamp ??= this.now();
    this.schedulingCycle++;
    this.inFlight.set(p.key, p);
    return p;
  }

  /** The next pod to schedule; waits while activeQ is empty. Null once closed. */
  pop(): Promise<QueuedPodInfo | null> {
    if (this.closed) return Promise.resolve(null);
    const p = this.popNow();
    if (p) return Promise.resolve(p);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The scheduling attempt of this pod is over (whatever its result). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * After a failed attempt: to backoffQ when a move request arrived while it was being
   * scheduled (the cluster changed meanwhile) or when it failed with an error, else park it.
   */
  addUnschedulableIfNotPresent(p: QueuedPodInfo, podSchedulingCycle: number, unschedulablePlugins: Iterable<string> = []): void {
    if (this.activeQ.has(p.key) || this.backoffQ.has(p.key) || this.unschedulable.has(p.key)) return;
    p.timestamp = this.now();
    p.unschedulablePlugins = new Set(unschedulablePlugins);
    this.inFlight.delete(p.key);
    if (this.moveRequestCycle >= podSchedulingCycle || p.unschedulablePlugins.size === 0) {
      this.backoffQ.push(p);
    } else {
      this.unschedulable.set(p.key, p);
    }
  }

  /** Backed-off pods whose time is up go to activeQ. */
  flushBackoffQCompleted(): void {
    const now = this.now();
    for (;;) {
      const top = this.backoffQ.peek();
      if (!top || this.backoffExpiry(top) > now) break;
      this.backoffQ.pop();
      this.moveToActive(top);
    }
  }

  /** Pods parked longer than the limit get another try. */
  flushUnschedulablePodsLeftover(): void {
    const now = this.now();
    const due = [...this.unschedulable.values()].filter((p) => !p.gated && now - p.timestamp > this.maxInUnschedulable);
    this.movePods(due);
  }

  /** A cluster event: parked pods that a plugin interested in it rejected are retried. */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    const due: QueuedPodInfo[] = [];
    for (const p of this.unschedulable.values()) {
      if (p.gated) continue;
      if (this.podMatchesEvent(p, event)) due.push(p);
    }
    this.movePods(due);
    this.moveRequestCycle = this.schedulingCycle;
  }

  private podMatchesEvent(p: QueuedPodInfo, event: ClusterEvent): boolean {
    if (p.unschedulablePlugins.size === 0) return true;
    for (const plugin of p.unschedulablePlugins) {
      for (const ev of this.pluginEvents.get(plugin) ?? []) if (eventMatches(ev, event)) return true;
    }
    return false;
  }

  private movePods(pods: QueuedPodInfo[]): void {
    for (const p of pods) {
      this.unschedulable.delete(p.key);
      if (this.isBackingOff(p)) this.backoffQ.push(p);
      else this.moveToActive(p);
    }
  }

  // ---- nominator ----

  addNominatedPod(pi: PodInfo, nodeName: string): void {
    this.deleteNominatedPod(pi.pod);
    this.nominatedNodeOf.set(pi.key, nodeName);
    const list = this.nominatedByNode.get(nodeName) ?? [];
    list.push(pi);
    this.nominatedByNode.set(nodeName, list);
  }

  deleteNominatedPod(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nominatedNodeOf.get(key);
    if (node === undefined) return;
    this.nominatedNodeOf.delete(key);
    const list = (this.nominatedByNode.get(node) ?? []).filter((p) => p.key !== key);
    if (list.length) this.nominatedByNode.set(node, list);
    else this.nominatedByNode.delete(node);
  }

  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    // Asked for every node of every cycle; nominations are rare, so skip hashing the name.
    if (this.nominatedByNode.size === 0) return NO_PODS;
    return this.nominatedByNode.get(nodeName) ?? NO_PODS;
  }

  // ---- introspection (tests, metrics) ----

  pendingPods(): { active: Pod[]; backoff: Pod[]; unschedulable: Pod[] } {
    return {
      active: this.activeQ.values().map((p) => p.pod),
      backoff: this.backoffQ.values().map((p) => p.pod),
      unschedulable: [...this.unschedulable.values()].map((p) => p.pod),
    };
  }
}
