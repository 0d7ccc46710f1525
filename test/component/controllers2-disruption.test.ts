// The disruption controller against a real API server: PDB status, and the API server's
// pods/eviction deciding from it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DisruptionController } from '../../src/controllers/disruption.ts';
import { eventually, setPodPhase, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.start(new DisruptionController(h.informers, h.client, h.recorder));
});
after(async () => {
  await h.stop();
});

async function readyPod(name: string, labels: Record<string, string>, ownerReferences?: unknown[]): Promise<void> {
  const r = await h.api.call('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels, ownerReferences },
    spec: { containers: [{ name: 'c', image: 'app' }] },
  });
  assert.equal(r.status, 201, r.text);
  await setPodPhase(h.api, 'default', name, 'Running');
}

const pdbStatus = async (name: string) => (await h.api.call('GET', `/apis/policy/v1/namespaces/default/poddisruptionbudgets/${name}`)).body.status;
const evict = (pod: string) =>
  h.api.call('POST', `/api/v1/namespaces/default/pods/${pod}/eviction`, { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } });

test('minAvailable 2 over 3 ready pods allows one eviction, then the API server refuses with 429', async () => {
  for (const n of ['a-0', 'a-1', 'a-2']) await readyPod(n, { app: 'a' });
  const r = await h.api.call('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'a' },
    spec: { minAvailable: 2, selector: { matchLabels: { app: 'a' } } },
  });
  assert.equal(r.status, 201, r.text);
  const st = await eventually('status', async () => {
    const s = await pdbStatus('a');
    return s?.disruptionsAllowed === 1 && s;
  });
  assert.deepEqual([st.currentHealthy, st.desiredHealthy, st.expectedPods], [3, 2, 3]);
  assert.equal(st.conditions.find((c: any) => c.type === 'DisruptionAllowed').reason, 'SufficientPods');

  assert.equal((await evict('a-0')).status, 201);
  await eventually('budget used up', async () => {
    const s = await pdbStatus('a');
    return s?.currentHealthy === 2 && s.disruptionsAllowed === 0 && s.conditions.find((c: any) => c.type === 'DisruptionAllowed').reason === 'InsufficientPods';
  });
  const refused = await evict('a-1');
  assert.equal(refused.status, 429, refused.text);
});

test('maxUnavailable counts expected pods from the controller scale, not the pods that exist', async () => {
  const rs = await h.api.call('POST', '/apis/apps/v1/namespaces/default/replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'b' },
    spec: { replicas: 4, selector: { matchLabels: { app: 'b' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'app' }] } } },
  });
  assert.equal(rs.status, 201, rs.text);
  const owner = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: rs.body.metadata.uid, controller: true }];
  for (const n of ['b-0', 'b-1', 'b-2']) await readyPod(n, { app: 'b' }, owner);
  const r = await h.api.call('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'b' },
    spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'b' } } },
  });
  assert.equal(r.status, 201, r.text);
  const st = await eventually('status', async () => {
    const s = await pdbStatus('b');
    return s?.expectedPods === 4 && s;
  });
  assert.equal(st.desiredHealthy, 3);
  assert.equal(st.currentHealthy, 3);
  assert.equal(st.disruptionsAllowed, 0, 'one of four is already missing');
});
