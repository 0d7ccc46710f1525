// Everything the scheduler knows about one node: the Node, the pods on it (assumed ones
// included), their summed requests, host ports in use, volumes claimed and image sizes.
// Updated incrementally as pods come and go; `generation` changes with every update.

import { addResource, cloneResource, emptyResource, nodeAllocatable, type Resource } from './resource.ts';
import type { HostPort, PodInfo } from './pod-info.ts';
import type { Node } from './v1.ts';

let generationCounter = 0;
export function nextGeneration(): number {
  return ++generationCounter;
}

const WILDCARD_IP = '0.0.0.0';

export class NodeInfo {
  node: Node | null = null;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  requested: Resource = emptyResource();
  /** Requests with 100m cpu / 200Mi memory for containers that set none (for scoring). */
  nonZeroRequested: Resource = emptyResource();
  allocatable: Resource = emptyResource();
  /** hostIP → "protocol/port" → number of pods using it. */
  usedPorts = new Map<string, Map<string, number>>();
  /** "namespace/claim" → number of pods on the node using it. */
  pvcRefCounts = new Map<string, number>();
  /** Normalized image name → size in bytes, from node.status.images. */
  imageSizes = new Map<string, number>();
  generation = nextGeneration();

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  get name(): string {
    return this.node?.metadata.name ?? '';
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.imageSizes.clear();
    for (const img of node.status?.images ?? []) {
      for (const n of img.names ?? []) this.imageSizes.set(normalizeImageName(n), img.sizeBytes ?? 0);
    }
    this.generation = nextGeneration();
  }

  addPod(pi: PodInfo): void {
    this.pods.push(pi);
    if (pi.requiredAffinity.length || pi.requiredAntiAffinity.length || pi.preferredAffinity.length || pi.preferredAntiAffinity.length) {
      this.podsWithAffinity.push(pi);
    }
    if (pi.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** Removes the pod with this key; false when it is not on the node. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const pi = this.pods[i]!;
    this.pods[i] = this.pods[this.pods.length - 1]!;
    this.pods.pop();
    removeByKey(this.podsWithAffinity, key);
    removeByKey(this.podsWithRequiredAntiAffinity, key);
    this.account(pi, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addResource(this.requested, pi.requests, sign);
    this.nonZeroRequested.milliCPU += sign * pi.nonZeroCPU;
    this.nonZeroRequested.memory += sign * pi.nonZeroMemory;
    for (const hp of pi.hostPorts) this.updatePort(hp, sign);
    const ns = pi.pod.metadata.namespace ?? 'default';
    for (const v of pi.pod.spec.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const k = `${ns}/${claim}`;
      const n = (this.pvcRefCounts.get(k) ?? 0) + sign;
      if (n <= 0) this.pvcRefCounts.delete(k);
      else this.pvcRefCounts.set(k, n);
    }
    this.generation = nextGeneration();
  }

  private updatePort(hp: HostPort, sign: number): void {
    let byIP = this.usedPorts.get(hp.ip);
    if (!byIP) this.usedPorts.set(hp.ip, (byIP = new Map()));
    const k = `${hp.protocol}/${hp.port}`;
    const n = (byIP.get(k) ?? 0) + sign;
    if (n <= 0) byIP.delete(k);
    else byIP.set(k, n);
  }

  /** Upstream HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address. */
  portConflicts(hp: HostPort): boolean {
    const k = `${hp.protocol}/${hp.port}`;
    if (hp.ip === WILDCARD_IP) {
      for (const byIP of this.usedPorts.values()) if (byIP.has(k)) return true;
      return false;
    }
    return !!(this.usedPorts.get(hp.ip)?.has(k) || this.usedPorts.get(WILDCARD_IP)?.has(k));
  }

  /** A copy that can be changed (preemption, nominated pods) without touching this one. */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.requested = cloneResource(this.requested);
    c.nonZeroRequested = cloneResource(this.nonZeroRequested);
    c.allocatable = this.allocatable;
    for (const [ip, m] of this.usedPorts) c.usedPorts.set(ip, new Map(m));
    c.pvcRefCounts = new Map(this.pvcRefCounts);
    c.imageSizes = this.imageSizes;
    c.generation = this.generation;
    return c;
  }
}

function removeByKey(list: PodInfo[], key: string): void {
  const i = list.findIndex((p) => p.key === key);
  if (i >= 0) list.splice(i, 1);
}

/** As upstream's normalizedImageName for image locality: add docker.io/library and :latest. */
export function normalizeImageName(name: string): string {
  let n = name;
  const lastSlash = n.lastIndexOf('/');
  const tail = n.slice(lastSlash + 1);
  if (!tail.includes(':') && !n.includes('@')) n += ':latest';
  const first = n.split('/')[0]!;
  const hasDomain = n.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) n = (n.includes('/') ? 'docker.io/' : 'docker.io/library/') + n;
  return n;
}
