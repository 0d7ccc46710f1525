// The pod garbage collector against a real API server, with a small threshold and no quarantine.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PodGCController } from '../../src/controllers/pod-gc.ts';
import { eventually, listPods, setPodPhase, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.stop();
});

async function createPod(name: string, nodeName?: string): Promise<void> {
  const r = await h.api.call('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { gc: 'test' } },
    spec: { nodeName, containers: [{ name: 'c', image: 'app' }] },
  });
  assert.equal(r.status, 201, r.text);
}

test('terminated pods beyond the threshold go oldest first; pods bound to a vanished node go', async () => {
  const node = await h.api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'real' } });
  assert.equal(node.status, 201);
  for (let i = 0; i < 4; i++) {
    await createPod(`done-${i}`, 'real');
    await setPodPhase(h.api, 'default', `done-${i}`, 'Succeeded');
    await new Promise((r) => setTimeout(r, 1100)); // distinct creation seconds, so "oldest" is well defined
  }
  await createPod('running', 'real');
  await createPod('orphan', 'ghost');

  h.start(new PodGCController(h.informers, h.client, h.recorder, { podGCPeriodMs: 200, terminatedPodGCThreshold: 2, orphanQuarantineMs: 0 }));
  await eventually('two oldest terminated pods and the orphan deleted', async () => {
    const names = (await listPods(h.api, 'default', 'gc=test')).map((p) => p.metadata.name).sort();
    return names.join() === 'done-2,done-3,running';
  });
});
