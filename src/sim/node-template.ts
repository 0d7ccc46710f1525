// What a simulated node looks like when it registers: the Node a kubelet would POST
// (capacity = allocatable, well-known labels, a podCIDR carved from the cluster CIDR, an
// InternalIP) and the Lease it renews in kube-node-lease.

import { nowMicroTime, nowRfc3339, type OwnerReference } from '../api/meta.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** Size and placement of a simulated node. The defaults are scheduler_perf's node template. */
export interface SimNodeShape {
  cpu?: string;
  memory?: string;
  pods?: number;
  ephemeralStorage?: string;
  /** Extra labels (win over the well-known ones). */
  labels?: Record<string, string>;
  taints?: Taint[];
  /** topology.kubernetes.io/zone values, given to nodes round-robin by their index. */
  zones?: string[];
  region?: string;
}

export const DEFAULT_ZONES = ['zone-a', 'zone-b', 'zone-c'];
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** kubelet's default --node-lease-duration-seconds. */
export const NODE_LEASE_DURATION_SECONDS = 40;
export const SIM_KUBELET_VERSION = 'v1.33.0-k8ts-sim';

export interface SimNode {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; uid?: string; resourceVersion?: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec: { podCIDR?: string; podCIDRs?: string[]; taints?: Taint[]; unschedulable?: boolean };
  status: Record<string, unknown>;
}

export interface NodeLease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; ownerReferences?: OwnerReference[] };
  spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
}

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function intToIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The index-th /24 of `clusterCIDR` (e.g. 10.128.0.0/9 → 10.128.<i/256>.<…>), as nodeipam hands them out. */
export function podCIDRFor(index: number, clusterCIDR: string): string {
  const [base, bitsText] = clusterCIDR.split('/');
  const bits = Number(bitsText);
  if (!base || !Number.isInteger(bits) || bits < 0 || bits > 24) throw new Error(`cluster CIDR must be an IPv4 prefix of /24 or wider: ${clusterCIDR}`);
  const subnets = 2 ** (24 - bits);
  if (index >= subnets) throw new Error(`cluster CIDR ${clusterCIDR} has only ${subnets} /24 subnets; node index ${index} does not fit`);
  const network = ipv4ToInt(base) & (bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0);
  return `${intToIpv4((network + index * 256) >>> 0)}/24`;
}

/** Node InternalIPs: 172.16.0.0/12, one per node index. */
export function nodeIPFor(index: number): string {
  return intToIpv4((ipv4ToInt('172.16.0.0') + 1 + index) >>> 0);
}

/** The conditions of a healthy kubelet; `since` is when they last changed. */
export function readyConditions(now: Date = new Date(), since: Date = now): Record<string, string>[] {
  const t = nowRfc3339(now);
  const changed = nowRfc3339(since);
  const cond = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: t,
    lastTransitionTime: changed,
    reason,
    message,
  });
  return [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}

export function buildNode(name: string, index: number, shape: SimNodeShape, clusterCIDR: string, now: Date = new Date()): SimNode {
  const zones = shape.zones ?? DEFAULT_ZONES;
  const resources = {
    cpu: shape.cpu ?? '4',
    memory: shape.memory ?? '32Gi',
    pods: String(shape.pods ?? 110),
    'ephemeral-storage': shape.ephemeralStorage ?? '100Gi',
  };
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    type: 'sim',
  };
  if (zones.length) labels['topology.kubernetes.io/zone'] = zones[index % zones.length]!;
  labels['topology.kubernetes.io/region'] = shape.region ?? 'region-1';
  Object.assign(labels, shape.labels ?? {});
  const podCIDR = podCIDRFor(index, clusterCIDR);
  const spec: SimNode['spec'] = { podCIDR, podCIDRs: [podCIDR] };
  if (shape.taints?.length) spec.taints = shape.taints.map((t) => ({ ...t }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'sim.k8ts.io/simulated': 'true' } },
    spec,
    status: {
      capacity: { ...resources },
      allocatable: { ...resources },
      conditions: readyConditions(now),
      addresses: [
        { type: 'InternalIP', address: nodeIPFor(index) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: 'sim',
        osImage: 'k8ts simulated node',
        containerRuntimeVersion: 'sim://1.0.0',
        kubeletVersion: SIM_KUBELET_VERSION,
        kubeProxyVersion: SIM_KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
      phase: 'Running',
    },
  };
}

export function buildNodeLease(nodeName: string, nodeUid: string | undefined, now: Date = new Date()): NodeLease {
  const lease: NodeLease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: nodeName, namespace: NODE_LEASE_NAMESPACE },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS, renewTime: nowMicroTime(now) },
  };
  if (nodeUid) lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }];
  return lease;
}
