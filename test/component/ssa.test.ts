// Server-side apply over HTTP against a real API server on a temp SQLite file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let api: TestApiServer;

before(async () => {
  api = await startTestApiServer();
});

after(async () => {
  await api.stop();
});

const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function deployment(name: string, spec: Record<string, unknown> = {}, containers: unknown[] = [{ name: 'app', image: 'nginx:1' }]): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
      ...spec,
    },
  };
}

function apply(path: string, body: unknown, query: string) {
  return api.call('PATCH', `${path}?${query}`, typeof body === 'string' ? body : JSON.stringify(body), APPLY);
}

function entry(obj: any, manager: string, operation = 'Apply'): any {
  return obj.metadata.managedFields?.find((e: any) => e.manager === manager && e.operation === operation);
}

test('apply creates a missing object (201) and records the applier as owner', async () => {
  const yaml = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg1
  labels:
    team: a
data:
  k: v
`;
  const r = await apply('/api/v1/namespaces/default/configmaps/cfg1', yaml, 'fieldManager=tool-a');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.data.k, 'v');
  assert.ok(r.body.metadata.uid);
  const e = entry(r.body, 'tool-a');
  assert.equal(e.apiVersion, 'v1');
  assert.equal(e.fieldsType, 'FieldsV1');
  assert.deepEqual(e.fieldsV1, { 'f:data': { 'f:k': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } } });
  const again = await apply('/api/v1/namespaces/default/configmaps/cfg1', yaml, 'fieldManager=tool-a');
  assert.equal(again.status, 200);
  assert.equal(again.body.metadata.resourceVersion, r.body.metadata.resourceVersion, 'an unchanged apply writes nothing');
});

test('apply without fieldManager is 422 as upstream; force on a merge patch is 422', async () => {
  const r = await apply('/api/v1/namespaces/default/configmaps/cfg-x', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg-x' } }, '');
  assert.equal(r.status, 422);
  assert.equal(r.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  const m = await api.call('PATCH', '/api/v1/namespaces/default/configmaps/cfg1?force=true', { data: { a: 'b' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(m.status, 422);
  assert.match(m.body.message, /force: Forbidden: may not be specified for non-apply patch/);
});

test('a second manager changing an owned field gets 409 with FieldManagerConflict causes; force takes it over', async () => {
  const created = await apply(`${DEPLOYS}/web`, deployment('web', { replicas: 2 }), 'fieldManager=alice');
  assert.equal(created.status, 201, created.text);
  const r = await apply(`${DEPLOYS}/web`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }, 'fieldManager=bob');
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.reason, 'Conflict');
  assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
  assert.deepEqual(r.body.details.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' }]);

  const forced = await apply(`${DEPLOYS}/web`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3 } }, 'fieldManager=bob&force=true');
  assert.equal(forced.status, 200, forced.text);
  assert.equal(forced.body.spec.replicas, 3);
  assert.deepEqual(entry(forced.body, 'bob').fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.equal(entry(forced.body, 'alice').fieldsV1['f:spec']['f:replicas'], undefined, 'alice lost .spec.replicas');

  // alice re-applying her old value now conflicts with bob.
  const back = await apply(`${DEPLOYS}/web`, deployment('web', { replicas: 2 }), 'fieldManager=alice');
  assert.equal(back.status, 409);
  assert.equal(back.body.message, 'Apply failed with 1 conflict: conflict with "bob": .spec.replicas');
});

test('a conflict with an ordinary update names the manager and its apiVersion', async () => {
  const created = await api.call('POST', `${DEPLOYS}?fieldManager=kubectl-client-side-apply`, deployment('csa', { replicas: 1 }));
  assert.equal(created.status, 201, created.text);
  const e = entry(created.body, 'kubectl-client-side-apply', 'Update');
  assert.equal(e.apiVersion, 'apps/v1');
  assert.deepEqual(e.fieldsV1['f:spec']['f:replicas'], {});
  const r = await apply(`${DEPLOYS}/csa`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'csa' }, spec: { replicas: 4 } }, 'fieldManager=ssa');
  assert.equal(r.status, 409);
  assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
});

test('dropping a field from the configuration removes it only when the applier owned it alone', async () => {
  const path = '/api/v1/namespaces/default/configmaps/cfg-rm';
  const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg-rm', ...(labels ? { labels } : {}) }, data });
  assert.equal((await apply(path, cm({ a: '1', b: '2', c: '3' }, { x: 'y' }), 'fieldManager=one')).status, 201);
  assert.equal((await apply(path, cm({ b: '2' }), 'fieldManager=two')).status, 200);
  const r = await apply(path, cm({ a: '1' }), 'fieldManager=one');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.data, { a: '1', b: '2' }, 'c (one only) removed, b (shared with two) kept');
  assert.equal(r.body.metadata.labels, undefined, 'label owned by one alone is removed');
  // A field set by an ordinary update is never removed by an applier.
  const p = await api.call('PATCH', `${path}?fieldManager=editor`, { data: { d: '4' } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(p.status, 200);
  assert.deepEqual(entry(p.body, 'editor', 'Update').fieldsV1, { 'f:data': { 'f:d': {} } });
  const r2 = await apply(path, cm({}), 'fieldManager=one');
  assert.deepEqual(r2.body.data, { b: '2', d: '4' });
});

test('containers merge by name and ports by containerPort+protocol across managers', async () => {
  const path = `${DEPLOYS}/multi`;
  const first = await apply(path, deployment('multi', {}, [{ name: 'app', image: 'nginx:1', ports: [{ containerPort: 80 }] }]), 'fieldManager=app-team');
  assert.equal(first.status, 201, first.text);
  const sidecar = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'multi' },
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'app', ports: [{ containerPort: 80, protocol: 'UDP' }] },
            { name: 'proxy', image: 'envoy:1' },
          ],
        },
      },
    },
  };
  const r = await apply(path, sidecar, 'fieldManager=mesh');
  assert.equal(r.status, 200, r.text);
  const containers = r.body.spec.template.spec.containers;
  assert.deepEqual(containers.map((c: any) => c.name), ['app', 'proxy']);
  assert.equal(containers[0].image, 'nginx:1');
  assert.deepEqual(containers[0].ports.map((p: any) => `${p.containerPort}/${p.protocol}`), ['80/TCP', '80/UDP']);
  const mesh = entry(r.body, 'mesh').fieldsV1['f:spec']['f:template']['f:spec']['f:containers'];
  assert.deepEqual(Object.keys(mesh).sort(), ['k:{"name":"app"}', 'k:{"name":"proxy"}']);
  assert.ok(mesh['k:{"name":"app"}']['f:ports']['k:{"containerPort":80,"protocol":"UDP"}']);

  // The app team drops nothing it shares; mesh drops its sidecar, which goes.
  const r2 = await apply(path, { ...sidecar, spec: { template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, protocol: 'UDP' }] }] } } } }, 'fieldManager=mesh');
  assert.deepEqual(r2.body.spec.template.spec.containers.map((c: any) => c.name), ['app']);
});

test('apply to the status subresource owns status fields and leaves spec alone', async () => {
  const path = `${DEPLOYS}/stat`;
  assert.equal((await apply(path, deployment('stat', { replicas: 1 }), 'fieldManager=user')).status, 201);
  const r = await apply(
    `${path}/status`,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'stat' }, spec: { replicas: 9 }, status: { replicas: 1, readyReplicas: 1 } },
    'fieldManager=controller',
  );
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.spec.replicas, 1);
  assert.equal(r.body.status.readyReplicas, 1);
  const e = entry(r.body, 'controller');
  assert.equal(e.subresource, 'status');
  assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } });
  const missing = await apply(`${DEPLOYS}/nope/status`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nope' }, status: {} }, 'fieldManager=controller');
  assert.equal(missing.status, 404);
});

test('ordinary writes record Update entries, the manager taken from the user agent when not given', async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ua' }, data: { a: '1' } };
  const c = await api.call('POST', '/api/v1/namespaces/default/configmaps', cm, { 'User-Agent': 'my-tool/v1.2 (linux/amd64)' });
  assert.equal(c.status, 201);
  assert.deepEqual(entry(c.body, 'my-tool', 'Update').fieldsV1, { 'f:data': { '.': {}, 'f:a': {} } });
  const u = await api.call('PUT', '/api/v1/namespaces/default/configmaps/ua?fieldManager=kubectl-edit', { ...c.body, data: { a: '2', b: '3' } });
  assert.equal(u.status, 200);
  assert.deepEqual(entry(u.body, 'kubectl-edit', 'Update').fieldsV1, { 'f:data': { 'f:a': {}, 'f:b': {} } });
  assert.deepEqual(entry(u.body, 'my-tool', 'Update').fieldsV1, { 'f:data': {} }, 'my-tool keeps the map itself');
  const long = await api.call('POST', `/api/v1/namespaces/default/configmaps?fieldManager=${'x'.repeat(129)}`, { ...cm, metadata: { name: 'ua2' } });
  assert.equal(long.status, 422);
});

test('apply validates like a create: unknown fields with Strict are 400; wrong version is 400', async () => {
  const r = await apply('/api/v1/namespaces/default/configmaps/strict', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'strict' }, bogus: 1 }, 'fieldManager=a&fieldValidation=Strict');
  assert.equal(r.status, 400);
  assert.match(r.body.message, /unknown field "bogus"/);
  const v = await apply(`${DEPLOYS}/ver`, { apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'ver' } }, 'fieldManager=a');
  assert.equal(v.status, 400);
  assert.equal(v.body.message, 'Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1');
  const mf = await apply('/api/v1/namespaces/default/configmaps/mf', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mf', managedFields: [] } }, 'fieldManager=a');
  assert.equal(mf.status, 400);
});

test('cluster-scoped objects apply without a namespace; dryRun=All stores nothing', async () => {
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ssa-ns', labels: { team: 'x' } } };
  const dry = await apply('/api/v1/namespaces/ssa-ns', ns, 'fieldManager=a&dryRun=All');
  assert.equal(dry.status, 201, dry.text);
  assert.equal((await api.call('GET', '/api/v1/namespaces/ssa-ns')).status, 404);
  const r = await apply('/api/v1/namespaces/ssa-ns', ns, 'fieldManager=a');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.metadata.namespace, undefined);
  assert.equal(r.body.metadata.labels.team, 'x');
  assert.deepEqual(entry(r.body, 'a').fieldsV1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } });
});
