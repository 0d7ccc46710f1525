// Pruning: fields a custom resource's structural schema does not declare are dropped, unless
// the schema says `x-kubernetes-preserve-unknown-fields` at that level. apiVersion, kind and
// metadata survive at the root and in embedded resources.

import type { JSONSchema } from './schema-validation.ts';

const ALWAYS_KEPT = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes unknown fields in place; returns the paths removed (`spec.foo`, `spec.items[0].bar`). */
export function pruneUnknownFields(schema: JSONSchema | undefined, obj: Record<string, unknown>): string[] {
  const removed: string[] = [];
  if (!schema) return removed;
  pruneObject(schema, obj, '', removed, true);
  return removed;
}

function prune(schema: JSONSchema | undefined, v: unknown, path: string, removed: string[]): void {
  if (!schema || v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    const items = Array.isArray(schema.items) ? schema.items[0] : schema.items;
    if (!items) return;
    v.forEach((x, i) => prune(items, x, `${path}[${i}]`, removed));
    return;
  }
  pruneObject(schema, v as Record<string, unknown>, path, removed, false);
}

function pruneObject(schema: JSONSchema, obj: Record<string, unknown>, path: string, removed: string[], root: boolean): void {
  const prefix = path ? `${path}.` : '';
  const keepAll = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = root || schema['x-kubernetes-embedded-resource'] === true;
  for (const key of Object.keys(obj)) {
    // The server owns the root's apiVersion, kind and metadata.
    if (root && ALWAYS_KEPT.has(key)) continue;
    const own = schema.properties?.[key];
    if (own) {
      prune(own, obj[key], `${prefix}${key}`, removed);
      continue;
    }
    if (typeof schema.additionalProperties === 'object') {
      prune(schema.additionalProperties, obj[key], `${prefix}${key}`, removed);
      continue;
    }
    if (keepAll || schema.additionalProperties === true || (embedded && ALWAYS_KEPT.has(key))) continue;
    delete obj[key];
    removed.push(`${prefix}${key}`);
  }
}
