// Two scheduler instances share the Lease kube-system/kube-scheduler: one schedules, and
// when it stops the other takes over.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { configFromParts } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { SimNodes } from '../../src/sim/sim-nodes.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let server: TestApiServer;
let client: RestClient;
let sim: SimNodes;

before(async () => {
  server = await startTestApiServer();
  client = new RestClient(configFromParts({ server: server.url }));
  sim = new SimNodes({ client, count: 2, heartbeatIntervalMs: 1000 });
  await sim.start();
});

after(async () => {
  await sim?.stop();
  client?.close();
  await server?.stop();
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function boundNode(name: string): Promise<string> {
  await client.create(resources.pods, { metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, { namespace: 'default' });
  return waitFor(`${name} bound`, async () => (await client.get<{ spec: { nodeName?: string } }>(resources.pods, name, { namespace: 'default' })).spec.nodeName);
}

test('only the lease holder schedules; the other takes over when it stops', async () => {
  const election = (identity: string) => ({ identity, leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 300 });
  const a = new Scheduler({ client, leaderElection: election('a') });
  const b = new Scheduler({ client, leaderElection: election('b') });
  await a.start();
  await waitFor('a leads', () => a.isLeader());
  await b.start();
  try {
    await boundNode('first');
    const lease = await client.get<{ spec: { holderIdentity: string } }>(resources.leases, 'kube-scheduler', { namespace: 'kube-system' });
    assert.equal(lease.spec.holderIdentity, 'a');
    assert.equal(b.isLeader(), false);
    const scheduledByB = [...b.metrics.attempts.values()].reduce((x, y) => x + y, 0);
    assert.equal(scheduledByB, 0);

    await a.stop();
    await waitFor('b leads', () => b.isLeader(), 10_000);
    await boundNode('second');
    assert.equal(b.metrics.attempts.get('scheduled|default-scheduler'), 1);
  } finally {
    await a.stop();
    await b.stop();
  }
});
