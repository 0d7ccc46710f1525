// Discovery documents: legacy (APIVersions, APIGroupList, APIGroup, APIResourceList) and
// aggregated (apidiscovery.k8s.io v2 / v2beta1 APIGroupDiscoveryList), all built from the
// resource registry and memoized until it changes.

import { ALL_VERBS, type ResourceDefinition } from '../api/strategy.ts';
import type { ResourceRegistry } from './resource-registry.ts';
import { RegistryMemo } from './registry-memo.ts';

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  finalize: ['update'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  resize: ['get', 'patch', 'update'],
  token: ['create'],
};

function subresourceKind(def: ResourceDefinition, sub: string): { group: string; version: string; kind: string } {
  switch (sub) {
    case 'scale':
      return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    case 'binding':
      return { group: '', version: 'v1', kind: 'Binding' };
    case 'eviction':
      return { group: 'policy', version: 'v1', kind: 'Eviction' };
    case 'log':
    case 'exec':
    case 'attach':
    case 'portforward':
    case 'proxy':
      return { group: '', version: 'v1', kind: sub === 'portforward' ? 'PodPortForwardOptions' : sub === 'log' ? 'Pod' : sub === 'proxy' ? `${def.kind}ProxyOptions` : `Pod${sub[0].toUpperCase()}${sub.slice(1)}Options` };
    case 'token':
      return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
    default:
      return { group: def.group, version: def.version, kind: def.kind };
  }
}

export class Discovery {
  private readonly memo: RegistryMemo;

  constructor(private readonly registry: ResourceRegistry) {
    this.memo = new RegistryMemo(registry);
  }

  private cached(key: string, build: () => unknown): string {
    return this.memo.get(key, build);
  }

  /** GET /api */
  apiVersions(serverAddress: string): string {
    return this.cached(`api:${serverAddress}`, () => ({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    }));
  }

  private groupEntry(group: string, versions: string[]): any {
    const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
    return { name: group, versions: vs, preferredVersion: vs[0] };
  }

  /** GET /apis */
  apiGroupList(): string {
    return this.cached('apis', () => ({
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: this.registry
        .groups()
        .filter((g) => g.group !== '')
        .map((g) => this.groupEntry(g.group, g.versions)),
    }));
  }

  /** GET /apis/<group> */
  apiGroup(group: string): string | undefined {
    const g = this.registry.groups().find((x) => x.group === group);
    if (!g || group === '') return undefined;
    return this.cached(`group:${group}`, () => ({ kind: 'APIGroup', apiVersion: 'v1', ...this.groupEntry(g.group, g.versions) }));
  }

  /** GET /api/v1 or /apis/<group>/<version> */
  apiResourceList(group: string, version: string): string | undefined {
    const defs = this.registry.resourcesIn(group, version);
    if (defs.length === 0) return undefined;
    return this.cached(`resources:${group}/${version}`, () => {
      const resources: any[] = [];
      for (const def of sortByName(defs)) {
        const entry: any = {
          name: def.resource,
          singularName: def.singular,
          namespaced: def.namespaced,
          kind: def.kind,
          verbs: def.verbs ?? ALL_VERBS,
        };
        if (def.shortNames?.length) entry.shortNames = def.shortNames;
        if (def.categories?.length) entry.categories = def.categories;
        resources.push(entry);
        for (const sub of def.subresources) {
          const k = subresourceKind(def, sub);
          const s: any = { name: `${def.resource}/${sub}`, singularName: '', namespaced: def.namespaced, kind: k.kind, verbs: SUBRESOURCE_VERBS[sub] ?? ['get'] };
          if (k.group !== group || k.version !== version) {
            s.group = k.group;
            s.version = k.version;
          }
          resources.push(s);
        }
      }
      return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
    });
  }

  /** Aggregated discovery for /api (core only) or /apis (every other group). */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): string {
    return this.cached(`aggregated:${core}:${version}`, () => ({
      kind: 'APIGroupDiscoveryList',
      apiVersion: `apidiscovery.k8s.io/${version}`,
      metadata: {},
      items: this.registry
        .groups()
        .filter((g) => (g.group === '') === core)
        .map((g) => ({
          metadata: g.group ? { name: g.group } : {},
          versions: g.versions.map((v) => ({
            version: v,
            resources: sortByName(this.registry.resourcesIn(g.group, v)).map((def) => aggregatedResource(def)),
            freshness: 'Current',
          })),
        })),
    }));
  }
}

function aggregatedResource(def: ResourceDefinition): any {
  const r: any = {
    resource: def.resource,
    responseKind: { group: def.group, version: def.version, kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: def.verbs ?? ALL_VERBS,
  };
  if (def.shortNames?.length) r.shortNames = def.shortNames;
  if (def.categories?.length) r.categories = def.categories;
  if (def.subresources.length) {
    r.subresources = def.subresources.map((sub) => ({
      subresource: sub,
      responseKind: subresourceKind(def, sub),
      verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
    }));
  }
  return r;
}

function sortByName(defs: ResourceDefinition[]): ResourceDefinition[] {
  return [...defs].sort((a, b) => a.resource.localeCompare(b.resource));
}

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Which aggregated discovery version the Accept header asks for first, if any. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    if (!/as=APIGroupDiscoveryList/.test(part) || !/g=apidiscovery\.k8s\.io/.test(part)) continue;
    if (/v=v2beta1/.test(part)) return 'v2beta1';
    if (/v=v2(;|$|\s)/.test(part) || /v=v2$/.test(part.trim())) return 'v2';
  }
  return undefined;
}
