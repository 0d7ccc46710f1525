// TaintToleration: Filter rejects nodes with a NoSchedule/NoExecute taint the pod does not
// tolerate; Score prefers nodes with fewer untolerated PreferNoSchedule taints.

import {
  defaultNormalizeScore,
  MAX_NODE_SCORE,
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interfaces.ts';
import { findUntoleratedTaint, tolerationsTolerateTaint } from '../../framework/taints.ts';
import type { Pod, Toleration } from '../../framework/v1.ts';

export const TAINT_TOLERATION = 'TaintToleration';
const STATE_KEY = 'PreScore' + TAINT_TOLERATION;

export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const taint = findUntoleratedTaint(
      nodeInfo.node?.spec?.taints,
      pod.spec.tolerations,
      (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute',
    );
    if (!taint) return Status.success();
    return Status.unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  }

  preScore(state: CycleState, pod: Pod): Status {
    const prefer: Toleration[] = (pod.spec.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(STATE_KEY, prefer);
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const tolerations = state.read<Toleration[]>(STATE_KEY) ?? pod.spec.tolerations ?? [];
    let count = 0;
    for (const taint of nodeInfo.node?.spec?.taints ?? []) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) count++;
    }
    return count;
  }

  normalizeScore(_state: CycleState, _pod: Pod, _nodes: readonly NodeInfo[], scores: number[]): Status {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }, { resource: 'Pod', action: 'Update' }];
  }
}
