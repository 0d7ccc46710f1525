// Compute resources as the scheduler counts them (upstream framework.Resource) and a pod's
// effective requests (upstream resourcehelper.PodRequests): regular containers summed,
// init containers taken as a max against them (restartable "sidecar" init containers run
// alongside everything after them, so they add up), plus the pod overhead.

import { intValue, milliValue } from '../../api/quantity.ts';
import type { Container, Node, Pod, ResourceList } from './v1.ts';

export interface Resource {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  allowedPodNumber: number;
  /** Extended and hugepages resources, by name. */
  scalar: Record<string, number>;
}

/** Upstream schedutil.DefaultMilliCPURequest / DefaultMemoryRequest, used for scoring only. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResource(): Resource {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: {} };
}

export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: { ...r.scalar } };
}

export function isScalarResourceName(name: string): boolean {
  return name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage' && name !== 'pods' && name !== 'storage';
}

export function resourceFromList(list: ResourceList | undefined): Resource {
  const r = emptyResource();
  if (!list) return r;
  for (const name of Object.keys(list)) {
    const q = list[name]!;
    switch (name) {
      case 'cpu':
        r.milliCPU += milliValue(q);
        break;
      case 'memory':
        r.memory += intValue(q);
        break;
      case 'ephemeral-storage':
        r.ephemeralStorage += intValue(q);
        break;
      case 'pods':
        r.allowedPodNumber += intValue(q);
        break;
      default:
        if (isScalarResourceName(name)) r.scalar[name] = (r.scalar[name] ?? 0) + intValue(q);
    }
  }
  return r;
}

export function nodeAllocatable(node: Node): Resource {
  return resourceFromList(node.status?.allocatable ?? node.status?.capacity);
}

export function addResource(into: Resource, r: Resource, sign = 1): void {
  into.milliCPU += sign * r.milliCPU;
  into.memory += sign * r.memory;
  into.ephemeralStorage += sign * r.ephemeralStorage;
  into.allowedPodNumber += sign * r.allowedPodNumber;
  for (const k of Object.keys(r.scalar)) into.scalar[k] = (into.scalar[k] ?? 0) + sign * r.scalar[k]!;
}

function maxResource(into: Resource, r: Resource): void {
  into.milliCPU = Math.max(into.milliCPU, r.milliCPU);
  into.memory = Math.max(into.memory, r.memory);
  into.ephemeralStorage = Math.max(into.ephemeralStorage, r.ephemeralStorage);
  for (const k of Object.keys(r.scalar)) into.scalar[k] = Math.max(into.scalar[k] ?? 0, r.scalar[k]!);
}

function containerRequests(c: Container, nonMissing: boolean): Resource {
  const requests = c.resources?.requests;
  const r = resourceFromList(requests);
  if (nonMissing) {
    if (!requests || requests.cpu === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (!requests || requests.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * The pod's requests. With `nonMissing`, containers without a cpu/memory request count
 * as 100m / 200Mi (what scoring uses so that best-effort pods still spread).
 */
export function podRequests(pod: Pod, nonMissing = false): Resource {
  const total = emptyResource();
  for (const c of pod.spec.containers ?? []) addResource(total, containerRequests(c, nonMissing));
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of pod.spec.initContainers ?? []) {
    const req = containerRequests(c, nonMissing);
    let during: Resource;
    if (c.restartPolicy === 'Always') {
      addResource(total, req);
      addResource(sidecars, req);
      during = cloneResource(sidecars);
    } else {
      during = cloneResource(req);
      addResource(during, sidecars);
    }
    maxResource(initMax, during);
  }
  maxResource(total, initMax);
  if (pod.spec.overhead) addResource(total, resourceFromList(pod.spec.overhead));
  return total;
}
