// Protobuf message plans compiled from the schema data's `proto` facts (generated.proto
// numbers and types), one per message, cached: the codec never looks at the schema again.

import { getType, mustGetType, typeNameForProtoMessage, type FieldInfo, type ProtoField } from '../schema/registry.ts';

export type ScalarType = 'string' | 'int32' | 'int64' | 'bool' | 'bytes' | 'double' | 'float' | 'uint32' | 'uint64';

export type MessageKind =
  | 'struct'
  | 'time'
  | 'microtime'
  | 'duration'
  | 'quantity'
  | 'int-or-string'
  /** RawExtension, FieldsV1, apiextensions JSON: field 1 holds JSON text. */
  | 'raw-json'
  /** ExtraValue, Verbs: a list of strings wrapped in a message (field 1). */
  | 'string-list'
  | 'schema-or-bool'
  | 'schema-or-array'
  | 'schema-or-string-array';

export type ValuePlan = { scalar: ScalarType } | { message: MessagePlan };

export interface FieldPlan {
  number: number;
  /** JSON name; null for an inline embed that has its own number (its fields go on the parent). */
  json: string | null;
  repeated: boolean;
  map: boolean;
  /** Value type (map: the value's); map keys are always strings in Kubernetes. */
  value: ValuePlan;
  /** Go omits this field from JSON when it holds its zero value (omitempty, not a pointer). */
  omitZero: boolean;
  /** A bytes field shown as base64 in JSON. */
  base64: boolean;
}

export interface MessagePlan {
  typeName: string;
  kind: MessageKind;
  fields: FieldPlan[];
  byNumber: Map<number, FieldPlan>;
  /** For the schema-or-* kinds: the JSONSchemaProps plan. */
  schema?: MessagePlan;
}

const SCALARS = new Set<string>(['string', 'int32', 'int64', 'bool', 'bytes', 'double', 'float', 'uint32', 'uint64']);

const SPECIAL_KINDS: Record<string, MessageKind> = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'time',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'microtime',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Duration': 'duration',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'quantity',
  'io.k8s.apimachinery.pkg.api.resource.QuantityValue': 'quantity',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'int-or-string',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'raw-json',
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': 'raw-json',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': 'raw-json',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': 'schema-or-bool',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': 'schema-or-array',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': 'schema-or-string-array',
};

const JSON_SCHEMA_PROPS = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';

const plans = new Map<string, MessagePlan>();

function valuePlan(protoType: string, owner: string): ValuePlan {
  if (SCALARS.has(protoType)) return { scalar: protoType as ScalarType };
  const typeName = typeNameForProtoMessage(protoType);
  if (!typeName) throw new Error(`protobuf: ${owner} refers to unknown message ${protoType}`);
  return { message: messagePlan(typeName) };
}

function isZeroable(f: FieldInfo): boolean {
  if (!f.omitempty || f.type.pointer) return false;
  const t = f.type.type;
  return t === 'string' || t === 'integer' || t === 'number' || t === 'boolean' || t === 'array' || t === 'map';
}

function fieldPlan(f: FieldInfo, p: ProtoField, owner: string): FieldPlan {
  const map = p.label === 'map';
  const value = valuePlan(map ? p.value! : p.type!, owner);
  const bytesType = map ? p.value : p.type;
  return {
    number: p.number,
    json: f.inline ? null : f.json,
    repeated: p.label === 'repeated',
    map,
    value,
    omitZero: isZeroable(f),
    base64: bytesType === 'bytes',
  };
}

/** The plan for a schema type, e.g. messagePlan('io.k8s.api.core.v1.Pod'). */
export function messagePlan(typeName: string): MessagePlan {
  const known = plans.get(typeName);
  if (known) return known;
  const type = mustGetType(typeName);
  const plan: MessagePlan = { typeName, kind: SPECIAL_KINDS[typeName] ?? 'struct', fields: [], byNumber: new Map() };
  plans.set(typeName, plan);
  if (type.kind === 'named') {
    if (!type.protoFields?.length) throw new Error(`protobuf: ${typeName} is not a message`);
    plan.kind = 'string-list';
    return plan;
  }
  if (plan.kind.startsWith('schema-or-')) plan.schema = messagePlan(JSON_SCHEMA_PROPS);
  if (plan.kind !== 'struct') return plan;
  for (const f of type.fields ?? []) {
    if (!f.proto) continue;
    if (f.json === null && !f.inline) continue; // not in JSON (json:"-")
    if (f.inline && !(f.inlineType && getType(f.inlineType))) continue;
    const fp = fieldPlan(f, f.proto, typeName);
    plan.fields.push(fp);
    plan.byNumber.set(fp.number, fp);
  }
  plan.fields.sort((a, b) => a.number - b.number);
  return plan;
}
