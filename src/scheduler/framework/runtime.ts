// Runs a profile's plugins, in order, at each extension point, and the scheduling
// algorithm around them (upstream frameworkImpl + schedulePod): PreFilter, Filter over a
// share of the nodes starting where the last pod stopped, PostFilter when none fit,
// PreScore/Score/NormalizeScore weighted to a total, and the highest total with a random
// tie-break. Knows no plugin by name: the registry builds them, their shape says where
// they run.

import {
  hasEvents,
  isBind,
  isFilter,
  isPermit,
  isPostBind,
  isPostFilter,
  isPreBind,
  isPreEnqueue,
  isPreFilter,
  isPreScore,
  isReserve,
  isScore,
  MAX_NODE_SCORE,
  type BindPlugin,
  type ClusterEvent,
  type ClusterLookup,
  type FilterPlugin,
  type Handle,
  type NodeInfoLister,
  type PermitPlugin,
  type Plugin,
  type PluginFactory,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreEnqueuePlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ReservePlugin,
  type ScorePlugin,
} from './interfaces.ts';
import { CycleState } from './cycle-state.ts';
import { fitErrorMessage, type Diagnosis } from './fit-error.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import type { ExtensionPoint, PluginRef, Profile } from './profile.ts';
import { Code, Status } from './status.ts';
import { podKey, podPriority, type Pod } from './v1.ts';

export type Registry = Map<string, PluginFactory>;

/** Upstream: below 100 nodes all are checked; the adaptive share never drops below 5 %. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

export function numFeasibleNodesToFind(percentageOfNodesToScore: number | undefined, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let pct = percentageOfNodesToScore ?? 0;
  if (pct >= 100) return numAllNodes;
  if (pct <= 0) {
    pct = Math.trunc(50 - numAllNodes / 125);
    if (pct < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) pct = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

export interface FrameworkDeps {
  snapshot: () => NodeInfoLister;
  lookup: ClusterLookup;
  nominatedPodsForNode: (nodeName: string) => readonly PodInfo[];
  /** Global percentageOfNodesToScore (a profile's own value wins). */
  percentageOfNodesToScore?: number;
  random?: () => number;
}

export type ScheduleResult =
  | { kind: 'scheduled'; node: string; evaluatedNodes: number; feasibleNodes: number }
  | { kind: 'unschedulable'; message: string; diagnosis: Diagnosis; numAllNodes: number; postFilter?: PostFilterResult }
  | { kind: 'error'; message: string };

interface WaitingPod {
  resolve: (s: Status) => void;
  timer: NodeJS.Timeout;
}

export class Framework {
  readonly profileName: string;
  private readonly plugins = new Map<string, Plugin>();
  readonly preEnqueue: PreEnqueuePlugin[];
  private readonly preFilter: PreFilterPlugin[];
  private readonly filter: FilterPlugin[];
  private readonly postFilter: PostFilterPlugin[];
  private readonly preScore: PreScorePlugin[];
  private readonly score: { plugin: ScorePlugin; weight: number }[];
  private readonly reserve: ReservePlugin[];
  private readonly permit: PermitPlugin[];
  private readonly preBind: PreBindPlugin[];
  private readonly bind: BindPlugin[];
  private readonly postBind: PostBindPlugin[];
  private readonly percentage: number | undefined;
  private readonly random: () => number;
  private nextStartNodeIndex = 0;
  private readonly waiting = new Map<string, WaitingPod>();
  readonly handle: Handle;

  constructor(
    private readonly profile: Profile,
    registry: Registry,
    private readonly deps: FrameworkDeps,
  ) {
    this.profileName = profile.schedulerName;
    this.percentage = profile.percentageOfNodesToScore || deps.percentageOfNodesToScore;
    this.random = deps.random ?? Math.random;
    this.handle = {
      snapshot: deps.snapshot,
      lookup: deps.lookup,
      nominatedPodsForNode: deps.nominatedPodsForNode,
      runFilterWithNominatedPods: (s, p, n) => this.runFilterWithNominatedPods(s, p, n),
      runPreFilterExtensionAddPod: (s, p, a, n) => this.runPreFilterExtension(s, p, a, n, 'add'),
      runPreFilterExtensionRemovePod: (s, p, r, n) => this.runPreFilterExtension(s, p, r, n, 'remove'),
    };
    const args = new Map(profile.pluginConfig.map((c) => [c.name, c.args]));
    const get = (name: string): Plugin => {
      let p = this.plugins.get(name);
      if (p) return p;
      const factory = registry.get(name);
      if (!factory) throw new Error(`profile ${profile.schedulerName}: plugin "${name}" does not exist`);
      p = factory(args.get(name), this.handle);
      this.plugins.set(name, p);
      return p;
    };
    const at = <T extends Plugin>(point: ExtensionPoint, is: (p: Plugin) => p is T): { plugin: T; ref: PluginRef }[] => {
      const out: { plugin: T; ref: PluginRef }[] = [];
      for (const ref of this.enabledAt(point, (name) => is(get(name)))) {
        const p = get(ref.name);
        if (!is(p)) throw new Error(`profile ${profile.schedulerName}: plugin "${ref.name}" does not extend ${point}`);
        out.push({ plugin: p, ref });
      }
      return out;
    };
    this.preEnqueue = at('preEnqueue', isPreEnqueue).map((x) => x.plugin);
    this.preFilter = at('preFilter', isPreFilter).map((x) => x.plugin);
    this.filter = at('filter', isFilter).map((x) => x.plugin);
    this.postFilter = at('postFilter', isPostFilter).map((x) => x.plugin);
    this.preScore = at('preScore', isPreScore).map((x) => x.plugin);
    this.score = at('score', isScore).map((x) => ({ plugin: x.plugin, weight: x.ref.weight || 1 }));
    this.reserve = at('reserve', isReserve).map((x) => x.plugin);
    this.permit = at('permit', isPermit).map((x) => x.plugin);
    this.preBind = at('preBind', isPreBind).map((x) => x.plugin);
    this.bind = at('bind', isBind).map((x) => x.plugin);
    this.postBind = at('postBind', isPostBind).map((x) => x.plugin);
    if (!this.bind.length) throw new Error(`profile ${profile.schedulerName}: at least one bind plugin is needed`);
  }

  /** Plugins at one point: those named there first, then multiPoint ones that fit it. */
  private enabledAt(point: ExtensionPoint, implementsPoint: (name: string) => boolean): PluginRef[] {
    const set = this.profile.plugins[point];
    const disabled = new Set((set?.disabled ?? []).map((d) => d.name));
    const out: PluginRef[] = [];
    const seen = new Set<string>();
    for (const ref of set?.enabled ?? []) {
      if (seen.has(ref.name)) continue;
      seen.add(ref.name);
      out.push(ref);
    }
    if (point === 'queueSort') return out;
    for (const ref of this.profile.plugins.multiPoint?.enabled ?? []) {
      if (seen.has(ref.name) || disabled.has('*') || disabled.has(ref.name)) continue;
      if (!implementsPoint(ref.name)) continue;
      seen.add(ref.name);
      out.push(ref);
    }
    return out;
  }

  pluginNames(point: 'filter' | 'score' | 'preFilter' | 'postFilter' | 'bind' | 'reserve' | 'preScore'): string[] {
    const list: Plugin[] =
      point === 'score' ? this.score.map((s) => s.plugin) : (this as unknown as Record<string, Plugin[]>)[point]!;
    return list.map((p) => p.name);
  }

  scoreWeights(): Map<string, number> {
    return new Map(this.score.map((s) => [s.plugin.name, s.weight]));
  }

  /** plugin name → the cluster events that may make pods it rejected schedulable. */
  eventsToRegister(): Map<string, ClusterEvent[]> {
    const out = new Map<string, ClusterEvent[]>();
    for (const p of this.plugins.values()) if (hasEvents(p)) out.set(p.name, p.eventsToRegister());
    return out;
  }

  runPreEnqueue(pod: Pod): Status {
    for (const p of this.preEnqueue) {
      const s = p.preEnqueue(pod);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  runPreFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result: Set<string> | null; status: Status; resultPlugins: string[] } {
    let result: Set<string> | null = null;
    const resultPlugins: string[] = [];
    for (const p of this.preFilter) {
      const r = p.preFilter(state, pod, nodes);
      if (r.status.isSkip()) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (!r.status.isSuccess()) return { result, status: r.status.withPlugin(p.name), resultPlugins };
      if (r.result) {
        resultPlugins.push(p.name);
        const narrowed: Set<string> = r.result;
        result = result ? new Set<string>([...result].filter((n: string) => narrowed.has(n))) : narrowed;
        if (!result.size) {
          const msg = `node(s) didn't satisfy plugin(s) [${resultPlugins.join(' ')}] simultaneously`;
          return { result, status: Status.unresolvable(msg).withPlugin(p.name), resultPlugins };
        }
      }
    }
    return { result, status: Status.success(), resultPlugins };
  }

  runPreFilterExtension(state: CycleState, pod: Pod, other: PodInfo, nodeInfo: NodeInfo, op: 'add' | 'remove'): Status {
    for (const p of this.preFilter) {
      if (state.skipFilterPlugins.has(p.name)) continue;
      const ext = p.preFilterExtensions?.();
      if (!ext) continue;
      const s = op === 'add' ? ext.addPod(state, pod, other, nodeInfo) : ext.removePod(state, pod, other, nodeInfo);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  runFilter(state: CycleState, pod: Pod, nodeInfo: NodeInfo, filters = this.activeFilters(state)): Status {
    for (const p of filters) {
      const s = p.filter(state, pod, nodeInfo);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  /** The Filter plugins that PreFilter did not skip (computed once per node loop, not per node). */
  private activeFilters(state: CycleState): FilterPlugin[] {
    if (!state.skipFilterPlugins.size) return this.filter;
    return this.filter.filter((p) => !state.skipFilterPlugins.has(p.name));
  }

  /**
   * As upstream: filter once with higher-or-equal priority pods nominated to the node
   * added (so this pod does not take room preemption made for them), and once without.
   */
  runFilterWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo, filters = this.activeFilters(state)): Status {
    const nominated = this.deps.nominatedPodsForNode(nodeInfo.name);
    if (nominated.length) {
      const key = podKey(pod);
      const prio = podPriority(pod);
      const relevant = nominated.filter((pi) => pi.key !== key && podPriority(pi.pod) >= prio);
      if (relevant.length) {
        const ni = nodeInfo.clone();
        const st = state.clone();
        for (const pi of relevant) {
          ni.addPod(pi);
          const s = this.runPreFilterExtension(st, pod, pi, ni, 'add');
          if (!s.isSuccess()) return s;
        }
        const s = this.runFilter(st, pod, ni);
        if (!s.isSuccess()) return s;
      }
    }
    return this.runFilter(state, pod, nodeInfo, filters);
  }

  runPostFilter(state: CycleState, pod: Pod, statuses: Map<string, Status>): { result?: PostFilterResult; status: Status } {
    let last: { result?: PostFilterResult; status: Status } = { status: Status.unschedulable() };
    const messages: string[] = [];
    for (const p of this.postFilter) {
      const r = p.postFilter(state, pod, statuses);
      if (r.status.isSuccess()) return r;
      if (r.status.code === Code.Error) return { status: r.status.withPlugin(p.name) };
      if (r.status.message()) messages.push(r.status.message());
      last = r;
    }
    return { result: last.result, status: new Status(last.status.code, messages) };
  }

  runPreScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    for (const p of this.preScore) {
      const s = p.preScore(state, pod, nodes);
      if (s.isSkip()) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  /** Weighted sum of normalized scores per node: totals[i] is nodes[i]'s. */
  runScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): { totals: number[]; status: Status } {
    const totals = new Array<number>(nodes.length).fill(0);
    const scores = new Array<number>(nodes.length).fill(0);
    for (const { plugin, weight } of this.score) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      try {
        for (let i = 0; i < nodes.length; i++) scores[i] = plugin.score(state, pod, nodes[i]!);
      } catch (err) {
        return { totals, status: Status.error(`plugin "${plugin.name}" failed to score: ${(err as Error)?.message ?? err}`).withPlugin(plugin.name) };
      }
      if (plugin.normalizeScore) {
        const s = plugin.normalizeScore(state, pod, nodes, scores);
        if (!s.isSuccess()) return { totals, status: s.withPlugin(plugin.name) };
      }
      for (let i = 0; i < scores.length; i++) {
        const v = scores[i]!;
        if (v > MAX_NODE_SCORE || v < 0) {
          return { totals, status: Status.error(`plugin "${plugin.name}" returns an invalid score ${v}`) };
        }
        totals[i]! += v * weight;
      }
    }
    return { totals, status: Status.success() };
  }

  runReserve(state: CycleState, pod: Pod, nodeName: string): Status {
    for (const p of this.reserve) {
      const s = p.reserve(state, pod, nodeName);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  runUnreserve(state: CycleState, pod: Pod, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) this.reserve[i]!.unreserve(state, pod, nodeName);
  }

  /** Success, a rejection, or Wait (then waitOnPermit decides). */
  runPermit(state: CycleState, pod: Pod, nodeName: string): Status {
    let maxTimeout = 0;
    for (const p of this.permit) {
      const { status, timeoutMs } = p.permit(state, pod, nodeName);
      if (status.code === Code.Wait) {
        maxTimeout = Math.max(maxTimeout, timeoutMs ?? 0);
        continue;
      }
      if (!status.isSuccess()) return status.withPlugin(p.name);
    }
    if (maxTimeout > 0) {
      const key = podKey(pod);
      const promise = new Promise<Status>((resolve) => {
        const timer = setTimeout(() => {
          this.waiting.delete(key);
          resolve(Status.unschedulable('rejected due to timeout after waiting at permit'));
        }, maxTimeout);
        this.waiting.set(key, { resolve, timer });
      });
      this.permitWaits.set(key, promise);
      return new Status(Code.Wait);
    }
    return Status.success();
  }

  private readonly permitWaits = new Map<string, Promise<Status>>();

  async waitOnPermit(pod: Pod): Promise<Status> {
    const key = podKey(pod);
    const p = this.permitWaits.get(key);
    if (!p) return Status.success();
    const s = await p;
    this.permitWaits.delete(key);
    return s;
  }

  /** Lets (or rejects) a pod waiting at Permit through. */
  resolveWaitingPod(podKeyValue: string, status: Status): boolean {
    const w = this.waiting.get(podKeyValue);
    if (!w) return false;
    clearTimeout(w.timer);
    this.waiting.delete(podKeyValue);
    w.resolve(status);
    return true;
  }

  async runPreBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.preBind) {
      const s = await p.preBind(state, pod, nodeName);
      if (!s.isSuccess()) return s.withPlugin(p.name);
    }
    return Status.success();
  }

  async runBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    for (const p of this.bind) {
      const s = await p.bind(state, pod, nodeName);
      if (s.isSkip()) continue;
      return s.withPlugin(p.name);
    }
    return Status.error('no bind plugin bound the pod');
  }

  runPostBind(state: CycleState, pod: Pod, nodeName: string): void {
    for (const p of this.postBind) p.postBind(state, pod, nodeName);
  }

  /** The scheduling algorithm for one pod against the current snapshot. */
  schedule(state: CycleState, pod: Pod): ScheduleResult {
    const snapshot = this.deps.snapshot();
    const all = snapshot.list();
    if (!all.length) return { kind: 'error', message: 'no nodes available to schedule pods' };
    const diagnosis: Diagnosis = { nodeToStatus: new Map(), unschedulablePlugins: new Set() };

    const pre = this.runPreFilter(state, pod, all);
    if (!pre.status.isSuccess()) {
      if (pre.status.code === Code.Error) return { kind: 'error', message: pre.status.message() };
      diagnosis.preFilterMsg = pre.status.message();
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      for (const n of all) diagnosis.nodeToStatus.set(n.name, pre.status);
      return this.unschedulable(state, pod, diagnosis, all.length);
    }

    let candidates = all;
    if (pre.result) {
      candidates = [];
      for (const name of pre.result) {
        const n = snapshot.get(name);
        if (n?.node) candidates.push(n);
      }
      diagnosis.absentNodesStatus = Status.unresolvable(`node(s) didn't satisfy plugin(s) [${pre.resultPlugins.join(' ')}]`);
    }

    const feasible = this.findFeasible(state, pod, candidates, diagnosis);
    if (feasible.error) return { kind: 'error', message: feasible.error };
    if (!feasible.nodes.length) return this.unschedulable(state, pod, diagnosis, all.length);
    if (feasible.nodes.length === 1) {
      return { kind: 'scheduled', node: feasible.nodes[0]!.name, evaluatedNodes: feasible.processed, feasibleNodes: 1 };
    }
    const preScore = this.runPreScore(state, pod, feasible.nodes);
    if (!preScore.isSuccess()) return { kind: 'error', message: preScore.message() };
    const scored = this.runScore(state, pod, feasible.nodes);
    if (!scored.status.isSuccess()) return { kind: 'error', message: scored.status.message() };
    return {
      kind: 'scheduled',
      node: this.selectHost(feasible.nodes, scored.totals),
      evaluatedNodes: feasible.processed + diagnosis.nodeToStatus.size,
      feasibleNodes: feasible.nodes.length,
    };
  }

  private unschedulable(state: CycleState, pod: Pod, diagnosis: Diagnosis, numAllNodes: number): ScheduleResult {
    for (const s of diagnosis.nodeToStatus.values()) if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
    let postFilter: PostFilterResult | undefined;
    if (this.postFilter.length) {
      const r = this.runPostFilter(state, pod, diagnosis.nodeToStatus);
      if (r.status.isSuccess() && r.result) postFilter = r.result;
      else if (r.status.message()) diagnosis.postFilterMsg = r.status.message();
    }
    return { kind: 'unschedulable', message: fitErrorMessage(numAllNodes, diagnosis), diagnosis, numAllNodes, postFilter };
  }

  private findFeasible(
    state: CycleState,
    pod: Pod,
    nodes: NodeInfo[],
    diagnosis: Diagnosis,
  ): { nodes: NodeInfo[]; processed: number; error?: string } {
    const want = numFeasibleNodesToFind(this.percentage, nodes.length);
    const feasible: NodeInfo[] = [];
    if (!this.filter.length) {
      for (let i = 0; i < want; i++) feasible.push(nodes[(this.nextStartNodeIndex + i) % nodes.length]!);
      this.nextStartNodeIndex = (this.nextStartNodeIndex + feasible.length) % nodes.length;
      return { nodes: feasible, processed: feasible.length };
    }
    const start = this.nextStartNodeIndex % nodes.length;
    const filters = this.activeFilters(state);
    let processed = 0;
    for (let i = 0; i < nodes.length && feasible.length < want; i++) {
      const ni = nodes[(start + i) % nodes.length]!;
      processed++;
      const s = this.runFilterWithNominatedPods(state, pod, ni, filters);
      if (s.isSuccess()) feasible.push(ni);
      else if (s.code === Code.Error) return { nodes: [], processed, error: s.message() };
      else diagnosis.nodeToStatus.set(ni.name, s);
    }
    this.nextStartNodeIndex = (start + processed) % nodes.length;
    return { nodes: feasible, processed };
  }

  /** Highest total; ties broken uniformly at random (reservoir sampling, as upstream). */
  private selectHost(nodes: readonly NodeInfo[], totals: number[]): string {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < totals.length; i++) {
      if (totals[i]! > totals[best]!) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return nodes[best]!.name;
  }
}
