// InterPodAffinity: required pod affinity / anti-affinity of the incoming pod, and the
// required anti-affinity of pods already running against it (Filter, counted per topology
// pair in PreFilter); preferred terms of both sides and existing pods' required affinity
// (weight 1) as Score.

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
import { NodeMemo } from '../../framework/node-memo.ts';
import { newPodInfo, termMatches, type AffinityTerm, type PodInfo } from '../../framework/pod-info.ts';
import type { Node, Pod } from '../../framework/v1.ts';
import { TopologyCounts } from './topology-counts.ts';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
const PRE_FILTER_KEY = 'PreFilter' + INTER_POD_AFFINITY;
const PRE_SCORE_KEY = 'PreScore' + INTER_POD_AFFINITY;

/** The node's value of the topology key, if it has the label. */
function valueOf(node: Node | null, topologyKey: string): string | undefined {
  return node?.metadata.labels?.[topologyKey];
}

class FilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly existingAntiAffinity: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly antiAffinity: TopologyCounts,
  ) {}
  clone(): FilterState {
    return new FilterState(this.podInfo, this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone());
  }
}

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = INTER_POD_AFFINITY;
  private readonly hardPodAffinityWeight: number;
  /** Per node: how many of its pods match a term (or every term of a list), by the terms' keys. */
  private readonly matchingCounts = new NodeMemo<number>();

  constructor(
    private readonly handle: Handle,
    args: InterPodAffinityArgs = {},
  ) {
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
  }

  private matches(term: AffinityTerm, pod: Pod): boolean {
    return termMatches(term, pod, this.handle.lookup.namespaceLabels);
  }

  /** Counts `existing` (on `node`) contributes to the incoming pod's state, times `sign`. */
  private account(st: FilterState, existing: PodInfo, node: Node | null, sign: number): void {
    const pod = st.podInfo.pod;
    for (const term of existing.requiredAntiAffinity) {
      const v = valueOf(node, term.topologyKey);
      if (v !== undefined && this.matches(term, pod)) st.existingAntiAffinity.add(term.topologyKey, v, sign);
    }
    const aff = st.podInfo.requiredAffinity;
    if (aff.length && aff.every((t) => this.matches(t, existing.pod))) {
      for (const t of aff) {
        const v = valueOf(node, t.topologyKey);
        if (v !== undefined) st.affinity.add(t.topologyKey, v, sign);
      }
    }
    for (const t of st.podInfo.requiredAntiAffinity) {
      const v = valueOf(node, t.topologyKey);
      if (v !== undefined && this.matches(t, existing.pod)) st.antiAffinity.add(t.topologyKey, v, sign);
    }
  }

  /**
   * Counts, per node, the pods that match every term in `terms`, remembered while the node
   * does not change (unless a term has a namespaceSelector). Made once per pod, used per node.
   */
  private matchingAllCounter(terms: AffinityTerm[]): (ni: NodeInfo) => number {
    const count = (n: NodeInfo) => {
      let c = 0;
      for (const existing of n.pods) if (terms.every((t) => this.matches(t, existing.pod))) c++;
      return c;
    };
    if (terms.some((t) => !t.key)) return count;
    const key = terms.map((t) => t.key).join('\0');
    return (ni) => this.matchingCounts.get(ni, key, count);
  }

  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { status: Status } {
    const pi = newPodInfo(pod);
    const st = new FilterState(pi, new TopologyCounts(), new TopologyCounts(), new TopologyCounts());
    const snapshot = this.handle.snapshot();
    const needAll = pi.requiredAffinity.length > 0 || pi.requiredAntiAffinity.length > 0;
    const withAnti = snapshot.havePodsWithRequiredAntiAffinityList();
    if (!needAll && !withAnti.length) return { status: Status.skip() };
    for (const ni of withAnti) {
      for (const existing of ni.podsWithRequiredAntiAffinity) {
        for (const term of existing.requiredAntiAffinity) {
          const v = valueOf(ni.node, term.topologyKey);
          if (v !== undefined && this.matches(term, pod)) st.existingAntiAffinity.add(term.topologyKey, v, 1);
        }
      }
    }
    if (needAll) {
      // Per node, the number of its pods matching the terms; what does not depend on the
      // node is worked out once, before the loop over every node.
      const aff = pi.requiredAffinity;
      const affCount = this.matchingAllCounter(aff);
      const anti = pi.requiredAntiAffinity.map((t) => ({ term: t, count: this.matchingAllCounter([t]) }));
      for (const ni of nodes) {
        if (!ni.pods.length) continue;
        if (aff.length) {
          const n = affCount(ni);
          if (n > 0) {
            for (const t of aff) {
              const v = valueOf(ni.node, t.topologyKey);
              if (v !== undefined) st.affinity.add(t.topologyKey, v, n);
            }
          }
        }
        for (const a of anti) {
          const v = valueOf(ni.node, a.term.topologyKey);
          if (v === undefined) continue;
          const n = a.count(ni);
          if (n > 0) st.antiAffinity.add(a.term.topologyKey, v, n);
        }
      }
    }
    state.write(PRE_FILTER_KEY, st);
    return { status: Status.success() };
  }

  preFilterExtensions(): PreFilterExtensions {
    return {
      addPod: (state, _pod, added, nodeInfo) => {
        const st = state.read<FilterState>(PRE_FILTER_KEY);
        if (st) this.account(st, added, nodeInfo.node, 1);
        return Status.success();
      },
      removePod: (state, _pod, removed, nodeInfo) => {
        const st = state.read<FilterState>(PRE_FILTER_KEY);
        if (st) this.account(st, removed, nodeInfo.node, -1);
        return Status.success();
      },
    };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const st = state.read<FilterState>(PRE_FILTER_KEY);
    if (!st) return Status.success();
    const node = nodeInfo.node;
    const aff = st.podInfo.requiredAffinity;
    if (aff.length) {
      let ok = true;
      for (const t of aff) {
        const v = valueOf(node, t.topologyKey);
        if (v === undefined || st.affinity.get(t.topologyKey, v) <= 0) {
          ok = false;
          break;
        }
      }
      // No pod anywhere matches: allowed when the pod matches its own terms (the first of a group).
      if (!ok) {
        const selfMatch = st.affinity.size === 0 && aff.every((t) => this.matches(t, pod) && valueOf(node, t.topologyKey) !== undefined);
        if (!selfMatch) return Status.unresolvable(ERR_REASON_AFFINITY);
      }
    }
    for (const t of st.podInfo.requiredAntiAffinity) {
      const v = valueOf(node, t.topologyKey);
      if (v !== undefined && st.antiAffinity.get(t.topologyKey, v) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (st.existingAntiAffinity.size && st.existingAntiAffinity.anyPositiveFor(node?.metadata.labels)) {
      return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
    }
    return Status.success();
  }

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    const pi = newPodInfo(pod);
    const snapshot = this.handle.snapshot();
    const hasPreferred = pi.preferredAffinity.length > 0 || pi.preferredAntiAffinity.length > 0;
    const source = hasPreferred ? snapshot.list() : snapshot.havePodsWithAffinityList();
    if (!source.length) return Status.skip();
    const scores = new TopologyCounts();
    for (const ni of source) {
      const node = ni.node;
      const list = hasPreferred ? ni.pods : ni.podsWithAffinity;
      for (const existing of list) {
        for (const t of pi.preferredAffinity) {
          const v = valueOf(node, t.topologyKey);
          if (v !== undefined && this.matches(t, existing.pod)) scores.add(t.topologyKey, v, t.weight);
        }
        for (const t of pi.preferredAntiAffinity) {
          const v = valueOf(node, t.topologyKey);
          if (v !== undefined && this.matches(t, existing.pod)) scores.add(t.topologyKey, v, -t.weight);
        }
        if (this.hardPodAffinityWeight > 0) {
          for (const t of existing.requiredAffinity) {
            const v = valueOf(node, t.topologyKey);
            if (v !== undefined && this.matches(t, pod)) scores.add(t.topologyKey, v, this.hardPodAffinityWeight);
          }
        }
        for (const t of existing.preferredAffinity) {
          const v = valueOf(node, t.topologyKey);
          if (v !== undefined && this.matches(t, pod)) scores.add(t.topologyKey, v, t.weight);
        }
        for (const t of existing.preferredAntiAffinity) {
          const v = valueOf(node, t.topologyKey);
          if (v !== undefined && this.matches(t, pod)) scores.add(t.topologyKey, v, -t.weight);
        }
      }
    }
    if (!scores.size && nodes.length) return Status.skip();
    state.write(PRE_SCORE_KEY, scores);
    return Status.success();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    return state.read<TopologyCounts>(PRE_SCORE_KEY)?.sumFor(nodeInfo.node?.metadata.labels) ?? 0;
  }

  normalizeScore(_state: CycleState, _pod: Pod, _nodes: readonly NodeInfo[], scores: number[]): Status {
    let min = Infinity;
    let max = -Infinity;
    for (const s of scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    const diff = max - min;
    for (let i = 0; i < scores.length; i++) scores[i] = diff > 0 ? Math.trunc((MAX_NODE_SCORE * (scores[i]! - min)) / diff) : 0;
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: '*' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
