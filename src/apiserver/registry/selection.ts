// Which objects a list or watch selects: label selector, field selector (only the fields the
// resource supports, as upstream), and the exact-name fast path.

import type { ResourceDefinition } from '../../api/strategy.ts';
import { parseLabelSelector, matches, type LabelSelector } from '../../api/labels.ts';
import { parseFieldSelector, matchesFields, checkSupportedFields, exactNameOf, type FieldSelector } from '../../api/fields.ts';

export interface Selection {
  labels?: LabelSelector;
  fields?: FieldSelector;
  fieldGetter?: (obj: any, path: string) => string | undefined;
  /** From a `metadata.name=X` term. */
  name?: string;
}

export function buildSelection(def: ResourceDefinition, labelSelector?: string | null, fieldSelector?: string | null): Selection {
  const sel: Selection = {};
  if (labelSelector) sel.labels = parseLabelSelector(labelSelector);
  if (fieldSelector) {
    const fields = parseFieldSelector(fieldSelector);
    const extra = def.strategy.fieldSelectors ?? {};
    checkSupportedFields(fields, ['metadata.name', 'metadata.namespace', ...Object.keys(extra)]);
    sel.fields = fields;
    sel.fieldGetter = (obj, path) => {
      if (path === 'metadata.name') return obj.metadata?.name ?? '';
      if (path === 'metadata.namespace') return obj.metadata?.namespace ?? '';
      return extra[path]?.(obj);
    };
    sel.name = exactNameOf(fields);
  }
  return sel;
}

export function selects(sel: Selection, obj: any): boolean {
  if (sel.name !== undefined && obj.metadata?.name !== sel.name) return false;
  if (sel.labels && !matches(sel.labels, obj.metadata?.labels ?? {})) return false;
  if (sel.fields) {
    const get = sel.fieldGetter!;
    if (!matchesFields(sel.fields, (path) => get(obj, path))) return false;
  }
  return true;
}

export const EVERYTHING: Selection = {};
