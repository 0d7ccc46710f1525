// The pure parts behind custom resources: structural-schema validation, pruning, defaulting,
// the JSONPath subset and printer-column cells.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCustomResource, type JSONSchema } from '../../src/apiserver/crd/schema-validation.ts';
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
