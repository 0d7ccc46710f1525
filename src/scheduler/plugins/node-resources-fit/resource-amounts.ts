// A node's allocatable and requested amount of one resource, with the incoming pod added,
// as upstream's resourceAllocationScorer.calculateResourceAllocatableRequest.

import type { NodeInfo } from '../../framework/node-info.ts';
import type { Resource } from '../../framework/resource.ts';

export interface ResourceSpec {
  name: string;
  weight: number;
}

/**
 * `useRequested` false (NodeResourcesFit) counts cpu/memory with the 100m/200Mi defaults
 * for containers that request nothing; true (BalancedAllocation) counts actual requests.
 */
export function resourceAmounts(
  nodeInfo: NodeInfo,
  podReq: Resource,
  name: string,
  useRequested: boolean,
): { allocatable: number; requested: number } {
  const alloc = nodeInfo.allocatable;
  const used = useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
  switch (name) {
    case 'cpu':
      return { allocatable: alloc.milliCPU, requested: used.milliCPU + podReq.milliCPU };
    case 'memory':
      return { allocatable: alloc.memory, requested: used.memory + podReq.memory };
    case 'ephemeral-storage':
      return { allocatable: alloc.ephemeralStorage, requested: nodeInfo.requested.ephemeralStorage + podReq.ephemeralStorage };
    default: {
      const a = alloc.scalar[name] ?? 0;
      if (a === 0) return { allocatable: 0, requested: 0 };
      return { allocatable: a, requested: (nodeInfo.requested.scalar[name] ?? 0) + (podReq.scalar[name] ?? 0) };
    }
  }
}
