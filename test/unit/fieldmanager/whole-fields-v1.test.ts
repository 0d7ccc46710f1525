import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSet } from '../../../src/apiserver/fieldmanager/field-set.ts';
import { compare } from '../../../src/apiserver/fieldmanager/compare.ts';
import { schemaForType, UNTYPED } from '../../../src/apiserver/fieldmanager/type-schema.ts';
import { wholeFieldsV1 } from '../../../src/apiserver/fieldmanager/whole-fields-v1.ts';
import { FieldManager } from '../../../src/apiserver/fieldmanager/field-manager.ts';

const stripped = FieldSet.of(['f:apiVersion'], ['f:kind'], ['f:metadata'], ['f:metadata', 'f:name'], ['f:metadata', 'f:uid']);

function general(value: unknown, schema: ReturnType<typeof schemaForType>): Record<string, unknown> | undefined {
  const set = compare(undefined, value, schema).added.difference(stripped);
  return set.isEmpty() ? undefined : set.toFieldsV1();
}

const cases: [string, unknown][] = [
  [
    'io.k8s.api.core.v1.Pod',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', uid: 'u', labels: { b: '2', a: '1' }, finalizers: ['x', 'y', 'x'], ownerReferences: [{ uid: 'o', name: 'rs', kind: 'ReplicaSet', apiVersion: 'apps/v1' }] },
      spec: {
        securityContext: {},
        containers: [
          { name: 'z', image: 'i', ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }], env: [{ name: 'A', value: '1' }, { name: 'A', value: 'dup' }] },
          { name: 'a', image: 'j', resources: { requests: { cpu: '1' } }, command: ['sh', '-c'] },
          { image: 'no-name' },
        ],
        tolerations: [{ key: 'k', operator: 'Exists' }],
        nodeSelector: {},
        volumes: [{ name: 'v', emptyDir: {} }],
      },
    },
  ],
  ['io.k8s.api.apps.v1.Deployment', { metadata: { name: 'd' }, spec: { replicas: 3, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }],
  ['io.k8s.api.core.v1.ConfigMap', { metadata: {}, data: { 'i:10': 'x', b: 'y', a: 'z' } }],
];

test('the fieldsV1 of a whole object written directly equals the general comparison', () => {
  for (const [type, value] of cases) {
    const schema = schemaForType(type);
    assert.deepEqual(wholeFieldsV1(value, schema, stripped), general(value, schema), type);
    assert.equal(JSON.stringify(wholeFieldsV1(value, schema, stripped)), JSON.stringify(general(value, schema)), `${type}: key order`);
  }
  const untyped = { spec: { list: [1, 2], nested: { a: {} } }, metadata: { name: 'x' } };
  assert.equal(JSON.stringify(wholeFieldsV1(untyped, UNTYPED, stripped)), JSON.stringify(general(untyped, UNTYPED)));
  assert.equal(wholeFieldsV1({ apiVersion: 'v1', metadata: { name: 'only-stripped' } }, UNTYPED, stripped), undefined);
});

test('a create records one Update entry owning every field it set but status (also when the client asks to reset managedFields)', () => {
  const fm = new FieldManager(schemaForType('io.k8s.api.core.v1.Pod'), 'v1', true);
  const pod = () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] }, status: { phase: 'Pending' } });
  const a: any = pod();
  fm.trackUpdate(undefined, a, 'kubectl', '');
  const b: any = { ...pod(), metadata: { ...pod().metadata, managedFields: [{}] } };
  fm.trackUpdate(undefined, b, 'kubectl', '');
  assert.deepEqual(a.metadata.managedFields, b.metadata.managedFields);
  const [entry] = a.metadata.managedFields;
  assert.deepEqual(Object.keys(entry), ['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
  assert.deepEqual(entry.fieldsV1, {
    'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
    'f:spec': { 'f:containers': { '.': {}, 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
  });
});
