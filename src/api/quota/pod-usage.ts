// What objects use of a quota's resources, as upstream's quota evaluators count it: shared by
// the ResourceQuota controller (which reports usage) and the API server's quota admission
// (which refuses what would exceed it).

import { parseQuantity, quantityToString, type QuantityFormat } from '../quantity.ts';
import type { Container, Pod, ResourceQuota, ScopedResourceSelectorRequirement, Service } from '../types/core-v1.ts';

/** Terminal pods, and pods past their deletion grace, use nothing (upstream's QuotaV1Pod). */
export function podCounts(pod: Pod): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  const deleted = pod.metadata?.deletionTimestamp;
  if (deleted && Date.parse(deleted) + (pod.metadata?.deletionGracePeriodSeconds ?? 0) * 1000 < Date.now()) return false;
  return true;
}

export function isBestEffort(pod: Pod): boolean {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].every(
    (c) => Object.keys(c.resources?.requests ?? {}).length === 0 && Object.keys(c.resources?.limits ?? {}).length === 0,
  );
}

export function podInScopes(pod: Pod, quota: ResourceQuota): boolean {
  const requirements: ScopedResourceSelectorRequirement[] = [
    ...(quota.spec?.scopes ?? []).map((scopeName) => ({ scopeName, operator: 'Exists' as const })),
    ...(quota.spec?.scopeSelector?.matchExpressions ?? []),
  ];
  return requirements.every((r) => {
    switch (r.scopeName) {
      case 'Terminating':
        return pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds >= 0;
      case 'NotTerminating':
        return pod.spec?.activeDeadlineSeconds === undefined || pod.spec.activeDeadlineSeconds < 0;
      case 'BestEffort':
        return isBestEffort(pod);
      case 'NotBestEffort':
        return !isBestEffort(pod);
      case 'PriorityClass': {
        const pc = pod.spec?.priorityClassName ?? '';
        if (r.operator === 'Exists') return pc !== '';
        if (r.operator === 'DoesNotExist') return pc === '';
        if (r.operator === 'In') return (r.values ?? []).includes(pc);
        return !(r.values ?? []).includes(pc);
      }
      default:
        return true;
    }
  });
}

/** `requests.cpu` → requests of cpu; bare `cpu` / `memory` / `ephemeral-storage` mean requests. */
export function podComputeResource(resource: string): { kind: 'requests' | 'limits'; name: string } | undefined {
  if (resource === 'cpu' || resource === 'memory' || resource === 'ephemeral-storage') return { kind: 'requests', name: resource };
  const m = /^(requests|limits)\.(.+)$/.exec(resource);
  if (!m || m[2] === 'storage') return undefined;
  return { kind: m[1] as 'requests' | 'limits', name: m[2] };
}

/** What one pod asks for of a resource: max(init containers, sum of containers) + overhead, in nano-units. */
export function podAmount(pod: Pod, kind: 'requests' | 'limits', name: string): bigint {
  const of = (c: Container) => {
    const v = c.resources?.[kind]?.[name];
    return v === undefined ? 0n : parseQuantity(v).nanos;
  };
  let sum = 0n;
  for (const c of pod.spec?.containers ?? []) sum += of(c);
  let initMax = 0n;
  let sidecars = 0n;
  for (const c of pod.spec?.initContainers ?? []) {
    // Restartable (sidecar) init containers run alongside the app containers.
    if (c.restartPolicy === 'Always') {
      sidecars += of(c);
      sum += of(c);
    } else if (sidecars + of(c) > initMax) initMax = sidecars + of(c);
  }
  const overhead = pod.spec?.overhead?.[name];
  return (sum > initMax ? sum : initMax) + (overhead ? parseQuantity(overhead).nanos : 0n);
}

/** BinarySI when the pods state the resource that way (memory as `128Mi`), as Quantity.Add keeps it. */
export function podFormat(pods: Pod[], kind: 'requests' | 'limits', name: string): QuantityFormat {
  for (const pod of pods) {
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const v = c.resources?.[kind]?.[name];
      if (v !== undefined) return parseQuantity(v).format;
    }
  }
  return 'DecimalSI';
}

export function sumQuantities(values: (bigint | string | number | undefined)[], initialFormat: QuantityFormat = 'DecimalSI'): string {
  let total = 0n;
  let format = initialFormat;
  for (const v of values) {
    if (v === undefined) continue;
    if (typeof v === 'bigint') total += v;
    else {
      const q = parseQuantity(v);
      total += q.nanos;
      if (q.format === 'BinarySI') format = 'BinarySI';
    }
  }
  return quantityToString({ value: Number(total) / 1e9, format, nanos: total });
}

export function nodePortsOf(s: Service): number {
  if (s.spec?.type !== 'NodePort' && s.spec?.type !== 'LoadBalancer') return 0;
  return (s.spec.ports ?? []).length;
}
