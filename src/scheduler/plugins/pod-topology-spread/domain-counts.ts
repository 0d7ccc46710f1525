// PodTopologySpread's PreFilter counts, per constraint, the matching pods in each topology
// domain over every node, for every pod it schedules. Between two pods only the node that
// got the last pod has changed, so the counts are kept per set of constraints and brought
// up to date node by node: a node whose generation is unchanged costs one lookup. A new
// node list (a node added or removed) starts the counts over.

import type { NodeInfo } from '../../framework/node-info.ts';

/** What one node adds: per constraint, its domain (undefined: not counted) and matching pods. */
interface NodeShare {
  generation: number;
  domains: (string | undefined)[];
  pods: number[];
}

interface Totals {
  nodes: readonly NodeInfo[];
  shares: Map<NodeInfo, NodeShare>;
  /** Per constraint: domain → matching pods, and domain → nodes counted in it. */
  pods: Map<string, number>[];
  nodeCounts: Map<string, number>[];
}

/** How many sets of constraints are kept before starting over (bounds memory). */
const MAX_KEPT = 64;

export class DomainCounts {
  private readonly kept = new Map<string, Totals>();

  /**
   * Per constraint, domain → matching pods, over `nodes`. `share(ni)` says what a node adds
   * (domains undefined when it is not counted); it is asked only for nodes that changed.
   */
  counts(key: string, nodes: readonly NodeInfo[], constraints: number, share: (ni: NodeInfo) => { domains: (string | undefined)[]; pods: number[] }): Map<string, number>[] {
    let t = this.kept.get(key);
    if (!t || t.nodes !== nodes) {
      if (!t && this.kept.size >= MAX_KEPT) this.kept.clear();
      t = { nodes, shares: new Map(), pods: [], nodeCounts: [] };
      for (let i = 0; i < constraints; i++) {
        t.pods.push(new Map());
        t.nodeCounts.push(new Map());
      }
      this.kept.set(key, t);
    }
    for (const ni of nodes) {
      const old = t.shares.get(ni);
      if (old && old.generation === ni.generation) continue;
      if (old) apply(t, old, -1);
      const s = share(ni);
      const fresh: NodeShare = { generation: ni.generation, domains: s.domains, pods: s.pods };
      apply(t, fresh, 1);
      t.shares.set(ni, fresh);
    }
    return t.pods.map((m, i) => {
      const out = new Map<string, number>();
      for (const [domain, n] of m) if ((t.nodeCounts[i]!.get(domain) ?? 0) > 0) out.set(domain, n);
      return out;
    });
  }
}

function apply(t: Totals, s: NodeShare, sign: 1 | -1): void {
  for (let i = 0; i < s.domains.length; i++) {
    const d = s.domains[i];
    if (d === undefined) continue;
    t.pods[i]!.set(d, (t.pods[i]!.get(d) ?? 0) + sign * s.pods[i]!);
    t.nodeCounts[i]!.set(d, (t.nodeCounts[i]!.get(d) ?? 0) + sign);
  }
}
