// NodeResourcesFit: Filter checks the pod's requests (and one more pod) against the node's
// allocatable minus what its pods request; Score by LeastAllocated (default) or
// MostAllocated over weighted resources (cpu and memory, weight 1 each, by default).

import {
  MAX_NODE_SCORE,
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type NodeInfo,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../../framework/interfaces.ts';
import { podRequests, type Resource } from '../../framework/resource.ts';
import type { Pod } from '../../framework/v1.ts';
import { allocatableAmount, requestedAmount, type ResourceSpec } from './resource-amounts.ts';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
const STATE_KEY = 'PreFilter' + NODE_RESOURCES_FIT;
const SCORE_STATE_KEY = 'PreScore' + NODE_RESOURCES_FIT;

export type ScoringStrategyType = 'LeastAllocated' | 'MostAllocated';

export interface NodeResourcesFitArgs {
  ignoredResources?: string[];
  ignoredResourceGroups?: string[];
  scoringStrategy?: { type?: ScoringStrategyType; resources?: ResourceSpec[] };
}

export const DEFAULT_SCORED_RESOURCES: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

export interface InsufficientResource {
  resourceName: string;
  reason: string;
  requested: number;
  used: number;
  capacity: number;
}

const NOTHING_INSUFFICIENT: readonly InsufficientResource[] = Object.freeze([]);

/**
 * Upstream fitsRequest: every resource the pod asks for, plus room for one more pod.
 * The list is made only when something is short: this runs for hundreds of nodes per pod.
 */
export function fitsRequest(req: Resource, nodeInfo: NodeInfo, ignored?: Set<string>, ignoredGroups?: string[]): readonly InsufficientResource[] {
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  let out: InsufficientResource[] | undefined;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) {
    (out ??= []).push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: nodeInfo.pods.length, capacity: alloc.allowedPodNumber });
  }
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU) {
    (out ??= []).push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: req.milliCPU, used: used.milliCPU, capacity: alloc.milliCPU });
  }
  if (req.memory > 0 && req.memory > alloc.memory - used.memory) {
    (out ??= []).push({ resourceName: 'memory', reason: 'Insufficient memory', requested: req.memory, used: used.memory, capacity: alloc.memory });
  }
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage) {
    (out ??= []).push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: req.ephemeralStorage,
      used: used.ephemeralStorage,
      capacity: alloc.ephemeralStorage,
    });
  }
  for (const name in req.scalar) {
    const q = req.scalar[name]!;
    if (q === 0 || ignored?.has(name)) continue;
    const slash = name.indexOf('/');
    if (slash > 0 && ignoredGroups?.includes(name.slice(0, slash))) continue;
    const a = alloc.scalar[name] ?? 0;
    const u = used.scalar[name] ?? 0;
    if (q > a - u) (out ??= []).push({ resourceName: name, reason: `Insufficient ${name}`, requested: q, used: u, capacity: a });
  }
  return out ?? NOTHING_INSUFFICIENT;
}

function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  if (requested > capacity) requested = capacity;
  return Math.trunc((requested * MAX_NODE_SCORE) / capacity);
}

export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  private readonly ignored: Set<string>;
  private readonly ignoredGroups: string[];
  private readonly strategy: ScoringStrategyType;
  private readonly resources: ResourceSpec[];

  constructor(args: NodeResourcesFitArgs = {}) {
    this.ignored = new Set(args.ignoredResources ?? []);
    this.ignoredGroups = args.ignoredResourceGroups ?? [];
    const type = args.scoringStrategy?.type ?? 'LeastAllocated';
    if (type !== 'LeastAllocated' && type !== 'MostAllocated') {
      throw new Error(`NodeResourcesFit: scoring strategy ${type} is not supported`);
    }
    this.strategy = type;
    this.resources = args.scoringStrategy?.resources?.length ? args.scoringStrategy.resources : DEFAULT_SCORED_RESOURCES;
  }

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    state.write(STATE_KEY, podRequests(pod));
    return { status: Status.success() };
  }

  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    const req = state.read<Resource>(STATE_KEY) ?? podRequests(pod);
    const insufficient = fitsRequest(req, nodeInfo, this.ignored, this.ignoredGroups);
    if (!insufficient.length) return Status.success();
    return Status.unschedulable(...insufficient.map((r) => r.reason));
  }

  preScore(state: CycleState, pod: Pod): Status {
    state.write(SCORE_STATE_KEY, podRequests(pod, true));
    return Status.success();
  }

  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number {
    const podReq = state.read<Resource>(SCORE_STATE_KEY) ?? podRequests(pod, true);
    const scoreOf = this.strategy === 'LeastAllocated' ? leastRequestedScore : mostRequestedScore;
    let total = 0;
    let weightSum = 0;
    for (const spec of this.resources) {
      const allocatable = allocatableAmount(nodeInfo, spec.name);
      if (allocatable === 0) continue;
      total += scoreOf(requestedAmount(nodeInfo, podReq, spec.name, false), allocatable) * spec.weight;
      weightSum += spec.weight;
    }
    return weightSum === 0 ? 0 : Math.trunc(total / weightSum);
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: 'Delete' }, { resource: 'Node', action: 'Add' }, { resource: 'Node', action: 'Update' }];
  }
}
