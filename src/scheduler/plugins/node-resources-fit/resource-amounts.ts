// A node's allocatable and requested amount of one resource, with the incoming pod added,
// as upstream's resourceAllocationScorer.calculateResourceAllocatableRequest.

import type { NodeInfo } from '../../framework/node-info.ts';
import type { Resource } from '../../framework/resource.ts';

export interface ResourceSpec {
  name: string;
  weight: number;
}

// Two functions rather than one returning a pair: scoring calls them for hundreds of nodes
// per pod, and a pair would be an allocation each time.

/** The node's allocatable amount of the resource. */
export function allocatableAmount(nodeInfo: NodeInfo, name: string): number {
  const alloc = nodeInfo.allocatable;
  switch (name) {
    case 'cpu':
      return alloc.milliCPU;
    case 'memory':
      return alloc.memory;
    case 'ephemeral-storage':
      return alloc.ephemeralStorage;
    default:
      return alloc.scalar[name] ?? 0;
  }
}

/**
 * What the node's pods plus this one request of the resource. `useRequested` false
 * (NodeResourcesFit) counts cpu/memory with the 100m/200Mi defaults for containers that
 * request nothing; true (BalancedAllocation) counts actual requests.
 */
export function requestedAmount(nodeInfo: NodeInfo, podReq: Resource, name: string, useRequested: boolean): number {
  const used = useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
  switch (name) {
    case 'cpu':
      return used.milliCPU + podReq.milliCPU;
    case 'memory':
      return used.memory + podReq.memory;
    case 'ephemeral-storage':
      return nodeInfo.requested.ephemeralStorage + podReq.ephemeralStorage;
    default:
      return (nodeInfo.requested.scalar[name] ?? 0) + (podReq.scalar[name] ?? 0);
  }
}
