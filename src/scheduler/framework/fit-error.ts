// Upstream FitError.Error(): "0/N nodes are available: <PreFilter message>." or
// "0/N nodes are available: <count reason, ...>." (reasons counted over nodes and sorted
// as strings), then the PostFilter (preemption) message.

import type { Status } from './status.ts';

export interface Diagnosis {
  /** Rejection per node name. */
  nodeToStatus: Map<string, Status>;
  /** Reasons for nodes not in nodeToStatus (e.g. excluded by a PreFilter result). */
  absentNodesStatus?: Status;
  preFilterMsg?: string;
  postFilterMsg?: string;
  unschedulablePlugins: Set<string>;
}

export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) {
    msg += ` ${d.preFilterMsg}.`;
  } else {
    const counts = new Map<string, number>();
    for (const st of d.nodeToStatus.values()) for (const r of st.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.size;
    if (absent > 0 && d.absentNodesStatus) {
      for (const r of d.absentNodesStatus.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    }
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort(compareGoStrings);
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}`;
  return msg;
}

/** Go's sort.Strings: byte-wise order. */
export function compareGoStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
