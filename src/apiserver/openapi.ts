// Serves OpenAPI v3 (index + one document per group-version) and v2 from the resource
// registry. The documents themselves are built and memoized in src/api/openapi.

import type { ResourceRegistry } from './resource-registry.ts';
import { RegistryMemo } from './registry-memo.ts';
import { openapiV3Index, openapiV3Served } from '../api/openapi/v3.ts';
import { openapiV2 } from '../api/openapi/v2.ts';

export class OpenApiDocs {
  private readonly memo: RegistryMemo;

  constructor(private readonly registry: ResourceRegistry) {
    this.memo = new RegistryMemo(registry);
  }

  private cached(key: string, build: () => unknown): string {
    return this.memo.get(key, build);
  }

  private defsFor(gv: string) {
    const [group, version] = gv.includes('/') ? gv.split('/') : ['', gv];
    return this.registry.resourcesIn(group, version);
  }

  v3Index(): string {
    return this.cached('index', () => {
      const gvs: string[] = [];
      for (const g of this.registry.groups()) for (const v of g.versions) gvs.push(g.group ? `${g.group}/${v}` : v);
      return openapiV3Index(gvs, (gv) => this.defsFor(gv));
    });
  }

  /** `rest` is `api/v1` or `apis/<group>/<version>`. */
  v3Document(rest: string): string | undefined {
    const m = /^(?:api\/(v[^/]+)|apis\/([^/]+)\/([^/]+))\/?$/.exec(rest);
    if (!m) return undefined;
    const gv = m[1] ?? `${m[2]}/${m[3]}`;
    const defs = this.defsFor(gv);
    if (defs.length === 0) return undefined;
    return openapiV3Served(gv, defs).json;
  }

  v2(): string {
    return this.cached('v2', () => openapiV2(this.registry.all()));
  }
}
