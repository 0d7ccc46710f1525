// Defaulting from a custom resource's schema: a property with a `default` that is absent (or
// null where the schema does not allow null) gets the default, at every depth, parents
// before children so defaults inside a defaulted object apply too.

import { deepClone } from '../../api/patch/json-value.ts';
import type { JSONSchema } from './schema-validation.ts';

export function applyCustomResourceDefaults(schema: JSONSchema | undefined, obj: Record<string, unknown>): void {
  if (!schema) return;
  defaultObject(schema, obj, true);
}

function defaultValue(schema: JSONSchema | undefined, v: unknown): void {
  if (!schema || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
    if (items) for (const x of v) defaultValue(items, x);
    return;
  }
  defaultObject(schema, v as Record<string, unknown>, false);
}

function defaultObject(schema: JSONSchema, obj: Record<string, unknown>, root: boolean): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (root && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue;
    const absent = !(key in obj) || obj[key] === undefined || (obj[key] === null && !prop.nullable);
    if (absent && prop.default !== undefined) obj[key] = deepClone(prop.default);
    if (key in obj) defaultValue(prop, obj[key]);
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const [key, v] of Object.entries(obj)) {
      if (schema.properties?.[key]) continue;
      defaultValue(schema.additionalProperties, v);
    }
  }
}
