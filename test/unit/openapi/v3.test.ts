import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openapiV3Document, openapiV3Index, openapiV3Served } from '../../../src/api/openapi/v3.ts';
import type { ResourceDefinition } from '../../../src/api/strategy.ts';

const deployments: ResourceDefinition = {
  group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', resource: 'deployments', singular: 'deployment',
  namespaced: true, typeName: 'io.k8s.api.apps.v1.Deployment', subresources: ['status', 'scale'], strategy: {},
};
const pods: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', resource: 'pods', singular: 'pod',
  namespaced: true, typeName: 'io.k8s.api.core.v1.Pod', subresources: ['status', 'binding', 'eviction'], strategy: {},
};
const namespaces: ResourceDefinition = {
  group: '', version: 'v1', kind: 'Namespace', listKind: 'NamespaceList', resource: 'namespaces', singular: 'namespace',
  namespaced: false, typeName: 'io.k8s.api.core.v1.Namespace', subresources: ['status'], strategy: {},
};
const widgets: ResourceDefinition = {
  group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', resource: 'widgets', singular: 'widget',
  namespaced: true, typeName: 'com.example.v1.Widget', subresources: [], strategy: {},
};

type Doc = { paths: Record<string, any>; components: { schemas: Record<string, any> } };

/** Follow a property the way kubectl explain does: $ref, allOf, items, additionalProperties. */
function resolve(doc: Doc, schema: any): any {
  for (;;) {
    if (schema.$ref) schema = doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
    else if (schema.allOf?.length === 1) schema = { ...schema.allOf[0], ...schema, allOf: undefined, $ref: schema.allOf[0].$ref };
    else return schema;
    assert.ok(schema, 'every $ref resolves');
  }
}

function fieldAt(doc: Doc, typeName: string, path: string[]): any {
  let schema: any = doc.components.schemas[typeName];
  let last: any;
  for (const name of path) {
    schema = resolve(doc, schema);
    if (schema.type === 'array') schema = resolve(doc, schema.items);
    last = schema.properties?.[name];
    assert.ok(last, `property ${name} exists`);
    schema = last;
  }
  return last;
}

test('apps/v1 document lets explain walk Deployment.spec.template.spec.containers with merge key name', () => {
  const doc = openapiV3Document('apps/v1', [deployments]) as Doc;
  const deployment = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
  assert.deepEqual(deployment['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  assert.deepEqual(deployment.properties.spec, { allOf: [{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }], default: {} });
  const containers = fieldAt(doc, 'io.k8s.api.apps.v1.Deployment', ['spec', 'template', 'spec', 'containers']);
  assert.equal(containers.type, 'array');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(containers['x-kubernetes-list-type'], 'map');
  assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
  const container = resolve(doc, containers.items);
  assert.deepEqual(container.required, ['name']);
  assert.deepEqual(container.properties.imagePullPolicy.enum, ['Always', 'Never', 'IfNotPresent']);
  assert.deepEqual(resolve(doc, container.properties.resources).properties.limits.additionalProperties, {
    $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity',
  });
  const spec = resolve(doc, deployment.properties.spec);
  assert.deepEqual(spec.required, ['selector', 'template']);
  assert.deepEqual(spec.properties.replicas, { type: 'integer', format: 'int32' });
  assert.equal(spec.properties.strategy['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.deepEqual(spec.properties.selector, { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' }] });
  // Every $ref anywhere in the document resolves.
  const text = JSON.stringify(doc);
  for (const m of text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)) assert.ok(doc.components.schemas[m[1]], m[1]);
});

test('apps/v1 paths carry actions, GVKs and a patch operation with fieldValidation and the four patch types', () => {
  const doc = openapiV3Document('apps/v1', [deployments]) as Doc;
  assert.deepEqual(Object.keys(doc.paths).sort(), [
    '/apis/apps/v1/deployments',
    '/apis/apps/v1/namespaces/{namespace}/deployments',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale',
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status',
  ]);
  const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.deepEqual(Object.keys(item).filter((k) => k !== 'parameters').sort(), ['delete', 'get', 'patch', 'put']);
  const patch = item.patch;
  assert.equal(patch.operationId, 'patchAppsV1NamespacedDeployment');
  assert.equal(patch['x-kubernetes-action'], 'patch');
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', version: 'v1', kind: 'Deployment' });
  assert.deepEqual(patch.parameters.map((p: any) => p.name), ['dryRun', 'fieldManager', 'fieldValidation', 'force']);
  assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
  ]);
  const collection = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
  assert.equal(collection.get['x-kubernetes-action'], 'list');
  assert.equal(collection.post['x-kubernetes-action'], 'post');
  assert.equal(collection.delete['x-kubernetes-action'], 'deletecollection');
  assert.equal(doc.paths['/apis/apps/v1/deployments'].get.operationId, 'listAppsV1DeploymentForAllNamespaces');
  const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
  assert.deepEqual(scale.put['x-kubernetes-group-version-kind'], { group: 'autoscaling', version: 'v1', kind: 'Scale' });
  assert.ok(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale']);
  assert.ok(doc.components.schemas['io.k8s.api.apps.v1.DeploymentList']);
});

test('core v1 document has cluster-scoped and namespaced paths, Time and IntOrString schemas', () => {
  const doc = openapiV3Document('v1', [pods, namespaces]) as Doc;
  assert.ok(doc.paths['/api/v1/namespaces/{name}']);
  assert.ok(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/binding'].post);
  assert.equal(doc.paths['/api/v1/namespaces'].get.operationId, 'listCoreV1Namespace');
  assert.equal(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].get.operationId, 'readCoreV1NamespacedPod');
  const s = doc.components.schemas;
  assert.deepEqual(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time'], { type: 'string', format: 'date-time' });
  assert.equal(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  const port = s['io.k8s.api.core.v1.ContainerPort'];
  assert.deepEqual(port.properties.protocol.default, 'TCP');
  assert.deepEqual(port.properties.containerPort, { type: 'integer', format: 'int32', default: 0 });
  const secretRef = s['io.k8s.api.core.v1.ObjectFieldSelector'];
  assert.equal(secretRef['x-kubernetes-map-type'], 'atomic');
});

test('custom resources get open schemas and no strategic merge patch', () => {
  const doc = openapiV3Document('example.com/v1', [widgets]) as Doc;
  const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
  assert.equal('application/strategic-merge-patch+json' in patch.requestBody.content, false);
  assert.equal(doc.components.schemas['com.example.v1.Widget']['x-kubernetes-preserve-unknown-fields'], true);
  assert.ok(doc.components.schemas['com.example.v1.WidgetList']);
});

test('documents are memoized and the index links each group-version with its hash', () => {
  const a = openapiV3Served('apps/v1', [deployments]);
  assert.equal(openapiV3Served('apps/v1', [deployments]), a);
  const changed = openapiV3Served('apps/v1', [{ ...deployments, subresources: ['status'] }]);
  assert.notEqual(changed.hash, a.hash);
  const index = openapiV3Index(['v1', 'apps/v1'], (gv) => (gv === 'v1' ? [pods] : [deployments])) as any;
  assert.equal(index.paths['apis/apps/v1'].serverRelativeURL, `/openapi/v3/apis/apps/v1?hash=${a.hash}`);
  assert.match(index.paths['api/v1'].serverRelativeURL, /^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/);
});
