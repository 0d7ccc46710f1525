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
import { newPodInfo, termMatches, type AffinityTerm, type PodInfo } from '../../framework/pod-info.ts';
import type { Node, Pod } from '../../framework/v1.ts';

export const INTER_POD_AFFINITY = 'InterPodAffinity';
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
const PRE_FILTER_KEY = 'PreFilter' + INTER_POD_AFFINITY;
const PRE_SCORE_KEY = 'PreScore' + INTER_POD_AFFINITY;

type Counts = Map<string, number>;

function add(c: Counts, key: string, n: number): void {
  const v = (c.get(key) ?? 0) + n;
  if (v === 0) c.delete(key);
  else c.set(key, v);
}

function pairOf(node: Node | null, topologyKey: string): string | undefined {
  const v = node?.metadata.labels?.[topologyKey];
  return v === undefined ? undefined : `${topologyKey}=${v}`;
}

class FilterState {
  constructor(
    readonly podInfo: PodInfo,
    readonly existingAntiAffinity: Counts,
    readonly affinity: Counts,
    readonly antiAffinity: Counts,
  ) {}
  clone(): FilterState {
    return new FilterState(this.podInfo, new Map(this.existingAntiAffinity), new Map(this.affinity), new Map(this.antiAffinity));
  }
}

export interface InterPodAffinityArgs {
  hardPodAffinityWeight?: number;
}

export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = INTER_POD_AFFINITY;
  private readonly hardPodAffinityWeight: number;

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
      const pair = pairOf(node, term.topologyKey);
      if (pair && this.matches(term, pod)) add(st.existingAntiAffinity, pair, sign);
    }
    const aff = st.podInfo.requiredAffinity;
    if (aff.length && aff.every((t) => this.matches(t, existing.pod))) {
      for (const t of aff) {
        const pair = pairOf(node, t.topologyKey);
        if (pair) add(st.affinity, pair, sign);
      }
    }
    for (const t of st.podInfo.requiredAntiAffinity) {
      const pair = pairOf(node, t.topologyKey);
      if (pair && this.matches(t, existing.pod)) add(st.antiAffinity, pair, sign);
    }
  }

  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { status: Status } {
    const pi = newPodInfo(pod);
    const st = new FilterState(pi, new Map(), new Map(), new Map());
    const snapshot = this.handle.snapshot();
    const needAll = pi.requiredAffinity.length > 0 || pi.requiredAntiAffinity.length > 0;
    const withAnti = snapshot.havePodsWithRequiredAntiAffinityList();
    if (!needAll && !withAnti.length) return { status: Status.skip() };
    for (const ni of withAnti) {
      for (const existing of ni.podsWithRequiredAntiAffinity) {
        for (const term of existing.requiredAntiAffinity) {
          const pair = pairOf(ni.node, term.topologyKey);
          if (pair && this.matches(term, pod)) add(st.existingAntiAffinity, pair, 1);
        }
      }
    }
    if (needAll) {
      for (const ni of nodes) {
        for (const existing of ni.pods) {
          const aff = pi.requiredAffinity;
          if (aff.length && aff.every((t) => this.matches(t, existing.pod))) {
            for (const t of aff) {
              const pair = pairOf(ni.node, t.topologyKey);
              if (pair) add(st.affinity, pair, 1);
            }
          }
          for (const t of pi.requiredAntiAffinity) {
            const pair = pairOf(ni.node, t.topologyKey);
            if (pair && this.matches(t, existing.pod)) add(st.antiAffinity, pair, 1);
          }
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
        const pair = pairOf(node, t.topologyKey);
        if (!pair || (st.affinity.get(pair) ?? 0) <= 0) {
          ok = false;
          break;
        }
      }
      // No pod anywhere matches: allowed when the pod matches its own terms (the first of a group).
      if (!ok) {
        const selfMatch = st.affinity.size === 0 && aff.every((t) => this.matches(t, pod) && pairOf(node, t.topologyKey));
        if (!selfMatch) return Status.unresolvable(ERR_REASON_AFFINITY);
      }
    }
    for (const t of st.podInfo.requiredAntiAffinity) {
      const pair = pairOf(node, t.topologyKey);
      if (pair && (st.antiAffinity.get(pair) ?? 0) > 0) return Status.unschedulable(ERR_REASON_ANTI_AFFINITY);
    }
    if (st.existingAntiAffinity.size) {
      for (const [k, v] of Object.entries(node?.metadata.labels ?? {})) {
        if ((st.existingAntiAffinity.get(`${k}=${v}`) ?? 0) > 0) return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      }
    }
    return Status.success();
  }

  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status {
    const pi = newPodInfo(pod);
    const snapshot = this.handle.snapshot();
    const hasPreferred = pi.preferredAffinity.length > 0 || pi.preferredAntiAffinity.length > 0;
    const source = hasPreferred ? snapshot.list() : snapshot.havePodsWithAffinityList();
    if (!source.length) return Status.skip();
    const scores: Counts = new Map();
    for (const ni of source) {
      const node = ni.node;
      const list = hasPreferred ? ni.pods : ni.podsWithAffinity;
      for (const existing of list) {
        for (const t of pi.preferredAffinity) {
          const pair = pairOf(node, t.topologyKey);
          if (pair && this.matches(t, existing.pod)) add(scores, pair, t.weight);
        }
        for (const t of pi.preferredAntiAffinity) {
          const pair = pairOf(node, t.topologyKey);
          if (pair && this.matches(t, existing.pod)) add(scores, pair, -t.weight);
        }
        if (this.hardPodAffinityWeight > 0) {
          for (const t of existing.requiredAffinity) {
            const pair = pairOf(node, t.topologyKey);
            if (pair && this.matches(t, pod)) add(scores, pair, this.hardPodAffinityWeight);
          }
        }
        for (const t of existing.preferredAffinity) {
          const pair = pairOf(node, t.topologyKey);
          if (pair && this.matches(t, pod)) add(scores, pair, t.weight);
        }
        for (const t of existing.preferredAntiAffinity) {
          const pair = pairOf(node, t.topologyKey);
          if (pair && this.matches(t, pod)) add(scores, pair, -t.weight);
        }
      }
    }
    if (!scores.size && nodes.length) return Status.skip();
    state.write(PRE_SCORE_KEY, scores);
    return Status.success();
  }

  score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
    const scores = state.read<Counts>(PRE_SCORE_KEY);
    let total = 0;
    if (scores) for (const [k, v] of Object.entries(nodeInfo.node?.metadata.labels ?? {})) total += scores.get(`${k}=${v}`) ?? 0;
    return total;
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
