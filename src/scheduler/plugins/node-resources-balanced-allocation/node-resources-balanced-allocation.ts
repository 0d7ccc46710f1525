// NodeResourcesBalancedAllocation: prefers nodes whose cpu and memory would be used in
// similar fractions: score = (1 - standard deviation of the fractions) * 100.

import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type NodeInfo, type PreScorePlugin, type ScorePlugin } from '../../framework/interfaces.ts';
import { podRequests, type Resource } from '../../framework/resource.ts';
import type { Pod } from '../../framework/v1.ts';
import { allocatableAmount, requestedAmount, type ResourceSpec } from '../node-resources-fit/resource-amounts.ts';

export const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
const STATE_KEY = 'PreScore' + NODE_RESOURCES_BALANCED_ALLOCATION;

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

export class NodeResourcesBalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_BALANCED_ALLOCATION;
  private readonly resources: ResourceSpec[];

  constructor(args: BalancedAllocationArgs = {}) {
    this.resources = args.resources?.length ? args.resources : [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }];
  }

  preScore(state: CycleState, pod: Pod): Status {
    const req = podRequests(pod);
    const requestsSomething = this.resources.some((r) => {
      if (r.name === 'cpu') return req.milliCPU > 0;
      if (r.name === 'memory') return req.memory > 0;
      if (r.name === 'ephemeral-storage') return req.ephemeralStorage > 0;
      return (req.scalar[r.name] ?? 0) > 0;
    });
    if (!requestsSomething) return Status.skip();
    state.write(STATE_KEY, req);
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const req = state.read<Resource>(STATE_KEY) ?? podRequests(pod);
    // One pass for the mean and one for the deviation, without an array per node.
    let n = 0;
    let sum = 0;
    let first = 0;
    let second = 0;
    for (const spec of this.resources) {
      const allocatable = allocatableAmount(nodeInfo, spec.name);
      if (allocatable === 0) continue;
      const f = Math.min(1, requestedAmount(nodeInfo, req, spec.name, true) / allocatable);
      if (n === 0) first = f;
      else if (n === 1) second = f;
      sum += f;
      n++;
    }
    let std = 0;
    if (n === 2) {
      std = Math.abs((first - second) / 2);
    } else if (n > 2) {
      const mean = sum / n;
      let sq = 0;
      for (const spec of this.resources) {
        const allocatable = allocatableAmount(nodeInfo, spec.name);
        if (allocatable === 0) continue;
        const f = Math.min(1, requestedAmount(nodeInfo, req, spec.name, true) / allocatable);
        sq += (f - mean) * (f - mean);
      }
      std = Math.sqrt(sq / n);
    }
    return Math.trunc((1 - std) * MAX_NODE_SCORE);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
