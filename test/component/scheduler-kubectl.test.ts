// The scheduler and simulated nodes inside a real `k8ts server` control plane (TLS, admin
// kubeconfig), driven by the real kubectl.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { schedulerComponent } from '../../src/scheduler/component.ts';
import { simNodesComponent } from '../../src/sim/component.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster({ components: [simNodesComponent({ count: 3, heartbeatIntervalMs: 1000 }), schedulerComponent] });
});

after(async () => {
  await cluster?.stop();
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('kubectl sees Ready simulated nodes, and a pod it runs is scheduled and Running', async () => {
  const nodes = await cluster.kubectl(['get', 'nodes', '--no-headers']);
  assert.equal(nodes.code, 0, nodes.stderr);
  const lines = nodes.stdout.trim().split('\n');
  assert.equal(lines.length, 3, nodes.stdout);
  for (const l of lines) assert.match(l, /^sim-node-\d+\s+Ready\s/);

  const run = await cluster.kubectl(['run', 'web', '--image=nginx', '--restart=Never']);
  assert.equal(run.code, 0, run.stderr);
  const phase = await waitFor('web Running', async () => {
    const r = await cluster.kubectl(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase} {.spec.nodeName} {.status.podIP}']);
    return r.stdout.startsWith('Running ') ? r.stdout : undefined;
  });
  const [, node, ip] = phase.split(' ');
  assert.match(node!, /^sim-node-\d+$/);
  assert.match(ip!, /^10\.\d+\.\d+\.\d+$/);
  const events = await cluster.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}']);
  assert.match(events.stdout, new RegExp(`^Scheduled: Successfully assigned default/web to ${node}$`, 'm'));
});
