// Serves OpenAPI v3 (index + one document per group-version) and v2 from the resource
// registry, memoized until the registry changes.

import type { ResourceRegistry } from './resource-registry.ts';
import { openapiV3Index, openapiV3Document, openapiV2 } from '../api/openapi/index-v3.ts';

export class OpenApiDocs {
  private memo = new Map<string, string>();
  private memoVersion = -1;

  constructor(private readonly registry: ResourceRegistry) {}

  private cached(key: string, build: () => unknown): string {
    if (this.memoVersion !== this.registry.version()) {
      this.memo.clear();
      this.memoVersion = this.registry.version();
    }
    let v = this.memo.get(key);
    if (v === undefined) this.memo.set(key, (v = JSON.stringify(build())));
    return v;
  }

  private groupVersions(): string[] {
    const out: string[] = [];
    for (const g of this.registry.groups()) for (const v of g.versions) out.push(g.group ? `${g.group}/${v}` : v);
    return out;
  }

  v3Index(): string {
    return this.cached('index', () => openapiV3Index(this.groupVersions(), (gv) => this.v3Document(gv.startsWith('api/') || gv.startsWith('apis/') ? gv : gv.includes('/') ? `apis/${gv}` : `api/${gv}`) ?? ''));
  }

  /** `rest` is `api/v1` or `apis/<group>/<version>`. */
  v3Document(rest: string): string | undefined {
    const m = /^(?:api\/(v[^/]+)|apis\/([^/]+)\/([^/]+))\/?$/.exec(rest);
    if (!m) return undefined;
    const group = m[1] ? '' : m[2];
    const version = m[1] ?? m[3];
    const defs = this.registry.resourcesIn(group, version);
    if (defs.length === 0) return undefined;
    return this.cached(`v3:${group}/${version}`, () => openapiV3Document(group ? `${group}/${version}` : version, defs));
  }

  v2(): string {
    return this.cached('v2', () => openapiV2(this.registry.all()));
  }
}
