// NodeAffinity: spec.nodeSelector and required node affinity (Filter; PreFilter narrows to
// named nodes when every term pins metadata.name), preferred node affinity (Score).

import {
  defaultNormalizeScore,
  MAX_NODE_SCORE,
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
  type PreFilterResult,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interfaces.ts';
import { podMatchesNodeSelectorAndAffinity, termMatchesNode } from '../../framework/node-selector.ts';
import type { Pod, PreferredSchedulingTerm } from '../../framework/v1.ts';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;

  preFilter(_state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
    const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    const hasSelector = pod.spec.nodeSelector && Object.keys(pod.spec.nodeSelector).length > 0;
    if (!required && !hasSelector) return { status: Status.skip() };
    if (!required) return { status: Status.success() };
    // When every term has matchFields metadata.name In [...], only those nodes can fit.
    const names = new Set<string>();
    for (const term of required.nodeSelectorTerms ?? []) {
      let termNames: string[] | undefined;
      for (const f of term.matchFields ?? []) {
        if (f.key === 'metadata.name' && f.operator === 'In') {
          const vals = f.values ?? [];
          termNames = termNames ? termNames.filter((n) => vals.includes(n)) : [...vals];
        }
      }
      if (!termNames) return { status: Status.success() };
      for (const n of termNames) names.add(n);
    }
    if (names.size === 0) return { status: Status.unresolvable(ERR_REASON_POD) };
    return { result: names, status: Status.success() };
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    if (!nodeInfo.node) return Status.error('node not found');
    return podMatchesNodeSelectorAndAffinity(pod, nodeInfo.node) ? Status.success() : Status.unresolvable(ERR_REASON_POD);
  }

  preScore(_state: CycleState, pod: Pod): Status {
    const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    return preferred?.length ? Status.success() : Status.skip();
  }

  score(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const preferred: PreferredSchedulingTerm[] = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    let score = 0;
    for (const t of preferred) {
      if (t.weight !== 0 && nodeInfo.node && termMatchesNode(t.preference, nodeInfo.node)) score += t.weight;
    }
    return score;
  }

  normalizeScore(_state: CycleState, _pod: Pod, _nodes: readonly NodeInfo[], scores: number[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
