import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet, canonicalKey, pathString } from '../../../src/apiserver/fieldmanager/field-set.ts';
import { toFieldSet } from '../../../src/apiserver/fieldmanager/to-field-set.ts';
import { compare } from '../../../src/apiserver/fieldmanager/compare.ts';
import { schemaForType } from '../../../src/apiserver/fieldmanager/type-schema.ts';
import { MissingKeyError } from '../../../src/apiserver/fieldmanager/typed-value.ts';

const deployment = schemaForType('io.k8s.api.apps.v1.Deployment');
const pod = schemaForType('io.k8s.api.core.v1.Pod');

test('fieldsV1 round-trips, with "." marking members that have children', () => {
  const json = {
    'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
    'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } }, 'f:replicas': {} },
  };
  const s = FieldSet.fromFieldsV1(json);
  assert.equal(s.has(['f:metadata', 'f:labels']), true);
  assert.equal(s.has(['f:metadata']), false);
  assert.equal(s.has(['f:spec', 'f:replicas']), true);
  assert.deepEqual(s.toFieldsV1(), json);
});

test('list-map keys are spelled canonically with key fields sorted', () => {
  assert.equal(canonicalKey('k:{"protocol":"TCP", "containerPort":80}'), 'k:{"containerPort":80,"protocol":"TCP"}');
  assert.equal(pathString(['f:spec', 'f:ports', 'k:{"containerPort":80,"protocol":"TCP"}', 'f:name']), '.spec.ports[containerPort=80,protocol="TCP"].name');
  assert.equal(pathString(['f:metadata', 'f:finalizers', 'v:"a"']), '.metadata.finalizers[="a"]');
});

test('set operations: union, difference, recursive difference, intersection', () => {
  const a = FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:paused'], ['f:status', 'f:x']);
  const b = FieldSet.of(['f:spec', 'f:replicas'], ['f:status']);
  assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
  assert.deepEqual(a.difference(b).paths(), [['f:spec', 'f:paused'], ['f:status', 'f:x']]);
  assert.deepEqual(a.recursiveDifference(b).paths(), [['f:spec', 'f:paused']]);
  assert.equal(a.union(b).has(['f:status']), true);
  assert.equal(a.intersects(FieldSet.of(['f:status'])), false);
  assert.equal(a.intersects(FieldSet.of(['f:status', 'f:x'])), true);
});

test('an applied deployment owns its leaves, list items by key and atomic structs whole', () => {
  const set = toFieldSet(
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] },
        },
      },
    },
    deployment,
  );
  assert.deepEqual(set.toFieldsV1(), {
    'f:apiVersion': {},
    'f:kind': {},
    'f:metadata': { 'f:labels': { 'f:app': {} }, 'f:name': {} },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"nginx"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
        },
      },
    },
  });
});

test('a list-map item without its key field is refused', () => {
  assert.throws(() => toFieldSet({ spec: { containers: [{ image: 'x' }] } }, pod), MissingKeyError);
});

test('compare reports added, modified and removed leaves and items', () => {
  const before = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }], nodeSelector: { k: 'v' } } };
  const after = { spec: { containers: [{ name: 'a', image: 'z' }], hostname: 'h', nodeSelector: { k: 'v' } } };
  const cmp = compare(before, after, pod);
  assert.deepEqual(cmp.modified.paths(), [['f:spec', 'f:containers', 'k:{"name":"a"}', 'f:image']]);
  assert.deepEqual(cmp.added.paths(), [['f:spec', 'f:hostname']]);
  assert.deepEqual(cmp.removed.paths(), [
    ['f:spec', 'f:containers', 'k:{"name":"b"}'],
    ['f:spec', 'f:containers', 'k:{"name":"b"}', 'f:image'],
    ['f:spec', 'f:containers', 'k:{"name":"b"}', 'f:name'],
  ]);
});

test('a created object owns maps as members but not always-present structs', () => {
  const cmp = compare(undefined, { metadata: { labels: { a: 'b' } }, spec: { replicas: 1 } }, deployment);
  assert.deepEqual(cmp.added.toFieldsV1(), { 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } }, 'f:spec': { 'f:replicas': {} } });
});

test('a CRD schema gives list-maps, sets and atomic maps their semantics', async () => {
  const { customResourceSchema } = await import('../../../src/apiserver/fieldmanager/type-schema.ts');
  const schema = customResourceSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          items: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['id'], items: { type: 'object', properties: { id: { type: 'integer' }, v: { type: 'string' } } } },
          tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
          sel: { type: 'object', 'x-kubernetes-map-type': 'atomic', additionalProperties: { type: 'string' } },
          args: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  });
  const set = toFieldSet({ metadata: { labels: { a: 'b' } }, spec: { items: [{ id: 1, v: 'x' }], tags: ['t'], sel: { k: 'v' }, args: ['a'] } }, schema);
  assert.deepEqual(set.toFieldsV1(), {
    'f:metadata': { 'f:labels': { 'f:a': {} } },
    'f:spec': {
      'f:args': {},
      'f:items': { 'k:{"id":1}': { '.': {}, 'f:id': {}, 'f:v': {} } },
      'f:sel': {},
      'f:tags': { 'v:"t"': {} },
    },
  });
});

test('more than ten updaters: the oldest are merged into ancient-changes', async () => {
  const { capUpdateManagers, managerIdentity, MAX_UPDATE_MANAGERS } = await import('../../../src/apiserver/fieldmanager/managed-fields.ts');
  const managers = new Map();
  for (let i = 0; i < 13; i++) {
    const e = { manager: `m${i}`, operation: 'Update' as const, apiVersion: 'v1', subresource: '', time: `2024-01-01T00:00:${String(i).padStart(2, '0')}Z`, set: FieldSet.of([`f:f${i}`]) };
    managers.set(managerIdentity(e), e);
  }
  assert.equal(capUpdateManagers(managers), true);
  assert.equal(managers.size, MAX_UPDATE_MANAGERS);
  const bucket = [...managers.values()].find((e) => e.manager === 'ancient-changes')!;
  assert.deepEqual(bucket.set.paths(), [['f:f0'], ['f:f1'], ['f:f2'], ['f:f3']]);
  assert.equal(bucket.time, '2024-01-01T00:00:03Z');
  assert.ok([...managers.values()].some((e) => e.manager === 'm12'));
});
