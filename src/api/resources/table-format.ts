// Cell formatting shared by the table printers, as upstream's printers and
// apimachinery's duration.HumanDuration, labels.FormatLabels and LabelSelector.String().

import { canonicalQuantity } from '../quantity.ts';

/** A duration in the short human form kubectl prints (`5s`, `3m10s`, `2d3h`, `3y`). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const dy = days % 365;
    return dy === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Time since a timestamp (`<unknown>` when unset), as printers' translateTimestampSince. */
export function since(timestamp: string | undefined | null, now: Date): string {
  if (!timestamp) return '<unknown>';
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(now.getTime() - t);
}

export function age(obj: any, now: Date): string {
  return since(obj?.metadata?.creationTimestamp, now);
}

/** `a=b,c=d` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** A metav1.LabelSelector as its selector string (`app=x,tier in (a,b),!old`); '' selects everything. */
export function labelSelectorString(sel: any): string {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries<string>(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, text: `${e.key} in (${values})` });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, text: `${e.key} notin (${values})` });
        break;
      case 'Exists':
        reqs.push({ key: e.key, text: e.key });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, text: `!${e.key}` });
        break;
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: the selector string or `<none>`. */
export function formatLabelSelector(sel: any): string {
  return labelSelectorString(sel) || '<none>';
}

/** A map selector (ReplicationController, Service) as `a=b,c=d`. */
export function mapSelectorString(sel: Record<string, string> | undefined | null): string {
  return Object.keys(sel ?? {})
    .sort()
    .map((k) => `${k}=${sel![k]}`)
    .join(',');
}

/** The CONTAINERS and IMAGES cells of a pod template. */
export function containerCells(podSpec: any): [string, string] {
  const containers: any[] = podSpec?.containers ?? [];
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

export function formatBool(v: boolean | undefined | null): string {
  if (v === undefined || v === null) return '<unset>';
  return v ? 'True' : 'False';
}

/** `N + k more...` lists used by endpoint, ingress and slice printers. */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** RFC 3339 in UTC, as the CREATED AT columns print. */
export function createdAt(obj: any): string {
  const ts = obj?.metadata?.creationTimestamp;
  if (!ts) return '0001-01-01T00:00:00Z';
  return new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Standard column definitions. */
export const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

export const AGE_COLUMN = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

export function column(name: string, type: string, description = '', priority = 0) {
  return priority ? { name, type, description, priority } : { name, type, description };
}

/** A quantity as upstream prints it (Quantity.String(), canonical), or the raw text if malformed. */
export function quantityText(q: unknown): string {
  if (q === undefined || q === null) return '0';
  try {
    return canonicalQuantity(q as string | number);
  } catch {
    return String(q);
  }
}
