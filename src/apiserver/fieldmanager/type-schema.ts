// The shape server-side apply needs of a type: which values are structs (fields by name),
// maps, lists (atomic, set, or map keyed by some fields) or scalars, and which are atomic
// (owned and replaced as a whole). Built lazily from the built-in schema data, cached per
// type; values of unknown shape are "untyped" (objects merge key by key, lists are atomic).

import { getType, jsonFields, type FieldInfo, type TypeRef } from '../../api/schema/registry.ts';

export type SchemaNode = ScalarNode | StructNode | MapNode | ListNode | UntypedNode;

export interface ScalarNode {
  kind: 'scalar';
}

export interface UntypedNode {
  kind: 'untyped';
}

export interface FieldSchema {
  node: SchemaNode;
  /**
   * A Go struct value (not a pointer) is always present in the typed object, so upstream never
   * counts it as added or removed by itself, only its contents.
   */
  alwaysPresent: boolean;
}

export interface StructNode {
  kind: 'struct';
  atomic: boolean;
  field(name: string): FieldSchema | undefined;
}

export interface MapNode {
  kind: 'map';
  atomic: boolean;
  values: SchemaNode;
}

export interface ListNode {
  kind: 'list';
  listType: 'atomic' | 'set' | 'map';
  /** list-map key fields */
  keys: string[];
  /** Defaults of key fields (`protocol: TCP`), used when an item omits one. */
  keyDefaults: Record<string, unknown>;
  items: SchemaNode;
  /** `keys` sorted, filled in on first use. */
  sortedKeys?: string[];
}

export const SCALAR: ScalarNode = { kind: 'scalar' };
export const UNTYPED: UntypedNode = { kind: 'untyped' };

const structCache = new Map<string, StructNode>();

/** The schema of a built-in type by name (e.g. `io.k8s.api.apps.v1.Deployment`); untyped if unknown. */
export function schemaForType(typeName: string): SchemaNode {
  if (!getType(typeName)) return UNTYPED;
  return structFor(typeName);
}

function structFor(typeName: string, atomicOverride?: boolean): StructNode {
  const cacheKey = atomicOverride === undefined ? typeName : `${typeName}|${atomicOverride}`;
  let node = structCache.get(cacheKey);
  if (node) return node;
  const info = getType(typeName);
  const atomic = atomicOverride ?? (info as { structType?: string } | undefined)?.structType === 'atomic';
  let fields: Map<string, FieldSchema> | undefined;
  node = {
    kind: 'struct',
    atomic,
    field(name: string): FieldSchema | undefined {
      if (!fields) {
        fields = new Map();
        if (info?.kind === 'struct') for (const f of jsonFields(typeName)) fields.set(f.json!, fieldSchema(f));
      }
      return fields.get(name);
    },
  };
  structCache.set(cacheKey, node);
  return node;
}

function fieldSchema(f: FieldInfo): FieldSchema {
  const node = nodeForRef(f.type, f);
  return { node, alwaysPresent: node.kind === 'struct' && !f.type.pointer };
}

function nodeForRef(t: TypeRef, f?: FieldInfo): SchemaNode {
  switch (t.type) {
    case 'object': {
      if (!t.ref) return UNTYPED;
      const info = getType(t.ref);
      if (!info) return UNTYPED;
      if (info.kind !== 'struct') return info.underlying ? nodeForRef(info.underlying) : SCALAR;
      const override = f?.structType ? f.structType === 'atomic' : undefined;
      return structFor(t.ref, override);
    }
    case 'map':
      return { kind: 'map', atomic: f?.mapType === 'atomic', values: t.values ? nodeForRef(t.values) : UNTYPED };
    case 'array':
      return listNode(t, f);
    case 'raw-object':
    case 'any':
    case 'schema-or-bool':
    case 'schema-or-array':
    case 'schema-or-string-array':
      return UNTYPED;
    default:
      return SCALAR;
  }
}

function listNode(t: TypeRef, f?: FieldInfo): SchemaNode {
  const items = t.items ? nodeForRef(t.items) : UNTYPED;
  let listType = f?.listType as ListNode['listType'] | undefined;
  let keys = f?.listMapKeys ?? [];
  // Older fields carry only the strategic merge patch tags; upstream reads them the same way.
  if (!listType && f?.patchStrategy?.split(',').includes('merge')) {
    if (f.patchMergeKey) {
      listType = 'map';
      keys = [f.patchMergeKey];
    } else {
      listType = 'set';
    }
  }
  listType ??= 'atomic';
  if (listType === 'map' && (keys.length === 0 || items.kind !== 'struct')) listType = 'atomic';
  if (listType === 'set' && items.kind !== 'scalar') listType = 'atomic';
  return { kind: 'list', listType, keys, keyDefaults: listType === 'map' ? keyDefaultsOf(t, keys) : {}, items };
}

function keyDefaultsOf(t: TypeRef, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (t.items?.type !== 'object' || !t.items.ref || !getType(t.items.ref)) return out;
  for (const f of jsonFields(t.items.ref)) {
    if (!keys.includes(f.json!)) continue;
    const d = f.markers?.default?.[0];
    if (d === undefined) continue;
    try {
      out[f.json!] = JSON.parse(d);
    } catch {
      out[f.json!] = d;
    }
  }
  return out;
}

/**
 * The schema of a custom resource from its structural OpenAPI v3 schema
 * (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`).
 */
export function schemaFromOpenAPI(s: any): SchemaNode {
  if (!s || typeof s !== 'object') return UNTYPED;
  if (s['x-kubernetes-int-or-string']) return SCALAR;
  if (s['x-kubernetes-embedded-resource'] && !s.properties) return UNTYPED;
  switch (s.type) {
    case 'object': {
      if (s.properties) {
        const fields = new Map<string, FieldSchema>();
        for (const [name, p] of Object.entries(s.properties as Record<string, any>)) {
          const node = schemaFromOpenAPI(p);
          fields.set(name, { node, alwaysPresent: false });
        }
        const extra = s.additionalProperties && typeof s.additionalProperties === 'object' ? schemaFromOpenAPI(s.additionalProperties) : undefined;
        return {
          kind: 'struct',
          atomic: s['x-kubernetes-map-type'] === 'atomic',
          field: (name) => fields.get(name) ?? (extra ? { node: extra, alwaysPresent: false } : undefined),
        };
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        return { kind: 'map', atomic: s['x-kubernetes-map-type'] === 'atomic', values: schemaFromOpenAPI(s.additionalProperties) };
      }
      return UNTYPED;
    }
    case 'array': {
      const items = schemaFromOpenAPI(s.items);
      let listType: ListNode['listType'] = s['x-kubernetes-list-type'] ?? 'atomic';
      const keys: string[] = s['x-kubernetes-list-map-keys'] ?? [];
      if (listType === 'map' && (keys.length === 0 || items.kind !== 'struct')) listType = 'atomic';
      if (listType === 'set' && items.kind !== 'scalar') listType = 'atomic';
      const keyDefaults: Record<string, unknown> = {};
      for (const k of keys) {
        const d = s.items?.properties?.[k]?.default;
        if (d !== undefined) keyDefaults[k] = d;
      }
      return { kind: 'list', listType, keys, keyDefaults, items };
    }
    case undefined:
      return UNTYPED;
    default:
      return SCALAR;
  }
}

/**
 * The root of a custom resource: apiVersion, kind and metadata as every object has them, the
 * rest from the CRD's schema.
 */
export function customResourceSchema(openAPIV3Schema: unknown): SchemaNode {
  const body = schemaFromOpenAPI(openAPIV3Schema);
  const meta = schemaForType('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  return {
    kind: 'struct',
    atomic: false,
    field(name: string): FieldSchema | undefined {
      if (name === 'metadata') return { node: meta, alwaysPresent: true };
      if (name === 'apiVersion' || name === 'kind') return { node: SCALAR, alwaysPresent: false };
      if (body.kind === 'struct') return body.field(name);
      return { node: UNTYPED, alwaysPresent: false };
    },
  };
}
