// Node selector terms (nodeAffinity, PV nodeAffinity) as upstream component-helpers:
// terms are ORed, requirements in a term ANDed; a term with no requirements matches nothing.

import type { Node, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Pod } from './v1.ts';

function parseIntStrict(s: string | undefined): number | undefined {
  if (s === undefined || !/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

export function requirementMatches(req: NodeSelectorRequirement, value: string | undefined, has: boolean): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value!);
    case 'NotIn':
      return !has || !values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const a = parseIntStrict(value);
      const b = parseIntStrict(values[0]);
      if (a === undefined || b === undefined) return false;
      return req.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

export function termMatchesNode(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  const labels = node.metadata.labels ?? {};
  for (const r of exprs) {
    if (!requirementMatches(r, labels[r.key], Object.prototype.hasOwnProperty.call(labels, r.key))) return false;
  }
  for (const r of fields) {
    if (r.key !== 'metadata.name') return false;
    if (r.operator !== 'In' && r.operator !== 'NotIn') return false;
    if (!requirementMatches(r, node.metadata.name, true)) return false;
  }
  return true;
}

export function nodeSelectorMatches(sel: NodeSelector | undefined | null, node: Node): boolean {
  if (!sel) return true;
  for (const term of sel.nodeSelectorTerms ?? []) if (termMatchesNode(term, node)) return true;
  return false;
}

/** Upstream RequiredNodeAffinity: spec.nodeSelector AND required node affinity. */
export function podMatchesNodeSelectorAndAffinity(pod: Pod, node: Node): boolean {
  const sel = pod.spec.nodeSelector;
  if (sel) {
    const labels = node.metadata.labels ?? {};
    for (const k of Object.keys(sel)) if (labels[k] !== sel[k]) return false;
  }
  return nodeSelectorMatches(pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, node);
}
