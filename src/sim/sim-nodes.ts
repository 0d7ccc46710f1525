// Simulated nodes (KWOK-like): many fake kubelets in one process, each acting through the
// API server exactly as a kubelet does — register the Node, renew its Lease in
// kube-node-lease, report Ready status, run the pods bound to it (Running with a podIP from
// the node's podCIDR; finished after `sim.k8ts.io/run-seconds` with
// `sim.k8ts.io/exit-code`, see pod-status.ts) and confirm graceful deletions.
//
// Built to hold thousands of nodes on a small machine: one shared pod informer (all bound
// pods, indexed by node) instead of a watch per node; heartbeats driven by one timer wheel
// that spreads renewals evenly over the interval; every write goes through one bounded
// limiter.

import { isStatusError } from '../api/errors.ts';
import { nowMicroTime, nowRfc3339 } from '../api/meta.ts';
import { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import { DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { Limiter } from './limiter.ts';
import {
  buildNode,
  buildNodeLease,
  intToIpv4,
  ipv4ToInt,
  NODE_LEASE_NAMESPACE,
  readyConditions,
  type NodeLease,
  type SimNode,
  type SimNodeShape,
} from './node-template.ts';
import {
  afterExit,
  crashLoopBackoffMs,
  exitCodeOf,
  exitedStatus,
  runDurationMs,
  runningStatus,
  type Addresses,
  type ContainerHistory,
  type SimPod,
} from './pod-status.ts';

export interface SimNodesOptions {
  client: RestClient;
  /** Nodes start() registers (more can be added with addNodes). Default 0. */
  count?: number;
  /** Node names are `<namePrefix>-<index>`. Default `sim-node`. */
  namePrefix?: string;
  shape?: SimNodeShape;
  /** Pod CIDRs: the index-th /24 of this. Default 10.128.0.0/9 (32,768 nodes). */
  clusterCIDR?: string;
  /** Index of the first node (for several SimNodes sharing a cluster CIDR). Default 0. */
  firstIndex?: number;
  /** Lease renewal period per node (kubelet: 10 s). */
  heartbeatIntervalMs?: number;
  /** Node status is posted this often even when nothing changed (kubelet: 5 min). */
  statusReportIntervalMs?: number;
  /** API requests in flight at most. Default 32. */
  concurrency?: number;
  /** Run pods bound to the nodes (default true); false leaves them Pending, as in scheduler_perf. */
  managePods?: boolean;
  /** Delay between a pod being bound and it being reported Running. Default 0. */
  podStartDelayMs?: number;
  /** How long a graceful deletion takes to be confirmed (capped by the grace period). Default 200 ms. */
  terminationDelayMs?: number;
  log?: (line: string) => void;
}

interface NodeState {
  name: string;
  index: number;
  uid?: string;
  hostIP: string;
  /** First address of the node's /24. */
  cidrBase: number;
  nextHost: number;
  freeHosts: number[];
  lease?: NodeLease;
  slot: number;
  heartbeating: boolean;
  inFlight: boolean;
  lastStatusAt: number;
  readySince: Date;
}

interface PodState {
  uid: string;
  node: NodeState;
  latest: SimPod;
  addr?: Addresses;
  /** Host part of the podIP in the node's /24, when it came from there. */
  host?: number;
  history?: ContainerHistory;
  timer?: NodeJS.Timeout;
  ended: boolean;
  deleting: boolean;
}

const TICK_MS = 100;
const NODE_NAME_INDEX = 'nodeName';

export class SimNodes {
  private readonly opts: Required<Omit<SimNodesOptions, 'log' | 'shape'>> & { shape: SimNodeShape; log: (line: string) => void };
  private readonly client: RestClient;
  private readonly limiter: Limiter;
  private readonly nodes = new Map<string, NodeState>();
  private readonly pods = new Map<string, PodState>();
  private readonly slots: NodeState[][];
  private nextIndex: number;
  private tickCount = 0;
  private ticker: NodeJS.Timeout | undefined;
  private informer: SharedIndexInformer<SimPod> | undefined;
  private stopped = false;
  /** Request counts, for tests and the benchmark. */
  readonly stats = { leaseRenewals: 0, statusReports: 0, podsRunning: 0, podsEnded: 0, deletionsConfirmed: 0, errors: 0 };

  constructor(opts: SimNodesOptions) {
    this.client = opts.client;
    this.opts = {
      client: opts.client,
      count: opts.count ?? 0,
      namePrefix: opts.namePrefix ?? 'sim-node',
      shape: opts.shape ?? {},
      clusterCIDR: opts.clusterCIDR ?? '10.128.0.0/9',
      firstIndex: opts.firstIndex ?? 0,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 10_000,
      statusReportIntervalMs: opts.statusReportIntervalMs ?? 300_000,
      concurrency: opts.concurrency ?? 32,
      managePods: opts.managePods ?? true,
      podStartDelayMs: opts.podStartDelayMs ?? 0,
      terminationDelayMs: opts.terminationDelayMs ?? 200,
      log: opts.log ?? (() => {}),
    };
    this.limiter = new Limiter(this.opts.concurrency);
    this.nextIndex = this.opts.firstIndex;
    this.slots = Array.from({ length: Math.max(1, Math.round(this.opts.heartbeatIntervalMs / TICK_MS)) }, () => []);
  }

  /** Registers the initial nodes, then starts heartbeats and (unless disabled) the pod informer. */
  async start(): Promise<void> {
    await this.ensureLeaseNamespace();
    if (this.opts.count > 0) await this.addNodes(this.opts.count);
    this.ticker = setInterval(() => this.tick(), Math.min(TICK_MS, this.opts.heartbeatIntervalMs));
    this.ticker.unref();
    if (this.opts.managePods) {
      this.informer = new SharedIndexInformer<SimPod>({
        client: this.client,
        resource: resources.pods,
        fieldSelector: 'spec.nodeName!=',
        indexers: { [NODE_NAME_INDEX]: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) },
        onError: (err, during) => this.opts.log(`sim: pod ${during} failed: ${(err as Error)?.message ?? err}`),
      });
      this.informer.addEventHandler({
        onAdd: (p) => this.onPod(p),
        onUpdate: (_old, p) => this.onPod(p),
        onDelete: (p) => this.onPodDeleted(p instanceof DeletedFinalStateUnknown ? p.obj : p),
      });
      this.informer.run();
      await this.informer.waitForSync();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.ticker) clearInterval(this.ticker);
    for (const p of this.pods.values()) if (p.timer) clearTimeout(p.timer);
    this.pods.clear();
    await this.informer?.stop();
  }

  /** Registers `count` more nodes named `<prefix>-<index>`; resolves with their names. */
  async addNodes(count: number, opts: { shape?: SimNodeShape; namePrefix?: string } = {}): Promise<string[]> {
    const names: string[] = [];
    const work: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.nextIndex++;
      const name = `${opts.namePrefix ?? this.opts.namePrefix}-${index}`;
      names.push(name);
      work.push(this.limiter.run(() => this.register(name, index, opts.shape ?? this.opts.shape)));
    }
    await Promise.all(work);
    return names;
  }

  /** Registers one node with a name of the caller's choosing. */
  async addNode(name: string, shape: SimNodeShape = this.opts.shape): Promise<void> {
    const index = this.nextIndex++;
    await this.limiter.run(() => this.register(name, index, shape));
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The node's kubelet "dies": no more lease renewals, status reports or pod updates. */
  stopHeartbeats(name: string): void {
    const n = this.mustGet(name);
    n.heartbeating = false;
    for (const p of this.pods.values()) {
      if (p.node === n && p.timer) {
        clearTimeout(p.timer);
        p.timer = undefined;
      }
    }
  }

  /** The node's kubelet comes back: heartbeats resume and its pods are looked at again. */
  resumeHeartbeats(name: string): void {
    const n = this.mustGet(name);
    if (n.heartbeating) return;
    n.heartbeating = true;
    n.lastStatusAt = 0;
    n.readySince = new Date();
    for (const p of [...this.pods.values()]) if (p.node === n) this.pods.delete(p.uid);
    this.syncNodePods(n);
    this.heartbeat(n);
  }

  isHeartbeating(name: string): boolean {
    return this.mustGet(name).heartbeating;
  }

  private mustGet(name: string): NodeState {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`sim: no simulated node ${name}`);
    return n;
  }

  // ---- registration and heartbeats ----

  private async ensureLeaseNamespace(): Promise<void> {
    try {
      await this.client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NODE_LEASE_NAMESPACE } });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
    }
  }

  private async register(name: string, index: number, shape: SimNodeShape): Promise<void> {
    const now = new Date();
    const body = buildNode(name, index, shape, this.opts.clusterCIDR, now);
    let node: SimNode;
    try {
      node = await this.client.create<SimNode>(resources.nodes, body);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      // A kubelet restarting finds its Node: it takes it over and reports Ready again.
      node = await this.client.patch<SimNode>(resources.nodes, name, 'merge', { status: { conditions: readyConditions(now) } }, { subresource: 'status' });
    }
    const cidr = node.spec?.podCIDR ?? body.spec.podCIDR!;
    const addresses = (node.status?.addresses ?? body.status.addresses) as { type: string; address: string }[];
    const state: NodeState = {
      name,
      index,
      uid: node.metadata.uid,
      hostIP: addresses.find((a) => a.type === 'InternalIP')?.address ?? '',
      cidrBase: ipv4ToInt(cidr.split('/')[0]!),
      nextHost: 2,
      freeHosts: [],
      slot: index % this.slots.length,
      heartbeating: true,
      inFlight: false,
      lastStatusAt: Date.now(),
      readySince: now,
    };
    state.lease = await this.createOrTakeLease(state);
    this.nodes.set(name, state);
    this.slots[state.slot]!.push(state);
    if (this.informer) this.syncNodePods(state);
  }

  private async createOrTakeLease(n: NodeState): Promise<NodeLease> {
    const lease = buildNodeLease(n.name, n.uid);
    try {
      return await this.client.create<NodeLease>(resources.leases, lease, { namespace: NODE_LEASE_NAMESPACE });
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      const current = await this.client.get<NodeLease>(resources.leases, n.name, { namespace: NODE_LEASE_NAMESPACE });
      return this.client.update<NodeLease>(resources.leases, { ...current, spec: { ...current.spec, ...lease.spec } }, { namespace: NODE_LEASE_NAMESPACE });
    }
  }

  /** One timer for all nodes: each tick renews the nodes of one slot of the interval. */
  private tick(): void {
    const slot = this.slots[this.tickCount++ % this.slots.length]!;
    for (const n of slot) if (n.heartbeating && !n.inFlight) this.heartbeat(n);
  }

  private heartbeat(n: NodeState): void {
    n.inFlight = true;
    void this.limiter
      .run(async () => {
        if (this.stopped || !n.heartbeating) return;
        await this.renewLease(n);
        if (Date.now() - n.lastStatusAt >= this.opts.statusReportIntervalMs) await this.reportStatus(n);
      })
      .catch((err) => this.fail(`node ${n.name}: heartbeat`, err))
      .finally(() => {
        n.inFlight = false;
      });
  }

  private async renewLease(n: NodeState): Promise<void> {
    const renewTime = nowMicroTime();
    try {
      if (!n.lease) throw Object.assign(new Error('no lease yet'), { missing: true });
      n.lease = await this.client.update<NodeLease>(resources.leases, { ...n.lease, spec: { ...n.lease.spec, renewTime } }, { namespace: NODE_LEASE_NAMESPACE });
      this.stats.leaseRenewals++;
    } catch (err) {
      // Someone else wrote the lease (or deleted it): start again from what is there.
      if (isStatusError(err, 'Conflict') || isStatusError(err, 'NotFound') || (err as { missing?: boolean }).missing) {
        n.lease = await this.createOrTakeLease(n);
        this.stats.leaseRenewals++;
        return;
      }
      throw err;
    }
  }

  private async reportStatus(n: NodeState): Promise<void> {
    await this.client.patch(resources.nodes, n.name, 'merge', { status: { conditions: readyConditions(new Date(), n.readySince) } }, { subresource: 'status' });
    n.lastStatusAt = Date.now();
    this.stats.statusReports++;
  }

  // ---- pods ----

  private syncNodePods(n: NodeState): void {
    if (!this.informer) return;
    for (const p of this.informer.indexer.byIndex(NODE_NAME_INDEX, n.name)) this.onPod(p);
  }

  private onPod(pod: SimPod): void {
    if (this.stopped) return;
    const node = this.nodes.get(pod.spec.nodeName ?? '');
    const uid = pod.metadata.uid;
    if (!node || !uid || !node.heartbeating) return;
    let st = this.pods.get(uid);
    if (!st) {
      st = { uid, node, latest: pod, ended: false, deleting: false };
      this.pods.set(uid, st);
      this.admit(st);
    }
    st.latest = pod;
    if (pod.metadata.deletionTimestamp && !st.deleting) this.beginTermination(st);
  }

  private onPodDeleted(pod: SimPod): void {
    const uid = pod.metadata.uid;
    const st = uid ? this.pods.get(uid) : undefined;
    if (!st) return;
    if (st.timer) clearTimeout(st.timer);
    if (st.host !== undefined) st.node.freeHosts.push(st.host);
    this.pods.delete(st.uid);
  }

  /** A pod newly seen on one of our nodes: adopt its state if it already ran, else start it. */
  private admit(st: PodState): void {
    const pod = st.latest;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      st.ended = true;
      return;
    }
    if (pod.metadata.deletionTimestamp) return;
    if (phase === 'Running' && pod.status?.podIP) {
      // Already running (the simulator restarted): keep its IP, restart the clock.
      st.addr = { podIP: pod.status.podIP, hostIP: st.node.hostIP };
      const host = ipv4ToInt(pod.status.podIP) - st.node.cidrBase;
      if (host >= 2 && host < 255) {
        st.host = host;
        st.node.freeHosts = st.node.freeHosts.filter((h) => h !== host);
        if (host >= st.node.nextHost) st.node.nextHost = host + 1;
      }
      st.history = { restarts: 0, startedAt: pod.status.startTime ?? nowRfc3339() };
      this.scheduleExit(st);
      return;
    }
    this.later(st, this.opts.podStartDelayMs, () => this.runContainers(st));
  }

  private allocateAddress(st: PodState): Addresses {
    const n = st.node;
    if (st.latest.spec.hostNetwork) return { podIP: n.hostIP, hostIP: n.hostIP };
    let host = n.freeHosts.pop();
    if (host === undefined) {
      if (n.nextHost > 254) throw new Error(`node ${n.name}: pod CIDR exhausted`);
      host = n.nextHost++;
    }
    st.host = host;
    return { podIP: intToIpv4((n.cidrBase + host) >>> 0), hostIP: n.hostIP };
  }

  private async runContainers(st: PodState): Promise<void> {
    st.addr ??= this.allocateAddress(st);
    const restarts = st.history?.restarts ?? 0;
    st.history = { restarts, startedAt: nowRfc3339(), lastExit: st.history?.lastExit };
    await this.writeStatus(st, runningStatus(st.latest, st.addr, st.history));
    if (restarts === 0) this.stats.podsRunning++;
    this.scheduleExit(st);
  }

  private scheduleExit(st: PodState): void {
    const runMs = runDurationMs(st.latest);
    if (runMs === undefined) return;
    this.later(st, runMs, () => this.exit(st));
  }

  private async exit(st: PodState): Promise<void> {
    const history = st.history!;
    const code = exitCodeOf(st.latest);
    const outcome = afterExit(st.latest, code);
    const now = new Date();
    const backoff = outcome === 'restart' ? crashLoopBackoffMs(history.restarts + 1) : 0;
    // An immediate restart is reported by the next Running status (with lastState).
    if (outcome !== 'restart' || backoff > 0) await this.writeStatus(st, exitedStatus(st.latest, st.addr!, history, code, outcome, now, backoff));
    if (outcome !== 'restart') {
      st.ended = true;
      this.stats.podsEnded++;
      return;
    }
    st.history = { restarts: history.restarts + 1, startedAt: history.startedAt, lastExit: { exitCode: code, startedAt: history.startedAt, finishedAt: nowRfc3339(now) } };
    this.later(st, backoff, () => this.runContainers(st));
  }

  /** The kubelet kills the containers, then confirms the deletion with grace period 0. */
  private beginTermination(st: PodState): void {
    st.deleting = true;
    const grace = st.latest.metadata.deletionGracePeriodSeconds ?? st.latest.spec.terminationGracePeriodSeconds ?? 30;
    this.later(st, Math.min(this.opts.terminationDelayMs, grace * 1000), async () => {
      const { name, namespace } = st.latest.metadata;
      try {
        await this.client.delete(resources.pods, name, { namespace, gracePeriodSeconds: 0, preconditions: { uid: st.uid } });
        this.stats.deletionsConfirmed++;
      } catch (err) {
        if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
      }
    });
  }

  /** Runs `fn` after `ms` (through the limiter), unless the pod is gone or its node died by then. */
  private later(st: PodState, ms: number, fn: () => Promise<void>): void {
    if (st.timer) clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      st.timer = undefined;
      if (this.stopped || this.pods.get(st.uid) !== st || !st.node.heartbeating) return;
      void this.limiter.run(fn).catch((err) => this.fail(`pod ${st.latest.metadata.namespace}/${st.latest.metadata.name}`, err));
    }, ms);
  }

  private async writeStatus(st: PodState, status: Record<string, unknown>): Promise<void> {
    if (this.stopped || this.pods.get(st.uid) !== st || (st.deleting && status.phase === 'Running')) return;
    const { name, namespace } = st.latest.metadata;
    try {
      await this.client.patch(resources.pods, name, 'merge', { metadata: { uid: st.uid }, status }, { namespace, subresource: 'status' });
    } catch (err) {
      if (isStatusError(err, 'NotFound') || isStatusError(err, 'Conflict')) return;
      throw err;
    }
  }

  private fail(what: string, err: unknown): void {
    if (this.stopped) return;
    this.stats.errors++;
    this.opts.log(`sim: ${what} failed: ${(err as Error)?.message ?? err}`);
  }
}
