// Defaults from the `+default=` markers in the schema data (what upstream's defaulter-gen
// generates from them): set absent fields only, recursing into present objects and list items.

import { getType } from './registry.ts';
import { compileStruct, type CompiledField, type CompiledStruct, type SchemaNode } from './compile.ts';

/** For one struct: the fields to default here and the fields to descend into. */
interface DefaultPlan {
  set: CompiledField[];
  descend: { name: string; node: SchemaNode; plan: DefaultPlan }[];
}

const EMPTY: DefaultPlan = { set: [], descend: [] };
const plans = new Map<CompiledStruct, DefaultPlan>();

function structOf(node: SchemaNode): CompiledStruct | undefined {
  switch (node.kind) {
    case 'struct':
      return node.struct;
    case 'array':
      return structOf(node.items);
    case 'map':
      return structOf(node.values);
    default:
      return undefined;
  }
}

function planFor(s: CompiledStruct): DefaultPlan {
  const known = plans.get(s);
  if (known) return known;
  const plan: DefaultPlan = { set: [], descend: [] };
  plans.set(s, plan); // placeholder against recursive types
  for (const field of s.fields.values()) {
    if (field.hasDefault) plan.set.push(field);
    const child = structOf(field.node);
    if (!child) continue;
    const childPlan = planFor(child);
    if (childPlan !== plan && (childPlan.set.length || childPlan.descend.length)) {
      plan.descend.push({ name: field.name, node: field.node, plan: childPlan });
    }
  }
  if (!plan.set.length && !plan.descend.length) plans.set(s, EMPTY);
  return plan;
}

function applyPlan(plan: DefaultPlan, obj: Record<string, unknown>): void {
  for (const f of plan.set) {
    if (obj[f.name] === undefined) obj[f.name] = structuredClone(f.default);
  }
  for (const d of plan.descend) {
    const v = obj[d.name];
    if (v !== undefined && v !== null) applyNode(d.node, d.plan, v);
  }
}

function applyNode(node: SchemaNode, plan: DefaultPlan, v: unknown): void {
  if (v === null || typeof v !== 'object') return;
  switch (node.kind) {
    case 'struct':
      if (!Array.isArray(v)) applyPlan(plan, v as Record<string, unknown>);
      return;
    case 'array':
      if (Array.isArray(v)) for (const item of v) applyNode(node.items, plan, item);
      return;
    case 'map':
      if (!Array.isArray(v)) for (const item of Object.values(v)) applyNode(node.values, plan, item);
      return;
  }
}

/** Apply `+default=` markers of `typeName` to `obj` in place; returns obj. */
export function applySchemaDefaults<T>(typeName: string, obj: T): T {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj) && getType(typeName)) {
    applyPlan(planFor(compileStruct(typeName)), obj as Record<string, unknown>);
  }
  return obj;
}
