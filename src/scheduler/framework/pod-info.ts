// A pod with what the scheduler derives from it computed once: requests, host ports and
// parsed (anti-)affinity terms. Built when a pod enters the cache or the queue.

import { podRequests, type Resource } from './resource.ts';
import { compileSelector, withLabelKeys, type LabelMatcher } from './selectors.ts';
import { podKey, type Pod, type PodAffinityTerm, type WeightedPodAffinityTerm } from './v1.ts';

export interface AffinityTerm {
  /** Namespaces named by the term (the pod's own when neither list nor selector is set). */
  namespaces: Set<string>;
  /** Matches namespace labels; null when the term has no namespaceSelector. */
  namespaceSelector: LabelMatcher | null;
  selector: LabelMatcher;
  topologyKey: string;
  /**
   * Names what the term matches (namespaces, selector with matchLabelKeys resolved), so
   * counts of matching pods can be remembered; '' for a term with a namespaceSelector,
   * whose answer changes with namespace labels.
   */
  key: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

export interface PodInfo {
  pod: Pod;
  key: string;
  requests: Resource;
  /** cpu/memory with 100m/200Mi for containers that request none (scoring). */
  nonZeroCPU: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  requiredAffinity: AffinityTerm[];
  requiredAntiAffinity: AffinityTerm[];
  preferredAffinity: WeightedAffinityTerm[];
  preferredAntiAffinity: WeightedAffinityTerm[];
}

/** Namespace name → labels, for terms with a namespaceSelector. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

export function termMatches(term: AffinityTerm, pod: Pod, nsLabels?: NamespaceLabels): boolean {
  const ns = pod.metadata.namespace ?? 'default';
  let nsOk = term.namespaces.has(ns);
  if (!nsOk && term.namespaceSelector) nsOk = term.namespaceSelector(nsLabels?.(ns) ?? {});
  return nsOk && term.selector(pod.metadata.labels);
}

function toTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const ns = pod.metadata.namespace ?? 'default';
  const namespaces = new Set<string>(t.namespaces ?? []);
  if (!t.namespaces?.length && t.namespaceSelector == null) namespaces.add(ns);
  let selector = compileSelector(t.labelSelector);
  if (t.labelSelector != null) selector = withLabelKeys(selector, pod.metadata.labels, t.matchLabelKeys, t.mismatchLabelKeys);
  const labels = pod.metadata.labels ?? {};
  const resolve = (keys: string[] | undefined) => (keys ?? []).map((k) => [k, labels[k] ?? null]);
  return {
    namespaces,
    namespaceSelector: t.namespaceSelector == null ? null : compileSelector(t.namespaceSelector),
    selector,
    topologyKey: t.topologyKey,
    key:
      t.namespaceSelector == null
        ? JSON.stringify([[...namespaces].sort(), t.labelSelector ?? null, resolve(t.matchLabelKeys), resolve(t.mismatchLabelKeys)])
        : '',
  };
}

function toWeighted(pod: Pod, ts: WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  return (ts ?? []).map((w) => ({ ...toTerm(pod, w.podAffinityTerm), weight: w.weight }));
}

export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const list of [pod.spec.initContainers ?? [], pod.spec.containers ?? []]) {
    for (const c of list) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort || p.hostPort <= 0) continue;
        out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
      }
    }
  }
  return out;
}

export function newPodInfo(pod: Pod): PodInfo {
  const a = pod.spec.affinity;
  const nonZero = podRequests(pod, true);
  return {
    pod,
    key: podKey(pod),
    requests: podRequests(pod),
    nonZeroCPU: nonZero.milliCPU,
    nonZeroMemory: nonZero.memory,
    hostPorts: hostPortsOf(pod),
    requiredAffinity: (a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(pod, t)),
    requiredAntiAffinity: (a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => toTerm(pod, t)),
    preferredAffinity: toWeighted(pod, a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinity: toWeighted(pod, a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
  };
}
