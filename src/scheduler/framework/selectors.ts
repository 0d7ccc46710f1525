// Compiled label selectors, as upstream's metav1.LabelSelectorAsSelector: a null selector
// matches nothing, an empty one matches everything.

import { labelSelectorFromObject, matches } from '../../api/labels.ts';
import type { LabelSelector } from './v1.ts';

export type LabelMatcher = (labels: Record<string, string> | undefined) => boolean;

const NOTHING: LabelMatcher = () => false;
const EVERYTHING: LabelMatcher = () => true;
const EMPTY: Record<string, string> = {};

export function compileSelector(sel: LabelSelector | null | undefined): LabelMatcher {
  if (sel == null) return NOTHING;
  if (!sel.matchExpressions?.length && !Object.keys(sel.matchLabels ?? {}).length) return EVERYTHING;
  const selector = labelSelectorFromObject(sel);
  return (labels) => matches(selector, labels ?? EMPTY);
}

/**
 * `matchLabelKeys` / `mismatchLabelKeys`: add `key in (v)` / `key notin (v)` for the
 * incoming pod's value of each key (keys the pod does not carry are ignored).
 */
export function withLabelKeys(
  base: LabelMatcher,
  podLabels: Record<string, string> | undefined,
  matchKeys: string[] | undefined,
  mismatchKeys: string[] | undefined,
): LabelMatcher {
  const eq: [string, string][] = [];
  const ne: [string, string][] = [];
  for (const k of matchKeys ?? []) if (podLabels && k in podLabels) eq.push([k, podLabels[k]!]);
  for (const k of mismatchKeys ?? []) if (podLabels && k in podLabels) ne.push([k, podLabels[k]!]);
  if (!eq.length && !ne.length) return base;
  return (labels) => {
    if (!base(labels)) return false;
    for (const [k, v] of eq) if (labels?.[k] !== v) return false;
    for (const [k, v] of ne) if (labels?.[k] === v) return false;
    return true;
  };
}
