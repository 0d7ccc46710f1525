// kubectl drain against a cluster with controllers, the scheduler and simulated nodes: a
// PodDisruptionBudget that allows no disruption blocks it; once it allows one, the node is
// drained and the Deployment's pod comes back on the other node.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';
import { builtinComponents } from '../../src/embed/components.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster({ components: await builtinComponents({ controllers: true, scheduler: true, simNodes: 2 }) });
});
after(async () => {
  await c?.stop();
});

async function eventually(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const allowed = async () => Number(await mustKubectl(c, ['get', 'pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed}']));

test('a PodDisruptionBudget blocks kubectl drain until it allows a disruption', async () => {
  await mustKubectl(c, ['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
  await mustKubectl(c, ['rollout', 'status', 'deployment/web', '--timeout=60s']);
  await mustKubectl(c, ['create', 'poddisruptionbudget', 'web', '--selector=app=web', '--min-available=2']);
  await eventually('the PDB to be observed', async () => (await mustKubectl(c, ['get', 'pdb', 'web', '-o', 'jsonpath={.status.currentHealthy}'])) === '2');
  assert.equal(await allowed(), 0);

  const node = (await mustKubectl(c, ['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].spec.nodeName}'])).trim();
  const blocked = await c.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=6s']);
  assert.notEqual(blocked.code, 0);
  assert.match(blocked.stderr + blocked.stdout, /Cannot evict pod as it would violate the pod's disruption budget/);

  await mustKubectl(c, ['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":1}}']);
  await eventually('the PDB to allow one disruption', async () => (await allowed()) === 1);
  const drained = await c.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=60s']);
  assert.equal(drained.code, 0, drained.stderr);
  assert.match(drained.stdout, new RegExp(`node/${node} drained`));
  await eventually('the evicted pod to come back on the other node', async () => {
    const pods = JSON.parse(await mustKubectl(c, ['get', 'pods', '-l', 'app=web', '-o', 'json'])).items;
    return pods.length === 2 && pods.every((p: any) => p.spec.nodeName && p.spec.nodeName !== node && p.status.phase === 'Running');
  });
});
