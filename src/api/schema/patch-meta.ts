// PatchMeta (what strategic merge patch needs: field kinds, patch strategies, merge keys)
// from the schema data. One cached PatchMeta per type.

import type { FieldPatchMeta, PatchMeta } from '../patch/patch-meta.ts';
import { getType, jsonFields, type TypeRef } from './registry.ts';

class SchemaPatchMeta implements PatchMeta {
  private fields?: Map<string, FieldPatchMeta>;

  constructor(private readonly typeName: string) {}

  field(name: string): FieldPatchMeta | undefined {
    if (!this.fields) {
      this.fields = new Map();
      const known = getType(this.typeName) !== undefined;
      for (const f of known ? jsonFields(this.typeName) : []) {
        const meta = metaForRef(f.type);
        if (f.patchStrategy) meta.patchStrategy = f.patchStrategy.split(',').map((s) => s.trim());
        if (f.patchMergeKey) meta.patchMergeKey = f.patchMergeKey;
        this.fields.set(f.json!, meta);
      }
    }
    return this.fields.get(name);
  }
}

function metaForRef(t: TypeRef): FieldPatchMeta {
  switch (t.type) {
    case 'object':
      return { kind: 'object', elem: patchMetaFor(t.ref!) };
    case 'array': {
      const elem = elemMeta(t.items!);
      return elem ? { kind: 'list', elem } : { kind: 'list' };
    }
    case 'map': {
      const elem = elemMeta(t.values!);
      return elem ? { kind: 'map', elem } : { kind: 'map' };
    }
    case 'raw-object':
      // Free-form JSON objects (RawExtension, FieldsV1): merged as maps without schema below.
      return { kind: 'map' };
    default:
      return { kind: 'primitive' };
  }
}

function elemMeta(t: TypeRef): PatchMeta | undefined {
  if (t.type === 'object') return patchMetaFor(t.ref!);
  return undefined;
}

const cache = new Map<string, PatchMeta>();

/** PatchMeta of a schema type, e.g. patchMetaFor('io.k8s.api.apps.v1.Deployment'); knows no fields of unknown types. */
export function patchMetaFor(typeName: string): PatchMeta {
  let meta = cache.get(typeName);
  if (!meta) {
    meta = new SchemaPatchMeta(typeName);
    cache.set(typeName, meta);
  }
  return meta;
}
