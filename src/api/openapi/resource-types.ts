// Which schema types a served resource uses: its object and list types (built-in from the
// schema data) and, for resources without built-in types (custom resources), open schemas.

import { findKind, getType } from '../schema/registry.ts';
import type { ResourceDefinition } from '../strategy.ts';
import type { OpenAPIVersion, Schema } from './schemas.ts';

export function listTypeNameFor(def: ResourceDefinition): string {
  const kind = findKind(def.group, def.version, def.kind);
  if (kind?.typeName === def.typeName && kind.listTypeName) return kind.listTypeName;
  return `${def.typeName.slice(0, def.typeName.lastIndexOf('.') + 1)}${def.listKind}`;
}

function refTo(version: OpenAPIVersion, typeName: string): Schema {
  return { $ref: version === 'v3' ? `#/components/schemas/${typeName}` : `#/definitions/${typeName}` };
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

interface CustomSchema {
  schema: Schema;
  revision: number;
}

// Schemas of custom resources (a CRD version's openAPIV3Schema), by the definition serving it.
const customSchemas = new WeakMap<ResourceDefinition, CustomSchema>();
let schemaRevisions = 0;

/** Publishes a custom resource's own schema (v3) instead of an open one. */
export function setCustomResourceSchema(def: ResourceDefinition, schema: Schema | undefined): void {
  if (schema) customSchemas.set(def, { schema, revision: ++schemaRevisions });
  else customSchemas.delete(def);
}

/** Changes whenever the schema published for `def` does (for memoized documents). */
export function customSchemaRevision(def: ResourceDefinition): number {
  return customSchemas.get(def)?.revision ?? 0;
}

/** Whether any of these definitions publishes its own schema (which refers to ObjectMeta). */
export function needsObjectMeta(defs: ResourceDefinition[]): boolean {
  return defs.some((d) => customSchemas.has(d));
}

/** int-or-string fields are published with their two alternatives, as upstream does. */
function withIntOrString(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Schema = { ...(schema as Schema) };
  const props = out.properties as Record<string, unknown> | undefined;
  if (props) out.properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, withIntOrString(v)]));
  for (const k of ['items', 'additionalProperties', 'not']) if (k in out) out[k] = withIntOrString(out[k]);
  for (const k of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(out[k])) out[k] = (out[k] as unknown[]).map(withIntOrString);
  if (out['x-kubernetes-int-or-string'] === true && !out.anyOf) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  return out;
}

/** A CRD schema as upstream publishes it: apiVersion, kind and metadata (ObjectMeta) added at the root. */
function publishedSchema(original: Schema): Schema {
  const schema = withIntOrString(original) as Schema;
  const own = (schema.properties ?? {}) as Record<string, Schema>;
  const { metadata: _m, apiVersion: _a, kind: _k, ...rest } = own;
  return {
    ...schema,
    type: 'object',
    properties: {
      apiVersion: {
        description: 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
        type: 'string',
      },
      kind: {
        description: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
        type: 'string',
      },
      metadata: {
        allOf: [{ $ref: `#/components/schemas/${OBJECT_META}` }],
        description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
      },
      ...rest,
    },
  };
}

/** Open object schemas for kinds whose shape is not in the built-in data (or a CRD's own in v3). */
export function customResourceSchemas(defs: ResourceDefinition[], version: OpenAPIVersion): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const def of defs) {
    if (getType(def.typeName)) continue;
    const gvk = { group: def.group, version: def.version, kind: def.kind };
    const own = version === 'v3' ? customSchemas.get(def) : undefined;
    out[def.typeName] = own
      ? { ...publishedSchema(own.schema), 'x-kubernetes-group-version-kind': [gvk] }
      : {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          'x-kubernetes-group-version-kind': [gvk],
        };
    out[listTypeNameFor(def)] = {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        items: { type: 'array', items: refTo(version, def.typeName) },
        kind: { type: 'string' },
        metadata: version === 'v3' ? { allOf: [refTo(version, 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta')], default: {} } : refTo(version, 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'),
      },
      'x-kubernetes-group-version-kind': [{ ...gvk, kind: def.listKind }],
    };
  }
  return out;
}
