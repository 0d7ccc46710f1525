// LimitRanger admission for pods: containers without requests or limits get the
// LimitRange's `defaultRequest` / `default`, and a container outside `min` / `max` is refused
// with 403 in upstream's words. Only `type: Container` items are enforced.

import { StatusError } from '../../api/errors.ts';
import { parseQuantity } from '../../api/quantity.ts';
import type { GenericStore } from '../registry/generic-store.ts';

function below(a: string, b: string): boolean {
  return parseQuantity(a).nanos < parseQuantity(b).nanos;
}

export function limitRangeAdmission(limitRanges: GenericStore) {
  return async (pod: any): Promise<void> => {
    await limitRanges.cache.ready();
    const ranges = limitRanges.cache.list(pod.metadata.namespace);
    if (ranges.length === 0) return;
    const items = ranges.flatMap((e) => (e.obj.spec?.limits ?? []).filter((l: any) => l.type === 'Container'));
    const containers: any[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    for (const item of items) {
      for (const c of containers) {
        const res = (c.resources ??= {});
        // A request left out takes the container's own limit, else defaultRequest, else default.
        const ownLimits: Record<string, string> = { ...(res.limits ?? {}) };
        for (const [r, v] of Object.entries<string>(item.default ?? {})) {
          if (res.limits?.[r] === undefined) (res.limits ??= {})[r] = v;
        }
        const requestDefaults: Record<string, string> = { ...(item.default ?? {}), ...(item.defaultRequest ?? {}) };
        for (const [r, v] of Object.entries(requestDefaults)) {
          if (res.requests?.[r] === undefined) (res.requests ??= {})[r] = ownLimits[r] ?? v;
        }
      }
    }
    const errors: string[] = [];
    for (const item of items) {
      for (const c of containers) {
        const requests = c.resources?.requests ?? {};
        const limits = c.resources?.limits ?? {};
        for (const [r, min] of Object.entries<string>(item.min ?? {})) {
          if (requests[r] === undefined) errors.push(`minimum ${r} usage per Container is ${min}.  No request is specified`);
          else if (below(requests[r], min)) errors.push(`minimum ${r} usage per Container is ${min}, but request is ${requests[r]}`);
        }
        for (const [r, max] of Object.entries<string>(item.max ?? {})) {
          if (limits[r] === undefined) errors.push(`maximum ${r} usage per Container is ${max}.  No limit is specified`);
          else if (below(max, limits[r])) errors.push(`maximum ${r} usage per Container is ${max}, but limit is ${limits[r]}`);
        }
      }
    }
    if (errors.length > 0) {
      const message = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
      throw new StatusError(403, 'Forbidden', `pods "${pod.metadata.name}" is forbidden: ${message}`, { name: pod.metadata.name, kind: 'pods' });
    }
  };
}
