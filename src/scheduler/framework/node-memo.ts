// PodTopologySpread and InterPodAffinity count, for every pod they schedule, the pods on
// every node that a selector matches: all the pods of the cluster, for each pod. A node's
// pods change only when its generation does, so such a count is remembered per node and
// per question (a key naming the selector, namespace…) until the node changes; scheduling
// a pod then recounts one node instead of the cluster.

import type { NodeInfo } from './node-info.ts';

/** Questions remembered per node before its memo starts over (bounds memory with many selectors). */
const MAX_KEYS_PER_NODE = 256;

interface Entry<T> {
  generation: number;
  values: Map<string, T>;
}

export class NodeMemo<T> {
  private readonly byNode = new WeakMap<NodeInfo, Entry<T>>();

  /** The remembered answer for this node and key, or compute(nodeInfo) when the node changed since. */
  get(nodeInfo: NodeInfo, key: string, compute: (nodeInfo: NodeInfo) => T): T {
    let e = this.byNode.get(nodeInfo);
    if (!e || e.generation !== nodeInfo.generation || e.values.size >= MAX_KEYS_PER_NODE) {
      e = { generation: nodeInfo.generation, values: new Map() };
      this.byNode.set(nodeInfo, e);
    }
    let v = e.values.get(key);
    if (v === undefined) {
      v = compute(nodeInfo);
      e.values.set(key, v);
    }
    return v;
  }
}
