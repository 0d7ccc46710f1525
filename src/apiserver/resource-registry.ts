// Every resource the server serves, by group/version/resource and by kind, with the store
// keys each one lives under.

import type { ResourceDefinition } from '../api/strategy.ts';

/** Discovery order of groups, as upstream lists them (kubectl resolves ambiguous names in this order). */
const GROUP_ORDER = [
  '',
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'metrics.k8s.io',
];

export interface GroupVersions {
  group: string;
  /** Preferred first. */
  versions: string[];
}

export class ResourceRegistry {
  private readonly byGvr = new Map<string, ResourceDefinition>();
  private readonly byGvk = new Map<string, ResourceDefinition>();
  private readonly listeners: (() => void)[] = [];
  private generation = 0;

  add(def: ResourceDefinition): void {
    this.byGvr.set(gvrKey(def.group, def.version, def.resource), def);
    this.byGvk.set(gvrKey(def.group, def.version, def.kind), def);
    this.changed();
  }

  remove(group: string, version: string, resource: string): void {
    const def = this.byGvr.get(gvrKey(group, version, resource));
    if (!def) return;
    this.byGvr.delete(gvrKey(group, version, resource));
    this.byGvk.delete(gvrKey(group, version, def.kind));
    this.changed();
  }

  private changed(): void {
    this.generation++;
    for (const l of this.listeners) l();
  }

  /** Bumped on every add/remove, so memoized documents (discovery, OpenAPI) know to rebuild. */
  version(): number {
    return this.generation;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  lookup(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byGvr.get(gvrKey(group, version, resource));
  }

  byKind(group: string, version: string, kind: string): ResourceDefinition | undefined {
    return this.byGvk.get(gvrKey(group, version, kind));
  }

  all(): ResourceDefinition[] {
    return [...this.byGvr.values()];
  }

  /** Groups in discovery order with their versions. */
  groups(): GroupVersions[] {
    const map = new Map<string, Set<string>>();
    for (const def of this.byGvr.values()) {
      let set = map.get(def.group);
      if (!set) map.set(def.group, (set = new Set()));
      set.add(def.version);
    }
    const rank = (g: string) => {
      const i = GROUP_ORDER.indexOf(g);
      return i < 0 ? GROUP_ORDER.length : i;
    };
    return [...map.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([group, versions]) => ({ group, versions: [...versions].sort(compareVersions) }));
  }

  resourcesIn(group: string, version: string): ResourceDefinition[] {
    return this.all().filter((d) => d.group === group && d.version === version);
  }
}

function gvrKey(group: string, version: string, name: string): string {
  return `${group}/${version}/${name}`;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { major: -1, stage: -1, minor: 0, raw: v };
    return { major: Number(m[1]), stage: m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, minor: Number(m[3] ?? 0), raw: v };
  };
  const x = parse(a);
  const y = parse(b);
  if (x.stage !== y.stage) return y.stage - x.stage;
  if (x.major !== y.major) return y.major - x.major;
  if (x.minor !== y.minor) return y.minor - x.minor;
  return x.raw.localeCompare(y.raw);
}

/** `/registry/<resource>[.<group>]/` — the prefix of every object of a resource. */
export function storagePrefix(def: { group: string; resource: string }, namespace?: string): string {
  const gr = def.group ? `${def.resource}.${def.group}` : def.resource;
  return namespace ? `/registry/${gr}/${namespace}/` : `/registry/${gr}/`;
}

export function storageKey(def: { group: string; resource: string; namespaced: boolean }, namespace: string, name: string): string {
  return def.namespaced ? `${storagePrefix(def, namespace)}${name}` : `${storagePrefix(def)}${name}`;
}
