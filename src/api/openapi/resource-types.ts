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

/** Open object schemas for kinds whose shape is not in the built-in data. */
export function customResourceSchemas(defs: ResourceDefinition[], version: OpenAPIVersion): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const def of defs) {
    if (getType(def.typeName)) continue;
    const gvk = { group: def.group, version: def.version, kind: def.kind };
    out[def.typeName] = {
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
