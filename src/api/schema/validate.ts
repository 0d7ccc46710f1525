// Structural validation against the schema data: what upstream's JSON decoding into Go types
// rejects (wrong JSON types, bad quantities, times, base64…), plus +enum values, plus the
// unknown fields that strict decoding (fieldValidation=Strict/Warn) reports.

import { fieldError, type FieldError } from '../errors.ts';
import { compileStruct, type CompiledStruct, type SchemaNode } from './compile.ts';
import { getType } from './registry.ts';

export interface SchemaValidationResult {
  errors: FieldError[];
  /** Paths of fields not in the schema, as upstream's strict decoding prints them. */
  unknownFields: string[];
}

const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[numkMGTPE]|[KMGTPE]i|[eE][+-]?\d+)?$/;
const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Where the walk is: field names and list indexes, formatted only when something is reported. */
type PathStack = (string | number)[];

function formatPath(stack: PathStack): string {
  let out = '';
  for (const seg of stack) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

class Walker {
  readonly errors: FieldError[] = [];
  readonly unknownFields: string[] = [];
  private readonly path: PathStack = [];

  constructor(private readonly drop: boolean) {}

  private typeError(value: unknown, expected: string): void {
    this.errors.push(fieldError.typeInvalid(formatPath(this.path), value, `must be of type ${expected}`));
  }

  struct(s: CompiledStruct, obj: unknown, topLevel: boolean): void {
    if (obj === null || obj === undefined) return;
    if (typeof obj !== 'object' || Array.isArray(obj)) return this.typeError(obj, 'object');
    const rec = obj as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      const field = s.fields.get(key);
      if (!field) {
        if (topLevel && (key === 'apiVersion' || key === 'kind')) continue;
        if (this.drop) {
          delete rec[key];
        } else {
          this.path.push(key);
          this.unknownFields.push(formatPath(this.path));
          this.path.pop();
        }
        continue;
      }
      const value = rec[key];
      if (value === null || value === undefined) continue;
      this.path.push(key);
      this.value(field.node, value);
      this.path.pop();
    }
  }

  value(node: SchemaNode, v: unknown): void {
    if (v === null || v === undefined) return;
    switch (node.kind) {
      case 'string':
        if (typeof v !== 'string') return this.typeError(v, 'string');
        if (this.drop) return;
        if (node.enum && !node.enum.has(v)) {
          this.errors.push(fieldError.notSupported(formatPath(this.path), v, node.enumValues!));
        } else if (node.format === 'date-time') {
          if (!DATE_TIME.test(v) || Number.isNaN(Date.parse(v))) {
            this.errors.push(fieldError.invalid(formatPath(this.path), v, 'must be an RFC3339 date-time'));
          }
        } else if (node.format === 'byte') {
          if (!BASE64.test(v.replace(/[\r\n]/g, ''))) {
            this.errors.push(fieldError.invalid(formatPath(this.path), v, 'must be base64 encoded'));
          }
        } else if (node.format === 'duration') {
          if (v !== '0' && !DURATION.test(v)) {
            this.errors.push(fieldError.invalid(formatPath(this.path), v, 'must be a duration such as "1h30m"'));
          }
        }
        return;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) return this.typeError(v, 'integer');
        if (node.bits === 32 && (v < INT32_MIN || v > INT32_MAX) && !this.drop) {
          this.errors.push(fieldError.invalid(formatPath(this.path), v, 'must fit in a 32-bit integer'));
        }
        return;
      case 'number':
        if (typeof v !== 'number') this.typeError(v, 'number');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.typeError(v, 'boolean');
        return;
      case 'quantity':
        if (typeof v === 'number') return;
        if (typeof v !== 'string') return this.typeError(v, 'string');
        if (!this.drop && !QUANTITY.test(v)) this.errors.push(fieldError.invalid(formatPath(this.path), v, QUANTITY_MESSAGE));
        return;
      case 'int-or-string':
        if (typeof v === 'string') return;
        if (typeof v !== 'number' || !Number.isInteger(v)) this.typeError(v, 'integer or string');
        return;
      case 'any':
        return;
      case 'array': {
        if (!Array.isArray(v)) return this.typeError(v, 'array');
        const items = node.items;
        for (let i = 0; i < v.length; i++) {
          this.path.push(i);
          this.value(items, v[i]);
          this.path.pop();
        }
        return;
      }
      case 'map': {
        if (typeof v !== 'object' || Array.isArray(v)) return this.typeError(v, 'object');
        const values = node.values;
        const rec = v as Record<string, unknown>;
        for (const key of Object.keys(rec)) {
          this.path.push(key);
          this.value(values, rec[key]);
          this.path.pop();
        }
        return;
      }
      case 'struct':
        return this.struct(node.struct, v, false);
      case 'schema-or-bool':
        if (typeof v === 'boolean') return;
        return this.struct(node.struct, v, false);
      case 'schema-or-array':
        if (Array.isArray(v)) return this.value({ kind: 'array', items: { kind: 'struct', struct: node.struct } }, v);
        return this.struct(node.struct, v, false);
      case 'schema-or-string-array':
        if (Array.isArray(v)) return this.value({ kind: 'array', items: { kind: 'string' } }, v);
        return this.struct(node.struct, v, false);
    }
  }
}

/**
 * Check `obj` against the type named `typeName` (e.g. `io.k8s.api.apps.v1.Deployment`).
 * `apiVersion` and `kind` are always allowed at the top level. A type the schema data does
 * not know (a custom resource) passes unchecked.
 */
export function validateAgainstSchema(typeName: string, obj: unknown): SchemaValidationResult {
  if (!getType(typeName)) return { errors: [], unknownFields: [] };
  const walker = new Walker(false);
  walker.struct(compileStruct(typeName), obj, true);
  return { errors: walker.errors, unknownFields: walker.unknownFields };
}

/** Remove, in place, every field the schema does not know (fieldValidation=Ignore). Returns obj. */
export function dropUnknownFields<T>(typeName: string, obj: T): T {
  if (!getType(typeName)) return obj;
  new Walker(true).struct(compileStruct(typeName), obj, true);
  return obj;
}

/** Upstream's wording for one unknown field, as in a strict decoding error or warning. */
export function unknownFieldMessage(path: string): string {
  return `unknown field "${path}"`;
}

/**
 * The 400 message upstream gives for fieldValidation=Strict, e.g. `Deployment in version "v1"
 * cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecodingMessage(kind: string, version: string, unknownFields: string[]): string {
  const list = unknownFields.map(unknownFieldMessage).join(', ');
  return `${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${list}`;
}
