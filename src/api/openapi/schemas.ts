// OpenAPI schemas (v3 `components.schemas` / v2 `definitions`) for schema types and every type
// reachable from them, named and shaped as upstream's kube-openapi output (no descriptions:
// the data holds facts, not doc comments).

import { getType, gvksForType, jsonFields, type FieldInfo, type TypeRef } from '../schema/registry.ts';

export type OpenAPIVersion = 'v2' | 'v3';
export type Schema = Record<string, unknown>;

function refPath(version: OpenAPIVersion, typeName: string): string {
  return version === 'v3' ? `#/components/schemas/${typeName}` : `#/definitions/${typeName}`;
}

const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';

/** Component schemas of the types that are not structs in JSON. */
function specialSchema(typeName: string, version: OpenAPIVersion): Schema | undefined {
  switch (typeName) {
    case TIME:
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime':
      return { type: 'string', format: 'date-time' };
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.Duration':
      return { type: 'string' };
    case 'io.k8s.apimachinery.pkg.api.resource.Quantity':
    case 'io.k8s.apimachinery.pkg.api.resource.QuantityValue':
      return version === 'v3' ? { oneOf: [{ type: 'string' }, { type: 'number' }] } : { type: 'string' };
    case 'io.k8s.apimachinery.pkg.util.intstr.IntOrString':
      return version === 'v3'
        ? { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] }
        : { type: 'string', format: 'int-or-string' };
    case 'io.k8s.apimachinery.pkg.runtime.RawExtension':
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1':
    case 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch':
      return { type: 'object' };
  }
  const t = getType(typeName);
  if (t?.kind === 'special') return {}; // apiextensions JSON and JSONSchemaPropsOr*: any JSON
  return undefined;
}

class SchemaBuilder {
  readonly schemas: Record<string, Schema> = {};
  private readonly pending: string[] = [];

  constructor(private readonly version: OpenAPIVersion) {}

  add(typeName: string): void {
    if (typeName in this.schemas || this.pending.includes(typeName)) return;
    this.pending.push(typeName);
    while (this.pending.length) {
      const next = this.pending.pop()!;
      if (!(next in this.schemas)) this.schemas[next] = this.typeSchema(next);
    }
  }

  private ref(typeName: string): Schema {
    if (!(typeName in this.schemas) && !this.pending.includes(typeName)) this.pending.push(typeName);
    return { $ref: refPath(this.version, typeName) };
  }

  private typeSchema(typeName: string): Schema {
    const special = specialSchema(typeName, this.version);
    if (special) return special;
    const t = getType(typeName);
    if (!t) return { type: 'object' };
    if (t.kind === 'named') return this.valueSchema(t.underlying!);
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const f of jsonFields(typeName)) {
      properties[f.json!] = this.propertySchema(f);
      if (f.required || (!f.optional && !f.omitempty)) required.push(f.json!);
    }
    const schema: Schema = {};
    if (Object.keys(properties).length) schema.properties = sortKeys(properties);
    if (required.length) schema.required = required;
    schema.type = 'object';
    const gvks = gvksForType(typeName);
    if (gvks.length) schema['x-kubernetes-group-version-kind'] = gvks;
    if (t.markers?.structType?.[0] === 'atomic') schema['x-kubernetes-map-type'] = 'atomic';
    return schema;
  }

  /** A reference as a property, item or map value: `allOf` wrapping when there are siblings. */
  private wrapRef(target: string, pointer: boolean | undefined, asProperty: boolean): Schema {
    const isStruct = getType(target)?.kind === 'struct' && !specialSchema(target, this.version);
    const withDefault = isStruct && !pointer;
    if (this.version === 'v2') {
      return withDefault ? { ...this.ref(target), default: {} } : this.ref(target);
    }
    if (!asProperty && !withDefault) return this.ref(target);
    const s: Schema = { allOf: [this.ref(target)] };
    if (withDefault) s.default = {};
    return s;
  }

  private valueSchema(t: TypeRef, asProperty = false): Schema {
    if (t.ref) return this.wrapRef(t.ref, t.pointer, asProperty);
    switch (t.type) {
      case 'string': {
        const s: Schema = { type: 'string' };
        if (t.format) s.format = t.format;
        if (t.enumMarker && t.enum?.length) s.enum = [...t.enum];
        return s;
      }
      case 'integer':
        return t.format ? { type: 'integer', format: t.format } : { type: 'integer' };
      case 'number':
        return { type: 'number', format: t.format ?? 'double' };
      case 'boolean':
        return { type: 'boolean' };
      case 'array':
        return { type: 'array', items: this.valueSchema(t.items!) };
      case 'map':
        return { type: 'object', additionalProperties: this.valueSchema(t.values!) };
      case 'quantity':
        return this.wrapRef('io.k8s.apimachinery.pkg.api.resource.Quantity', true, asProperty);
      case 'int-or-string':
        return this.wrapRef('io.k8s.apimachinery.pkg.util.intstr.IntOrString', true, asProperty);
      case 'raw-object':
        return this.wrapRef('io.k8s.apimachinery.pkg.runtime.RawExtension', true, asProperty);
      default:
        return this.version === 'v3' ? { 'x-kubernetes-preserve-unknown-fields': true } : {};
    }
  }

  private propertySchema(f: FieldInfo): Schema {
    const s = this.valueSchema(f.type, true);
    const def = fieldDefault(f);
    if (def !== undefined) s.default = def;
    if (f.listType) s['x-kubernetes-list-type'] = f.listType;
    if (f.listMapKeys?.length) s['x-kubernetes-list-map-keys'] = f.listMapKeys;
    if (f.mapType) s['x-kubernetes-map-type'] = f.mapType;
    if (f.patchMergeKey) s['x-kubernetes-patch-merge-key'] = f.patchMergeKey;
    if (f.patchStrategy) s['x-kubernetes-patch-strategy'] = f.patchStrategy;
    return s;
  }
}

/** `+default=` values, else the Go zero value of a required non-pointer scalar, as upstream. */
function fieldDefault(f: FieldInfo): unknown {
  const raw = f.markers?.default?.[0];
  if (raw !== undefined) {
    const ref = /^ref\((.+)\)$/.exec(raw);
    if (ref) {
      const named = f.type.named ? getType(f.type.named) : undefined;
      return named?.constants?.find((c) => c[0] === ref[1])?.[1];
    }
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  if (f.omitempty || f.type.pointer || f.type.ref) return undefined;
  switch (f.type.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return undefined;
  }
}

function sortKeys<T>(rec: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k];
  return out;
}

/** Schemas for the given types and everything they reference, keyed by upstream's names. */
export function buildSchemas(typeNames: string[], version: OpenAPIVersion): Record<string, Schema> {
  const b = new SchemaBuilder(version);
  for (const n of typeNames) b.add(n);
  return sortKeys(b.schemas);
}
