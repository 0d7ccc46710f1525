// Builders for nodes and pods in core/v1 JSON shape, and a core over an in-memory cluster.

import type { Container, Node, Pod, PodSpec, Taint } from '../../../src/scheduler/framework/v1.ts';

let uid = 0;

export function makeNode(
  name: string,
  opts: { cpu?: string; memory?: string; pods?: number; labels?: Record<string, string>; taints?: Taint[]; unschedulable?: boolean; images?: { names: string[]; sizeBytes: number }[] } = {},
): Node {
  const allocatable = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: String(opts.pods ?? 110), 'ephemeral-storage': '100Gi' };
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(opts.labels ?? {}) } },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { capacity: allocatable, allocatable, images: opts.images },
  };
}

export function makePod(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    labels?: Record<string, string>;
    nodeName?: string;
    priority?: number;
    namespace?: string;
    containers?: Container[];
    spec?: Partial<PodSpec>;
    startTime?: string;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  return {
    metadata: { name, namespace: opts.namespace ?? 'default', uid: `uid-${name}-${++uid}`, labels: opts.labels },
    spec: {
      containers: opts.containers ?? [{ name: 'c', image: 'nginx', resources: { requests } }],
      nodeName: opts.nodeName,
      priority: opts.priority,
      ...(opts.spec ?? {}),
    },
    status: { phase: opts.nodeName ? 'Running' : 'Pending', startTime: opts.startTime },
  };
}
