// PodTopologySpread: keeps matching pods spread over topology domains. DoNotSchedule
// constraints filter (skew = pods in this domain + self - global minimum <= maxSkew, with
// minDomains), ScheduleAnyway constraints score (fewer matching pods is better). Pods
// without constraints get the defaults (system: zone maxSkew 3, hostname maxSkew 5,
// ScheduleAnyway) when a controller owns them.

import {
  MAX_NODE_SCORE,
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type Handle,
  type NodeInfo,
  type PreFilterExtensions,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interfaces.ts';
import { podMatchesNodeSelectorAndAffinity } from '../../framework/node-selector.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { NodeMemo } from '../../framework/node-memo.ts';
import { DomainCounts } from './domain-counts.ts';
import { compileSelector, withLabelKeys, type LabelMatcher } from '../../framework/selectors.ts';
import { findUntoleratedTaint } from '../../framework/taints.ts';
import type { Node, Pod, TopologySpreadConstraint } from '../../framework/v1.ts';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + ' (missing required label)';
const HOSTNAME = 'kubernetes.io/hostname';
const PRE_FILTER_KEY = 'PreFilter' + POD_TOPOLOGY_SPREAD;
const PRE_SCORE_KEY = 'PreScore' + POD_TOPOLOGY_SPREAD;

export const SYSTEM_DEFAULT_CONSTRAINTS: TopologySpreadConstraint[] = [
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  defaultingType?: 'System' | 'List';
}

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelMatcher;
  /** Names the selector (with matchLabelKeys resolved), for remembering counts per node. */
  selectorKey: string;
  minDomains: number;
  honorAffinity: boolean;
  honorTaints: boolean;
}

class FilterState {
  constructor(
    readonly constraints: Constraint[],
    /** Per constraint: domain value → matching pods. */
    readonly counts: Map<string, number>[],
  ) {}
  clone(): FilterState {
    return new FilterState(this.constraints, this.counts.map((m) => new Map(m)));
  }
}

function countMatching(pods: PodInfo[], selector: LabelMatcher, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    if (p.pod.metadata.deletionTimestamp) continue;
    if ((p.pod.metadata.namespace ?? 'default') !== namespace) continue;
    if (selector(p.pod.metadata.labels)) n++;
  }
  return n;
}

export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;
  private readonly defaults: TopologySpreadConstraint[];
  private readonly matchingCounts = new NodeMemo<number>();
  private readonly domainCounts = new DomainCounts();

  constructor(
    private readonly handle: Handle,
    args: PodTopologySpreadArgs = {},
  ) {
    this.defaults = args.defaultingType === 'List' ? (args.defaultConstraints ?? []) : SYSTEM_DEFAULT_CONSTRAINTS;
  }

  private build(pod: Pod, when: string): Constraint[] {
    const explicit = pod.spec.topologySpreadConstraints ?? [];
    let list = explicit.filter((c) => c.whenUnsatisfiable === when);
    if (!explicit.length) {
      // Upstream selects the pod's siblings through its Services/ReplicaSets/StatefulSets;
      // pods of one controller share its template labels, so those stand in for them.
      const owned = (pod.metadata.ownerReferences ?? []).some((o) => o.controller);
      const labels = pod.metadata.labels ?? {};
      if (!owned || !Object.keys(labels).length) return [];
      list = this.defaults.filter((c) => c.whenUnsatisfiable === when).map((c) => ({ ...c, labelSelector: { matchLabels: labels } }));
    }
    const labels = pod.metadata.labels ?? {};
    return list.map((c) => ({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector: withLabelKeys(compileSelector(c.labelSelector), pod.metadata.labels, c.matchLabelKeys, undefined),
      selectorKey: JSON.stringify([c.labelSelector ?? null, (c.matchLabelKeys ?? []).map((k) => [k, labels[k] ?? null])]),
      minDomains: c.minDomains ?? 1,
      honorAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
    }));
  }

  private nodeEligible(c: Constraint, pod: Pod, node: Node): boolean {
    if (c.honorAffinity && !podMatchesNodeSelectorAndAffinity(pod, node)) return false;
    if (
      c.honorTaints &&
      findUntoleratedTaint(node.spec?.taints, pod.spec.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
    ) {
      return false;
    }
    return true;
  }

  /** Pods on the node in `namespace` that the constraint's selector matches (remembered per node). */
  private matchingOn(ni: NodeInfo, c: Constraint, namespace: string): number {
    return this.matchingCounts.get(ni, `${namespace}\0${c.selectorKey}`, (n) => countMatching(n.pods, c.selector, namespace));
  }

  /** nodeEligible answers yes for every node: no taint policy, and no node selection to honour. */
  private eligibleOnEveryNode(c: Constraint, pod: Pod): boolean {
    if (c.honorTaints) return false;
    if (!c.honorAffinity) return true;
    const selects = !!(pod.spec.nodeSelector && Object.keys(pod.spec.nodeSelector).length);
    return !selects && !pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  }

  private hasAllKeys(constraints: Constraint[], node: Node | null): boolean {
    const labels = node?.metadata.labels ?? {};
    return constraints.every((c) => c.topologyKey in labels);
  }

  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { status: Status } {
    const constraints = this.build(pod, 'DoNotSchedule');
    if (!constraints.length) return { status: Status.skip() };
    state.write(PRE_FILTER_KEY, new FilterState(constraints, this.podsPerDomain(pod, constraints, nodes, 'filter')));
    return { status: Status.success() };
  }

  /**
   * Per constraint, topology domain → pods its selector matches, over `nodes`; a node
   * lacking one of the keys, or not eligible for a constraint, does not count for it. For
   * 'score', hostname constraints are left out (Score counts those node by node).
   */
  private podsPerDomain(pod: Pod, constraints: Constraint[], nodes: readonly NodeInfo[], purpose: 'filter' | 'score'): Map<string, number>[] {
    const ns = pod.metadata.namespace ?? 'default';
    const everyNodeEligible = constraints.map((c) => this.eligibleOnEveryNode(c, pod));
    const share = (ni: NodeInfo) => {
      const domains: (string | undefined)[] = constraints.map(() => undefined);
      const pods = constraints.map(() => 0);
      if (!ni.node || !this.hasAllKeys(constraints, ni.node)) return { domains, pods };
      const node = ni.node;
      constraints.forEach((c, i) => {
        if (purpose === 'score' && c.topologyKey === HOSTNAME) return;
        if (!everyNodeEligible[i] && !this.nodeEligible(c, pod, node)) return;
        domains[i] = node.metadata.labels![c.topologyKey];
        pods[i] = countMatching(ni.pods, c.selector, ns);
      });
      return { domains, pods };
    };
    if (everyNodeEligible.every(Boolean)) {
      // The usual case: which nodes count does not depend on this pod, so the counts of the
      // last pod with the same constraints are brought up to date instead of recounted.
      const key = `${purpose}\0${ns}\0${constraints.map((c) => `${c.topologyKey}\0${c.selectorKey}`).join('\0\0')}`;
      return this.domainCounts.counts(key, nodes, constraints.length, share);
    }
    const counts = constraints.map(() => new Map<string, number>());
    for (const ni of nodes) {
      const s = share(ni);
      s.domains.forEach((d, i) => {
        if (d !== undefined) counts[i]!.set(d, (counts[i]!.get(d) ?? 0) + s.pods[i]!);
      });
    }
    return counts;
  }

  private update(state: CycleState, pod: Pod, other: PodInfo, nodeInfo: NodeInfo, sign: number): Status {
    const st = state.read<FilterState>(PRE_FILTER_KEY);
    const node = nodeInfo.node;
    if (!st || !node || !this.hasAllKeys(st.constraints, node)) return Status.success();
    if ((other.pod.metadata.namespace ?? 'default') !== (pod.metadata.namespace ?? 'default')) return Status.success();
    st.constraints.forEach((c, i) => {
      if (!this.nodeEligible(c, pod, node) || !c.selector(other.pod.metadata.labels)) return;
      const value = node.metadata.labels![c.topologyKey]!;
      st.counts[i]!.set(value, (st.counts[i]!.get(value) ?? 0) + sign);
    });
    return Status.success();
  }

  preFilterExtensions(): PreFilterExtensions {
    return {
      addPod: (s, p, o, n) => this.update(s, p, o, n, 1),
      removePod: (s, p, o, n) => this.update(s, p, o, n, -1),
    };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const st = state.read<FilterState>(PRE_FILTER_KEY);
    if (!st) return Status.success();
    const node = nodeInfo.node;
    if (!this.hasAllKeys(st.constraints, node)) return Status.unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
    for (let i = 0; i < st.constraints.length; i++) {
      const c = st.constraints[i]!;
      const counts = st.counts[i]!;
      let min = Infinity;
      for (const v of counts.values()) if (v < min) min = v;
      if (min === Infinity || counts.size < c.minDomains) min = 0;
      const self = c.selector(pod.metadata.labels) ? 1 : 0;
      const here = counts.get(node!.metadata.labels![c.topologyKey]!) ?? 0;
      if (here + self - min > c.maxSkew) return Status.unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
    }
    return Status.success();
  }

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    const constraints = this.build(pod, 'ScheduleAnyway');
    if (!constraints.length) return Status.skip();
    const ns = pod.metadata.namespace ?? 'default';
    const ignored = new Set<string>();
    const domains = constraints.map(() => new Set<string>());
    for (const ni of nodes) {
      if (!this.hasAllKeys(constraints, ni.node)) {
        ignored.add(ni.name);
        continue;
      }
      constraints.forEach((c, i) => domains[i]!.add(ni.node!.metadata.labels![c.topologyKey]!));
    }
    // Matching pods over all nodes, in the domains of the nodes being scored.
    const counts = this.podsPerDomain(pod, constraints, this.handle.snapshot().list(), 'score').map((all, i) => {
      const inScored = new Map<string, number>();
      for (const [domain, n] of all) if (domains[i]!.has(domain)) inScored.set(domain, n);
      return inScored;
    });
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : domains[i]!.size) + 2));
    state.write(PRE_SCORE_KEY, { constraints, counts, weights, ignored, ns });
    return Status.success();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const st = state.read<{ constraints: Constraint[]; counts: Map<string, number>[]; weights: number[]; ignored: Set<string>; ns: string }>(PRE_SCORE_KEY);
    if (!st || st.ignored.has(nodeInfo.name)) return 0;
    let score = 0;
    st.constraints.forEach((c, i) => {
      const value = nodeInfo.node!.metadata.labels![c.topologyKey]!;
      const cnt = c.topologyKey === HOSTNAME ? this.matchingOn(nodeInfo, c, st.ns) : (st.counts[i]!.get(value) ?? 0);
      score += cnt * st.weights[i]! + (c.maxSkew - 1) * st.weights[i]!;
    });
    return Math.round(score);
  }

  normalizeScore(state: CycleState, _pod: Pod, nodes: readonly NodeInfo[], scores: number[]): Status {
    const st = state.read<{ ignored: Set<string> }>(PRE_SCORE_KEY);
    if (!st) return Status.success();
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < scores.length; i++) {
      if (st.ignored.has(nodes[i]!.name)) continue;
      min = Math.min(min, scores[i]!);
      max = Math.max(max, scores[i]!);
    }
    for (let i = 0; i < scores.length; i++) {
      if (st.ignored.has(nodes[i]!.name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i]!)) / max);
    }
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: '*' }, { resource: 'Node', action: '*' }];
  }
}
