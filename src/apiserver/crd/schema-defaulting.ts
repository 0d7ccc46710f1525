// Defaulting from a custom resource's schema: a property with a `default` that is absent (or
// null where the schema does not allow null) gets the default, at every depth, parents
// before children so defaults inside a defaulted object apply too.

import { deepClone } from '../../api/patch/json-value.ts';
import type { JSONSchema } from './schema-validation.ts';

/** Applies the schema's defaults in place; returns whether any was applied. */
export function applyCustomResourceDefaults(schema: JSONSchema | undefined, obj: Record<string, unknown>): boolean {
  if (!schema) return false;
  return defaultObject(schema, obj, true);
}

function defaultValue(schema: JSONSchema | undefined, v: unknown): boolean {
  if (!schema || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
    let changed = false;
    if (items) for (const x of v) changed = defaultValue(items, x) || changed;
    return changed;
  }
  return defaultObject(schema, v as Record<string, unknown>, false);
}

function defaultObject(schema: JSONSchema, obj: Record<string, unknown>, root: boolean): boolean {
  let changed = false;
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (root && (key === 'metadata' || key === 'apiVersion' || key === 'kind')) continue;
    const absent = !(key in obj) || obj[key] === undefined || (obj[key] === null && !prop.nullable);
    if (absent && prop.default !== undefined) {
      obj[key] = deepClone(prop.default);
      changed = true;
    }
    if (key in obj) changed = defaultValue(prop, obj[key]) || changed;
  }
  if (typeof schema.additionalProperties === 'object') {
    for (const [key, v] of Object.entries(obj)) {
      if (schema.properties?.[key]) continue;
      changed = defaultValue(schema.additionalProperties, v) || changed;
    }
  }
  return changed;
}
