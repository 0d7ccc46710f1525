import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allKinds, findKind, getType, jsonFields } from '../../../src/api/schema/registry.ts';

test('findKind returns the Deployment type, list type, scope and scale subresource', () => {
  const k = findKind('apps', 'v1', 'Deployment');
  assert.ok(k);
  assert.equal(k.typeName, 'io.k8s.api.apps.v1.Deployment');
  assert.equal(k.listTypeName, 'io.k8s.api.apps.v1.DeploymentList');
  assert.equal(k.namespaced, true);
  assert.deepEqual(k.subresources, ['scale']);
});

test('findKind knows core kinds under the empty group and cluster-scoped kinds', () => {
  assert.equal(findKind('', 'v1', 'Pod')?.typeName, 'io.k8s.api.core.v1.Pod');
  assert.equal(findKind('', 'v1', 'Namespace')?.namespaced, false);
  assert.equal(findKind('metrics.k8s.io', 'v1beta1', 'PodMetrics')?.resourceName, 'pods');
  assert.equal(findKind('apps', 'v1', 'Pod'), undefined);
});

test('allKinds lists the built-in kinds of every package', () => {
  const names = new Set(allKinds().map((k) => `${k.group}/${k.version}/${k.kind}`));
  for (const n of ['/v1/ConfigMap', 'batch/v1/Job', 'authorization.k8s.io/v1/SelfSubjectAccessReview', 'apiextensions.k8s.io/v1/CustomResourceDefinition']) {
    assert.ok(names.has(n), n);
  }
});

test('getType returns the record and jsonFields flattens inline fields', () => {
  assert.equal(getType('io.k8s.api.core.v1.Pod')?.kind, 'struct');
  assert.equal(getType('no.such.Type'), undefined);
  const volume = jsonFields('io.k8s.api.core.v1.Volume').map((f) => f.json);
  assert.ok(volume.includes('name') && volume.includes('configMap') && volume.includes('emptyDir'));
  const deployment = jsonFields('io.k8s.api.apps.v1.Deployment').map((f) => f.json);
  assert.deepEqual(deployment, ['kind', 'apiVersion', 'metadata', 'spec', 'status']);
});
