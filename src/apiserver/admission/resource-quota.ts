// ResourceQuota admission: a create that would take a namespace past a quota's hard limits is
// refused with 403, as upstream words it; an admitted create is charged to the quota's
// status.used at once (with the quota's resourceVersion as guard, so concurrent creates cannot
// both take the last unit). The ResourceQuota controller later recomputes usage exactly.

import { StatusError } from '../../api/errors.ts';
import { parseQuantity, quantityToString } from '../../api/quantity.ts';
import { nodePortsOf, podAmount, podComputeResource, podCounts, podInScopes } from '../../api/quota/pod-usage.ts';
import type { ResourceDefinition } from '../../api/strategy.ts';
import type { GenericStore } from '../registry/generic-store.ts';
import { internalContext, type RequestContext } from '../registry/context.ts';

const ONE = 1_000_000_000n; // one unit, in nano-units

const COUNTED_CORE = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

/** What creating `obj` adds to quota resource `resource`, in nano-units; 0n when nothing. */
export function usageDelta(def: ResourceDefinition, obj: any, resource: string, quota: any): bigint {
  const isPod = def.group === '' && def.resource === 'pods';
  const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || (quota.spec?.scopeSelector?.matchExpressions?.length ?? 0) > 0;
  if (isPod) {
    if (!podCounts(obj) || !podInScopes(obj, quota)) return 0n;
    if (resource === 'pods' || resource === 'count/pods') return ONE;
    const compute = podComputeResource(resource);
    if (compute) return podAmount(obj, compute.kind, compute.name);
  }
  if (scoped) return 0n; // scopes restrict a quota to pods
  if (def.group === '' && resource === def.resource && COUNTED_CORE.has(resource)) return ONE;
  const count = /^count\/([^.]+)(?:\.(.+))?$/.exec(resource);
  if (count && count[1] === def.resource && (count[2] ?? '') === def.group) return ONE;
  if (def.group === '' && def.resource === 'services') {
    if (resource === 'services.nodeports') return BigInt(nodePortsOf(obj)) * ONE;
    if (resource === 'services.loadbalancers') return obj.spec?.type === 'LoadBalancer' ? ONE : 0n;
  }
  if (def.group === '' && def.resource === 'persistentvolumeclaims' && resource === 'requests.storage') {
    const storage = obj.spec?.resources?.requests?.storage;
    return storage === undefined ? 0n : parseQuantity(storage).nanos;
  }
  return 0n;
}

function text(nanos: bigint): string {
  return quantityToString({ value: Number(nanos) / 1e9, format: 'DecimalSI', nanos });
}

function forbidden(def: ResourceDefinition, name: string, message: string): StatusError {
  const prefix = def.group ? `${def.resource}.${def.group}` : def.resource;
  return new StatusError(403, 'Forbidden', `${prefix} "${name}" is forbidden: ${message}`, { name, group: def.group || undefined, kind: def.resource });
}

/** The check run before a namespaced create; charges the quotas it passes. */
export function quotaAdmission(quotas: GenericStore) {
  return async (def: ResourceDefinition, obj: any, ctx: RequestContext): Promise<void> => {
    const namespace: string = obj.metadata.namespace;
    await quotas.cache.ready();
    const inNamespace = quotas.cache.list(namespace);
    if (inNamespace.length === 0) return;
    for (const entry of inNamespace) {
      const charged = Object.keys(entry.obj.spec?.hard ?? {}).filter((r) => usageDelta(def, obj, r, entry.obj) > 0n);
      if (charged.length === 0) continue;
      const charge = (quota: any) => {
        const hard = quota.spec?.hard ?? {};
        const used = quota.status?.used ?? {};
        const unknown = charged.filter((r) => quota.status?.hard?.[r] === undefined || used[r] === undefined);
        if (unknown.length > 0) {
          throw forbidden(def, obj.metadata.name, `status unknown for quota: ${quota.metadata.name}, resources: ${unknown.join(',')}`);
        }
        const over = charged.filter((r) => parseQuantity(used[r]).nanos + usageDelta(def, obj, r, quota) > parseQuantity(hard[r]).nanos);
        if (over.length > 0) {
          const list = (f: (r: string) => string) => over.map((r) => `${r}=${f(r)}`).join(',');
          throw forbidden(
            def,
            obj.metadata.name,
            `exceeded quota: ${quota.metadata.name}, requested: ${list((r) => text(usageDelta(def, obj, r, quota)))}, used: ${list((r) => used[r])}, limited: ${list((r) => hard[r])}`,
          );
        }
        const next = { ...used };
        for (const r of charged) next[r] = text(parseQuantity(used[r]).nanos + usageDelta(def, obj, r, quota));
        quota.status = { ...quota.status, used: next };
        return quota;
      };
      if (ctx.dryRun) {
        charge(structuredClone(entry.obj));
        continue;
      }
      await quotas.guaranteedUpdate(namespace, entry.obj.metadata.name, internalContext('resourcequota-admission'), 'status', charge);
    }
  };
}
