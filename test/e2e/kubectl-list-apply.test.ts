// The real kubectl applying a `kind: List`: OpenAPI v3 has no entry for v1/List, so kubectl
// falls back to `/openapi/v2` as gnostic protobuf, and validates the items client-side with it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster();
});
after(async () => {
  await c?.stop();
});

const configMap = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data: { greeting: 'hello' },
  ...extra,
});

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'listed', labels: { app: 'listed' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'listed' } },
    template: { metadata: { labels: { app: 'listed' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
  },
};

async function writeList(name: string, items: unknown[]): Promise<string> {
  const file = join(c.dataDir, name);
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}

test('kubectl apply -f of a kind: List creates a ConfigMap and a Deployment', async () => {
  const file = await writeList('list.json', [configMap('from-list'), deployment]);
  const out = await mustKubectl(c, ['apply', '-f', file]);
  assert.match(out, /configmap\/from-list created/);
  assert.match(out, /deployment.apps\/listed created/);
  const cm = JSON.parse(await mustKubectl(c, ['get', 'configmap', 'from-list', '-o', 'json']));
  assert.equal(cm.data.greeting, 'hello');
  const again = await mustKubectl(c, ['apply', '-f', file]);
  assert.match(again, /configmap\/from-list unchanged/);
  assert.match(again, /deployment.apps\/listed unchanged/);
});

test('kubectl apply --validate=true of a List with an unknown field fails client-side', async () => {
  const file = await writeList('bad-list.json', [configMap('bad-item', { bogusField: 1 })]);
  const r = await c.kubectl(['apply', '--validate=true', '-f', file]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error validating data/);
  assert.match(r.stderr, /unknown field "bogusField" in io\.k8s\.api\.core\.v1\.ConfigMap/);
  const get = await c.kubectl(['get', 'configmap', 'bad-item']);
  assert.notEqual(get.code, 0, 'the invalid item must not have been created');
});

test('kubectl 1.27, which validates with OpenAPI v2, applies a List and rejects an unknown field', async () => {
  const file = await writeList('list-127.json', [configMap('from-list-127'), { ...deployment, metadata: { ...deployment.metadata, name: 'listed-127' } }]);
  const out = await mustKubectl(c, ['apply', '-f', file], { version: '1.27' });
  assert.match(out, /configmap\/from-list-127 created/);
  assert.match(out, /deployment.apps\/listed-127 created/);
  const bad = await writeList('bad-list-127.json', [configMap('bad-127', { bogusField: 1 })]);
  const r = await c.kubectl(['apply', '--validate=true', '-f', bad], { version: '1.27' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /unknown field "bogusField"/);
});
