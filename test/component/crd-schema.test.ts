// The pure parts behind custom resources: structural-schema validation, CEL validation rules,
// pruning, defaulting, the JSONPath subset and printer-column cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCustomResource, validateCustomResourceTransition, type JSONSchema } from '../../src/apiserver/crd/schema-validation.ts';
import { CelError, compileCel, evalCel } from '../../src/apiserver/crd/cel.ts';
import { pruneUnknownFields } from '../../src/apiserver/crd/schema-pruning.ts';
import { applyCustomResourceDefaults } from '../../src/apiserver/crd/schema-defaulting.ts';
import { parseSimpleJsonPath, getAtPath } from '../../src/apiserver/crd/jsonpath.ts';
import { printerColumnsTable } from '../../src/apiserver/crd/printer-columns.ts';

const schema: JSONSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        size: { type: 'number', minimum: 0, exclusiveMinimum: true },
        name: { type: 'string', minLength: 2 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        set: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        either: { anyOf: [{ type: 'integer' }, { type: 'string', pattern: '^[a-z]+$' }] },
        servers: {
          type: 'array',
          items: { type: 'object', properties: { host: { type: 'string' }, port: { type: 'integer', default: 80 } } },
        },
        tls: { type: 'object', default: {}, properties: { enabled: { type: 'boolean', default: false } } },
        free: {
          type: 'object',
          'x-kubernetes-preserve-unknown-fields': true,
          properties: { strict: { type: 'object', properties: { a: { type: 'string' } } } },
        },
        pod: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object', properties: {} } } },
      },
    },
  },
};

const obj = (spec: Record<string, unknown>) => ({ apiVersion: 'x.io/v1', kind: 'X', metadata: { name: 'x' }, spec });

test('exclusive minimum, minLength, map values, sets and anyOf are enforced with upstream messages', () => {
  const errs = validateCustomResource(schema, obj({ size: 0, name: 'a', labels: { ok: 'v', bad: 3 }, set: ['a', 'a'], either: 'UPPER' }));
  const byField = Object.fromEntries(errs.map((e) => [e.field, e.message]));
  assert.equal(byField['spec.size'], 'Invalid value: 0: spec.size in body should be greater than 0');
  assert.equal(byField['spec.name'], 'Invalid value: "a": spec.name in body should be at least 2 chars long');
  assert.equal(byField['spec.labels.bad'], 'Invalid value: "integer": spec.labels.bad in body must be of type string: "integer"');
  assert.equal(byField['spec.set[1]'], 'Duplicate value: "a"');
  assert.match(byField['spec.either'], /must match at least one schema in anyOf/);
  const dup = validateCustomResource(schema, obj({ ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }, { name: 'a', port: 3 }] }));
  assert.deepEqual(dup, [{ type: 'FieldValueDuplicate', field: 'spec.ports[2]', message: 'Duplicate value: {"name":"a"}' }]);
  assert.deepEqual(validateCustomResource(schema, obj({ size: 0.5, name: 'ab', either: 7 })), []);
});

test('pruning drops undeclared fields at every depth but keeps preserved and embedded ones', () => {
  const o: any = obj({
    unknown: 1,
    servers: [{ host: 'h', extra: true }],
    labels: { any: 'thing' },
    free: { whatever: { deep: 1 }, strict: { a: 'x', b: 'dropped' } },
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nope: 1 }, status: {} },
  });
  const removed = pruneUnknownFields(schema, o);
  assert.deepEqual(removed.sort(), ['spec.free.strict.b', 'spec.pod.spec.nope', 'spec.pod.status', 'spec.servers[0].extra', 'spec.unknown']);
  assert.deepEqual(o.spec.free, { whatever: { deep: 1 }, strict: { a: 'x' } });
  assert.deepEqual(o.spec.pod, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} });
  assert.deepEqual(o.metadata, { name: 'x' });
});

test('defaults apply inside defaulted objects and list items, and replace null where null is not allowed', () => {
  const o: any = obj({ servers: [{ host: 'a' }, { host: 'b', port: 8080 }] });
  applyCustomResourceDefaults(schema, o);
  assert.deepEqual(o.spec.tls, { enabled: false });
  assert.deepEqual(o.spec.servers, [{ host: 'a', port: 80 }, { host: 'b', port: 8080 }]);
  const n: any = obj({ tls: { enabled: null } });
  applyCustomResourceDefaults(schema, n);
  assert.equal(n.spec.tls.enabled, false);
});

test('the JSONPath subset reads fields, indexes and quoted keys; other expressions are refused', () => {
  const o = { metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, status: { conditions: [{ type: 'Ready' }] } };
  assert.equal(getAtPath(o, parseSimpleJsonPath(".metadata.labels['app.kubernetes.io/name']")!), 'web');
  assert.equal(getAtPath(o, parseSimpleJsonPath('{.status.conditions[0].type}')!), 'Ready');
  assert.equal(parseSimpleJsonPath('.status.conditions[?(@.type=="Ready")]'), undefined);
});

test('printer columns print typed cells: ages for dates, nothing for mismatched types', () => {
  const table = printerColumnsTable([
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'boolean', jsonPath: '.status.ready' },
    { name: 'Started', type: 'date', jsonPath: '.status.started' },
    { name: 'Spec', type: 'string', jsonPath: '.spec' },
  ]);
  assert.deepEqual(table.columns.map((c) => c.name), ['Name', 'Replicas', 'Ready', 'Started', 'Spec']);
  const now = new Date('2026-01-01T01:00:00Z');
  const row = table.row({ metadata: { name: 'n' }, spec: { replicas: 'x' }, status: { ready: true, started: '2026-01-01T00:00:00Z' } }, now);
  assert.deepEqual(row, ['n', null, true, '60m', '{"replicas":"x"}']);
  const fallback = printerColumnsTable(undefined);
  assert.deepEqual(fallback.columns.map((c) => [c.name, c.type]), [['Name', 'string'], ['Age', 'date']]);
});

test('the CEL subset evaluates common validation rules and refuses what it does not know', () => {
  const run = (rule: string, self: any, oldSelf?: any) => evalCel(compileCel(rule), oldSelf === undefined ? { self } : { self, oldSelf });
  assert.equal(run('self.min <= self.max', { min: 1, max: 2 }), true);
  assert.equal(run('!has(self.a) || self.a.startsWith("x")', {}), true);
  assert.equal(run('!has(self.a) || self.a.startsWith("x")', { a: 'yz' }), false);
  assert.equal(run("self.items.all(i, size(i) < 3) && self.items.exists(i, i == 'ab')", { items: ['a', 'ab'] }), true);
  assert.equal(run("self.items.filter(i, i.matches('^a')).size() == 1", { items: ['a', 'b'] }), true);
  assert.equal(run("'env' in self.labels ? self.labels['env'] in ['prod', 'dev'] : true", { labels: { env: 'qa' } }), false);
  assert.equal(run('self.replicas % 2 == 1 && self.replicas / 2 == 1', { replicas: 3 }), true);
  assert.equal(run('self == oldSelf', { a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), true);
  assert.equal(run('self.name + "-x" == "n-x" || self.missing', { name: 'n' }), true);
  assert.throws(() => run('self.missing == 1', {}), CelError);
  assert.throws(() => compileCel("self.q.isQuantity()"), CelError);
  assert.throws(() => compileCel('self.a ='), CelError);
});

test('x-kubernetes-validations rules are enforced, transition rules only against the old object', () => {
  const s: JSONSchema = {
    type: 'object',
    'x-kubernetes-validations': [{ rule: 'self.metadata.name.size() <= 5', message: 'name too long' }],
    properties: {
      spec: {
        type: 'object',
        'x-kubernetes-validations': [
          { rule: 'self.min <= self.max', message: 'min must not exceed max' },
          { rule: 'self.q.isQuantity()' },
          { rule: 'self.mode == oldSelf.mode', message: 'mode is immutable', fieldPath: '.mode' },
        ],
        properties: {
          min: { type: 'integer' },
          max: { type: 'integer' },
          mode: { type: 'string' },
          q: { type: 'string' },
          id: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', reason: 'FieldValueForbidden', message: 'id may not change' }] },
        },
      },
    },
  };
  const o = (name: string, spec: any) => ({ apiVersion: 'x.io/v1', kind: 'X', metadata: { name }, spec });
  const errs = validateCustomResource(s, o('toolong', { min: 3, max: 1, mode: 'a', q: 'x' }));
  assert.deepEqual(errs, [
    { type: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: "object": min must not exceed max' },
    { type: 'FieldValueInvalid', field: '<root>', message: 'Invalid value: "object": name too long' },
  ]);
  assert.deepEqual(validateCustomResource(s, o('ok', { min: 1, max: 1, mode: 'a', id: 'i' })), []);
  const changed = validateCustomResourceTransition(s, o('ok', { min: 1, max: 1, mode: 'b', id: 'j' }), o('ok', { min: 1, max: 1, mode: 'a', id: 'i' }));
  assert.deepEqual(changed, [
    { type: 'FieldValueInvalid', field: 'spec.mode', message: 'Invalid value: "object": mode is immutable' },
    { type: 'FieldValueForbidden', field: 'spec.id', message: 'Forbidden: id may not change' },
  ]);
  assert.deepEqual(validateCustomResourceTransition(s, o('ok', { min: 1, max: 1, mode: 'a', id: 'i' }), o('ok', { min: 1, max: 1, mode: 'a' })), []);
});
