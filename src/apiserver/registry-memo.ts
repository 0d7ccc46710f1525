// Serialized documents derived from the resource registry (discovery, OpenAPI), built once
// and kept until the registry changes (a CRD added or removed).

import type { ResourceRegistry } from './resource-registry.ts';

export class RegistryMemo {
  private memo = new Map<string, string>();
  private memoVersion = -1;

  constructor(private readonly registry: ResourceRegistry) {}

  get(key: string, build: () => unknown): string {
    if (this.memoVersion !== this.registry.version()) {
      this.memo.clear();
      this.memoVersion = this.registry.version();
    }
    let v = this.memo.get(key);
    if (v === undefined) this.memo.set(key, (v = JSON.stringify(build())));
    return v;
  }
}
