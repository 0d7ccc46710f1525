// Types from the schema data compiled once into plain node trees that the validator, the
// unknown-field pruner and the defaulter walk without any lookup by name.

import { jsonFields, mustGetType, type FieldInfo, type TypeRef } from './registry.ts';

export type SchemaNode =
  | { kind: 'string'; enum?: Set<string>; enumValues?: string[]; format?: 'date-time' | 'byte' | 'duration' }
  | { kind: 'integer'; bits: 32 | 64 }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'quantity' }
  | { kind: 'int-or-string' }
  | { kind: 'any' }
  | { kind: 'array'; items: SchemaNode }
  | { kind: 'map'; values: SchemaNode }
  | { kind: 'struct'; struct: CompiledStruct }
  /** JSONSchemaProps alternatives (apiextensions): a schema, or a bool / array of schemas / strings. */
  | { kind: 'schema-or-bool'; struct: CompiledStruct }
  | { kind: 'schema-or-array'; struct: CompiledStruct }
  | { kind: 'schema-or-string-array'; struct: CompiledStruct };

export interface CompiledField {
  name: string;
  node: SchemaNode;
  /** Parsed `+default=` value, if the field has one that Go would actually write. */
  default?: unknown;
  hasDefault: boolean;
}

export interface CompiledStruct {
  typeName: string;
  fields: Map<string, CompiledField>;
}

const structs = new Map<string, CompiledStruct>();

export function compileStruct(typeName: string): CompiledStruct {
  let s = structs.get(typeName);
  if (s) return s;
  s = { typeName, fields: new Map() };
  structs.set(typeName, s);
  for (const f of jsonFields(typeName)) {
    const node = compileRef(f.type);
    const def = parseDefault(f);
    s.fields.set(f.json!, { name: f.json!, node, default: def.value, hasDefault: def.present });
  }
  return s;
}

function compileRef(t: TypeRef): SchemaNode {
  switch (t.type) {
    case 'string': {
      const format = t.format === 'date-time' || t.format === 'byte' || t.format === 'duration' ? t.format : undefined;
      if (t.enumMarker && t.enum?.length) return { kind: 'string', enum: new Set(t.enum), enumValues: t.enum, format };
      return { kind: 'string', format };
    }
    case 'integer':
      return { kind: 'integer', bits: t.format === 'int64' ? 64 : 32 };
    case 'number':
    case 'boolean':
    case 'quantity':
    case 'int-or-string':
    case 'any':
      return { kind: t.type };
    case 'raw-object':
      return { kind: 'any' };
    case 'array':
      return { kind: 'array', items: compileRef(t.items!) };
    case 'map':
      return { kind: 'map', values: compileRef(t.values!) };
    case 'object':
      return { kind: 'struct', struct: compileStruct(t.ref!) };
    case 'schema-or-bool':
    case 'schema-or-array':
    case 'schema-or-string-array': {
      const schemaRef = t.oneOf?.find((o) => o.type === 'object')?.ref;
      return { kind: t.type, struct: compileStruct(schemaRef!) };
    }
  }
}

/**
 * `+default=` values are Go literals in JSON syntax, or `ref(ConstName)` naming a constant of
 * the field's named type. A zero value on a non-pointer field is skipped: Go cannot tell it
 * from absent, and with omitempty it never appears in JSON.
 */
function parseDefault(f: FieldInfo): { present: boolean; value?: unknown } {
  const raw = f.markers?.default?.[0];
  if (raw === undefined) return { present: false };
  let value: unknown;
  const ref = /^ref\((.+)\)$/.exec(raw);
  if (ref) {
    const named = f.type.named ? mustGetType(f.type.named) : undefined;
    const constant = named?.constants?.find((c) => c[0] === ref[1] || ref[1].endsWith(`.${c[0]}`));
    if (!constant) return { present: false };
    value = constant[1];
  } else {
    try {
      value = JSON.parse(raw);
    } catch {
      return { present: false };
    }
  }
  const zero = value === '' || value === 0 || value === false || value === null;
  if (zero && !f.type.pointer) return { present: false };
  return { present: true, value };
}
