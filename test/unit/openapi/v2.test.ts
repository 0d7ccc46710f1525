import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openapiV2, openapiV2Served } from '../../../src/api/openapi/v2.ts';
import type { ResourceDefinition } from '../../../src/api/strategy.ts';

const deployments: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', resource: 'deployments', singular: 'deployment',
  namespaced: true, typeName: 'io.k8s.api.apps.v1.Deployment', subresources: ['status', 'scale'], strategy: {},
};
const configmaps: ResourceDefinition = {
  group: '', version: 'v1', kind: 'ConfigMap', listKind: 'ConfigMapList', resource: 'configmaps', singular: 'configmap',
  namespaced: true, typeName: 'io.k8s.api.core.v1.ConfigMap', subresources: [], strategy: {},
};

test('swagger 2.0 document has definitions with #/definitions refs and patch operations with a body', () => {
  const doc = openapiV2([deployments, configmaps]) as any;
  assert.equal(doc.swagger, '2.0');
  const deployment = doc.definitions['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(deployment.properties.spec, { $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec', default: {} });
  const containers = doc.definitions['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.deepEqual(containers.items, { $ref: '#/definitions/io.k8s.api.core.v1.Container', default: {} });
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  const text = JSON.stringify(doc);
  assert.equal(text.includes('#/components/'), false);
  for (const m of text.matchAll(/"\$ref":"#\/definitions\/([^"]+)"/g)) assert.ok(doc.definitions[m[1]], m[1]);
  const patch = doc.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
  assert.equal(patch.parameters[0].in, 'body');
  assert.ok(patch.consumes.includes('application/strategic-merge-patch+json'));
  assert.ok(patch.parameters.some((p: any) => p.name === 'fieldValidation'));
  assert.equal(openapiV2Served([configmaps, deployments]), openapiV2Served([deployments, configmaps]));
});
