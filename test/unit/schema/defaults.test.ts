import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySchemaDefaults } from '../../../src/api/schema/defaults.ts';
import { patchMetaFor } from '../../../src/api/schema/patch-meta.ts';

test('schema defaults set absent fields inside lists and keep present ones', () => {
  const svc: any = {
    spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] },
  };
  applySchemaDefaults('io.k8s.api.core.v1.Service', svc);
  assert.deepEqual(svc.spec.ports, [
    { port: 80, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ]);
});

test('schema defaults reach containers of a pod template and skip Go zero values', () => {
  const d: any = {
    spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }], imagePullSecrets: [{}] } } },
  };
  applySchemaDefaults('io.k8s.api.apps.v1.Deployment', d);
  assert.equal(d.spec.template.spec.containers[0].ports[0].protocol, 'TCP');
  // LocalObjectReference.name has +default="" which Go cannot distinguish from absent.
  assert.deepEqual(d.spec.template.spec.imagePullSecrets, [{}]);
  // Absent sub-objects are not created.
  assert.equal(d.status, undefined);
});

test('schema defaults resolve ref(Constant) markers', () => {
  const vol: any = { azureDisk: { diskName: 'd', diskURI: 'u' } };
  applySchemaDefaults('io.k8s.api.core.v1.Volume', vol);
  assert.equal(vol.azureDisk.cachingMode, 'ReadWrite');
  assert.equal(vol.azureDisk.fsType, 'ext4');
});

test('patch meta gives containers merge by name and volumes merge,retainKeys', () => {
  const pod = patchMetaFor('io.k8s.api.core.v1.PodSpec');
  const containers = pod.field('containers');
  assert.equal(containers?.kind, 'list');
  assert.deepEqual(containers?.patchStrategy, ['merge']);
  assert.equal(containers?.patchMergeKey, 'name');
  assert.equal(containers?.elem?.field('image')?.kind, 'primitive');
  assert.deepEqual(pod.field('volumes')?.patchStrategy, ['merge', 'retainKeys']);
  // Volume's inline VolumeSource fields appear on the volume itself.
  assert.equal(pod.field('volumes')?.elem?.field('configMap')?.kind, 'object');
  assert.equal(pod.field('nodeSelector')?.kind, 'map');
  assert.equal(pod.field('nope'), undefined);
});

test('patch meta follows objects and maps and is cached per type', () => {
  const d = patchMetaFor('io.k8s.api.apps.v1.Deployment');
  assert.equal(d, patchMetaFor('io.k8s.api.apps.v1.Deployment'));
  const spec = d.field('spec');
  assert.equal(spec?.kind, 'object');
  assert.deepEqual(spec?.elem?.field('strategy')?.patchStrategy, ['retainKeys']);
  const finalizers = d.field('metadata')?.elem?.field('finalizers');
  assert.deepEqual(finalizers, { kind: 'list', patchStrategy: ['merge'] });
  const owners = d.field('metadata')?.elem?.field('ownerReferences');
  assert.equal(owners?.patchMergeKey, 'uid');
});
