// Validation of a custom resource against its version's `openAPIV3Schema` (upstream's
// apiextensions-apiserver schema validator on kube-openapi), with upstream's field paths and
// wording: `spec.replicas: Invalid value: "string": spec.replicas in body must be of type
// integer: "string"`.

import { fieldError, type FieldError } from '../../api/errors.ts';
import { deepEqual, jsonKind } from '../../api/patch/json-value.ts';
import { CelError, compileCel, evalCel, usesOldSelf, type CelValue } from './cel.ts';

/** The subset of JSONSchemaProps a structural schema uses. */
export interface JSONSchema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  items?: JSONSchema | JSONSchema[];
  additionalProperties?: JSONSchema | boolean;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  allOf?: JSONSchema[];
  anyOf?: JSONSchema[];
  oneOf?: JSONSchema[];
  not?: JSONSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [extension: string]: unknown;
}

const patternCache = new Map<string, RegExp | null>();

function compiledPattern(p: string): RegExp | null {
  let re = patternCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p, 'u');
    } catch {
      re = null;
    }
    patternCache.set(p, re);
  }
  return re;
}

/** kube-openapi's name for a JSON value's type. */
function typeName(v: unknown): string {
  const k = jsonKind(v);
  if (k === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return k;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return jsonKind(v) === 'object';
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

function itemSchema(s: JSONSchema): JSONSchema | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

class SchemaValidator {
  readonly errors: FieldError[] = [];

  value(schema: JSONSchema | undefined, v: unknown, path: string): void {
    if (!schema) return;
    const at = path || '<root>';
    if (v === null) {
      if (schema.nullable || (!schema.type && !schema['x-kubernetes-int-or-string'])) return;
      const expect = schema.type ?? 'integer or string';
      this.errors.push(fieldError.typeInvalid(at, 'null', `${at} in body must be of type ${expect}: "null"`));
      return;
    }
    if (schema['x-kubernetes-int-or-string']) {
      if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
        this.errors.push(fieldError.typeInvalid(at, typeName(v), `${at} in body must be of type integer,string: "${typeName(v)}"`));
        return;
      }
    } else if (schema.type && !typeMatches(schema.type, v)) {
      this.errors.push(fieldError.typeInvalid(at, typeName(v), `${at} in body must be of type ${schema.type}: "${typeName(v)}"`));
      return;
    }
    if (schema.enum && !schema.enum.some((e) => deepEqual(e, v))) {
      this.errors.push(fieldError.notSupported(at, v, schema.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
    }
    if (typeof v === 'number') this.number(schema, v, at);
    else if (typeof v === 'string') this.string(schema, v, at);
    else if (Array.isArray(v)) this.array(schema, v, path);
    else if (typeof v === 'object') this.object(schema, v as Record<string, unknown>, path);
    this.combinators(schema, v, path);
    if (schema['x-kubernetes-validations']) this.errors.push(...checkRules(schema, v, undefined, path, false));
  }

  private number(s: JSONSchema, v: number, at: string): void {
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${s.minimum}`));
    }
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${s.maximum}`));
    }
    if (s.multipleOf && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body should be a multiple of ${s.multipleOf}`));
    }
  }

  private string(s: JSONSchema, v: string, at: string): void {
    const length = [...v].length;
    if (s.maxLength !== undefined && length > s.maxLength) {
      this.errors.push({ type: 'FieldValueTooLong', field: at, message: `Too long: may not be more than ${s.maxLength} bytes` });
    }
    if (s.minLength !== undefined && length < s.minLength) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body should be at least ${s.minLength} chars long`));
    }
    if (s.pattern) {
      const re = compiledPattern(s.pattern);
      if (re && !re.test(v)) this.errors.push(fieldError.invalid(at, v, `${at} in body should match '${s.pattern}'`));
    }
    if (s.format && !formatMatches(s.format, v)) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body must be of type ${s.format}: ${JSON.stringify(v)}`));
    }
  }

  private array(s: JSONSchema, v: unknown[], path: string): void {
    const at = path || '<root>';
    if (s.maxItems !== undefined && v.length > s.maxItems) {
      this.errors.push({ type: 'FieldValueTooMany', field: at, message: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    }
    if (s.minItems !== undefined && v.length < s.minItems) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body should have at least ${s.minItems} items`));
    }
    if (s.uniqueItems || s['x-kubernetes-list-type'] === 'set') {
      for (let i = 1; i < v.length; i++) {
        if (v.slice(0, i).some((x) => deepEqual(x, v[i]))) {
          this.errors.push(fieldError.duplicate(`${at}[${i}]`, v[i]));
          break;
        }
      }
    }
    const mapKeys = s['x-kubernetes-list-type'] === 'map' ? (s['x-kubernetes-list-map-keys'] as string[] | undefined) : undefined;
    if (mapKeys?.length) {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (item === null || typeof item !== 'object') return;
        const key = Object.fromEntries(mapKeys.filter((k) => (item as any)[k] !== undefined).map((k) => [k, (item as any)[k]]));
        const id = JSON.stringify(mapKeys.map((k) => key[k] ?? null));
        if (seen.has(id)) this.errors.push(fieldError.duplicate(`${at}[${i}]`, key));
        seen.add(id);
      });
    }
    const items = itemSchema(s);
    for (let i = 0; i < v.length; i++) this.value(items, v[i], `${path}[${i}]`);
  }

  private object(s: JSONSchema, v: Record<string, unknown>, path: string): void {
    const at = path || '<root>';
    const keys = Object.keys(v);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      this.errors.push({ type: 'FieldValueTooMany', field: at, message: `Too many: ${keys.length}: must have at most ${s.maxProperties} items` });
    }
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body should have at least ${s.minProperties} properties`));
    }
    const prefix = path ? `${path}.` : '';
    for (const r of s.required ?? []) {
      if (!(r in v) || v[r] === undefined) this.errors.push(fieldError.required(`${prefix}${r}`));
    }
    if (s['x-kubernetes-embedded-resource']) {
      for (const f of ['apiVersion', 'kind']) {
        if (typeof v[f] !== 'string' || v[f] === '') this.errors.push(fieldError.required(`${prefix}${f}`, 'must not be empty'));
      }
    }
    for (const [k, child] of Object.entries(v)) {
      const ps = s.properties?.[k];
      if (ps) this.value(ps, child, `${prefix}${k}`);
      else if (typeof s.additionalProperties === 'object') this.value(s.additionalProperties, child, `${prefix}${k}`);
    }
  }

  /** allOf / anyOf / oneOf / not constrain values only (structural schemas add no fields there). */
  private combinators(s: JSONSchema, v: unknown, path: string): void {
    const at = path || '<root>';
    for (const sub of s.allOf ?? []) this.value(sub, v, path);
    if (s.anyOf?.length && !s.anyOf.some((sub) => validateValue(sub, v, path).length === 0)) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body must match at least one schema in anyOf`));
    }
    if (s.oneOf?.length && s.oneOf.filter((sub) => validateValue(sub, v, path).length === 0).length !== 1) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body must match exactly one schema in oneOf`));
    }
    if (s.not && validateValue(s.not, v, path).length === 0) {
      this.errors.push(fieldError.invalid(at, v, `${at} in body must not match the schema in not`));
    }
  }
}

interface ValidationRule {
  rule: string;
  message?: string;
  fieldPath?: string;
  reason?: string;
}

const compiled = new Map<string, ReturnType<typeof compileCel> | null>();

function compiledRule(rule: string): ReturnType<typeof compileCel> | null {
  let c = compiled.get(rule);
  if (c === undefined) {
    try {
      c = compileCel(rule);
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      c = null; // beyond the supported subset: not enforced
    }
    compiled.set(rule, c);
  }
  return c;
}

/**
 * The node's `x-kubernetes-validations`: plain rules (no `oldSelf`) when `transition` is false,
 * transition rules (with `oldSelf`, only when an old value exists) when it is true.
 */
function checkRules(schema: JSONSchema, v: unknown, old: unknown, path: string, transition: boolean): FieldError[] {
  const rules = schema['x-kubernetes-validations'] as ValidationRule[] | undefined;
  if (!Array.isArray(rules) || v === undefined || v === null) return [];
  const errs: FieldError[] = [];
  const at = path || '<root>';
  const shown = schema.type ?? typeName(v);
  for (const r of rules) {
    const program = typeof r?.rule === 'string' ? compiledRule(r.rule) : null;
    if (!program || usesOldSelf(program) !== transition) continue;
    if (transition && (old === undefined || old === null)) continue;
    const field = r.fieldPath ? `${path}${r.fieldPath.startsWith('.') || r.fieldPath.startsWith('[') ? '' : '.'}${r.fieldPath}`.replace(/^\./, '') : at;
    let ok: CelValue;
    try {
      ok = evalCel(program, transition ? { self: v as CelValue, oldSelf: old as CelValue } : { self: v as CelValue });
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      errs.push(fieldError.invalid(at, shown, `${e.message} evaluating rule: ${r.rule}`));
      continue;
    }
    if (ok === true) continue;
    const message = r.message || `failed rule: ${r.rule}`;
    if (r.reason === 'FieldValueForbidden') errs.push(fieldError.forbidden(field, message));
    else if (r.reason === 'FieldValueRequired') errs.push(fieldError.required(field, message));
    else errs.push(fieldError.invalid(field, shown, message));
  }
  return errs;
}

/** Transition rules (`oldSelf`) of every node where both the new and the old object have a value. */
function transitionErrors(schema: JSONSchema | undefined, v: unknown, old: unknown, path: string): FieldError[] {
  if (!schema || v === undefined || v === null || old === undefined || old === null) return [];
  const errs = checkRules(schema, v, old, path, true);
  const prefix = path ? `${path}.` : '';
  if (jsonKind(v) === 'object' && jsonKind(old) === 'object') {
    const o = old as Record<string, unknown>;
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      const ps = schema.properties?.[k] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (ps) errs.push(...transitionErrors(ps, child, o[k], `${prefix}${k}`));
    }
  } else if (Array.isArray(v) && Array.isArray(old) && isMapList(schema)) {
    // Items of a map list correlate with the old item of the same keys.
    const keys = schema['x-kubernetes-list-map-keys'] as string[];
    const id = (x: any) => JSON.stringify(keys.map((k) => x?.[k] ?? null));
    const before = new Map(old.map((x) => [id(x), x]));
    const items = itemSchema(schema);
    v.forEach((x, i) => errs.push(...transitionErrors(items, x, before.get(id(x)), `${path}[${i}]`)));
  }
  return errs;
}

function isMapList(schema: JSONSchema): boolean {
  return schema['x-kubernetes-list-type'] === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys']);
}

/** Transition rules of a custom resource's schema, for updates (rules that compare with `oldSelf`). */
export function validateCustomResourceTransition(schema: JSONSchema | undefined, obj: Record<string, unknown>, old: Record<string, unknown>): FieldError[] {
  if (!schema) return [];
  return transitionErrors(schema, ruleView(obj), ruleView(old), '');
}

/**
 * The object as the schema and its rules see it: metadata reduced to name and generateName
 * (as upstream's rules see it); the root schema's own apiVersion/kind/metadata entries are
 * dropped by the caller, so these are not validated beyond that.
 */
function ruleView(obj: Record<string, unknown>): Record<string, unknown> {
  const { metadata, ...rest } = obj;
  const m = (metadata ?? {}) as Record<string, unknown>;
  const meta: Record<string, unknown> = {};
  if (m.name !== undefined) meta.name = m.name;
  if (m.generateName !== undefined) meta.generateName = m.generateName;
  return { ...rest, metadata: meta };
}

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
  hostname: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/i,
};

function formatMatches(format: string, v: string): boolean {
  const re = FORMATS[format];
  return re ? re.test(v) : true;
}

function validateValue(schema: JSONSchema, v: unknown, path: string): FieldError[] {
  const w = new SchemaValidator();
  w.value(schema, v, path);
  return w.errors;
}

/**
 * Validates a whole custom resource. apiVersion, kind and metadata are the server's to check,
 * so the schema's own entries for them are skipped beyond their type.
 */
export function validateCustomResource(schema: JSONSchema | undefined, obj: Record<string, unknown>): FieldError[] {
  if (!schema) return [];
  const w = new SchemaValidator();
  const rootSchema: JSONSchema = { ...schema, properties: { ...(schema.properties ?? {}) } };
  delete rootSchema.properties!.metadata;
  delete rootSchema.properties!.apiVersion;
  delete rootSchema.properties!.kind;
  rootSchema.required = (schema.required ?? []).filter((r) => r !== 'metadata' && r !== 'apiVersion' && r !== 'kind');
  w.value(rootSchema, ruleView(obj), '');
  return w.errors;
}
