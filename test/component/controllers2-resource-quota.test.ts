// The ResourceQuota controller against a real API server: status.used follows the namespace.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceQuotaController } from '../../src/controllers/resource-quota.ts';
import { eventually, setPodPhase, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.start(new ResourceQuotaController(h.informers, h.client, h.recorder));
  assert.equal((await h.api.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'q' } })).status, 201);
});
after(async () => {
  await h.stop();
});

async function create(path: string, body: unknown): Promise<void> {
  const r = await h.api.call('POST', path, body);
  assert.equal(r.status, 201, r.text);
}

const pod = (name: string, resources?: unknown) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'app', resources }] },
});

const used = async (name: string) => (await h.api.call('GET', `/api/v1/namespaces/q/resourcequotas/${name}`)).body.status?.used;

test('status.used counts pods, compute requests and limits, object counts and count/<resource>', async () => {
  await create('/api/v1/namespaces/q/resourcequotas', {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'compute' },
    spec: { hard: { pods: '10', 'requests.cpu': '4', 'requests.memory': '4Gi', 'limits.memory': '8Gi', configmaps: '5', services: '3', 'services.nodeports': '2', 'count/deployments.apps': '2' } },
  });
  // Admission refuses what a quota would count until the controller has reported its usage.
  await eventually('quota compute has status', async () => (await used('compute')) !== undefined);
  const initial = await eventually('initial usage', async () => used('compute'));
  assert.equal(initial.pods, '0');
  assert.equal(initial['requests.cpu'], '0');

  await create('/api/v1/namespaces/q/pods', pod('a', { requests: { cpu: '250m', memory: '128Mi' }, limits: { memory: '256Mi' } }));
  await create('/api/v1/namespaces/q/pods', pod('b', { requests: { cpu: '500m', memory: '64Mi' }, limits: { memory: '256Mi' } }));
  await create('/api/v1/namespaces/q/pods', pod('done', { requests: { cpu: '1', memory: '1Gi' } }));
  await setPodPhase(h.api, 'q', 'done', 'Succeeded');
  await create('/api/v1/namespaces/q/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: {} });
  await create('/api/v1/namespaces/q/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });

  const u = await eventually('usage after creations', async () => {
    const x = await used('compute');
    return x?.pods === '2' && x?.configmaps === '1' && x?.services === '1' && x;
  });
  assert.equal(u['requests.cpu'], '750m', 'the Succeeded pod does not count');
  assert.equal(u['requests.memory'], '192Mi');
  assert.equal(u['limits.memory'], '512Mi');
  assert.equal(u['services.nodeports'], '1');
  assert.equal(u['count/deployments.apps'], '0');
});

test('a BestEffort-scoped quota counts only pods without requests or limits', async () => {
  await create('/api/v1/namespaces/q/resourcequotas', {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: 'besteffort' },
    spec: { hard: { pods: '5' }, scopes: ['BestEffort'] },
  });
  // Admission refuses what a quota would count until the controller has reported its usage.
  await eventually('quota besteffort has status', async () => (await used('besteffort')) !== undefined);
  await create('/api/v1/namespaces/q/pods', pod('plain'));
  await eventually('one best-effort pod', async () => (await used('besteffort'))?.pods === '1');
});
