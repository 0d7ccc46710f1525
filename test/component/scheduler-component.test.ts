// The scheduler and simulated-node components as `k8ts server` starts them: from a
// kubeconfig, with leader election, /healthz and /metrics.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { configFromParts } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { schedulerComponentWith } from '../../src/scheduler/component.ts';
import { simNodesComponent } from '../../src/sim/component.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let server: TestApiServer;
let dir: string;
let client: RestClient;
const logs: string[] = [];
const running: { stop(): Promise<void> }[] = [];

before(async () => {
  server = await startTestApiServer();
  dir = await mkdtemp(join(tmpdir(), 'k8ts-sched-component-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: local, cluster: {server: "' + server.url + '"}}]',
      'users: [{name: admin, user: {}}]',
      'contexts: [{name: local, context: {cluster: local, user: admin}}]',
      'current-context: local',
    ].join('\n'),
  );
  const ctx = { kubeconfigPath, config: { simNodes: 2 }, log: (l: string) => logs.push(l) };
  running.push(await simNodesComponent().start(ctx));
  running.push(await schedulerComponentWith({ port: 0 }).start(ctx));
  client = new RestClient(configFromParts({ server: server.url }));
});

after(async () => {
  for (const r of running.reverse()) await r.stop();
  client?.close();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('the components register the nodes, take the scheduler lease and run a pod; /healthz and /metrics answer', async () => {
  const nodes = await client.list<{ metadata: { name: string } }>(resources.nodes);
  assert.equal(nodes.items.length, 2);
  const lease = await waitFor('scheduler lease held', async () => {
    const l = await client.get<{ spec: { holderIdentity?: string } }>(resources.leases, 'kube-scheduler', { namespace: 'kube-system' });
    return l.spec.holderIdentity ? l : undefined;
  });
  assert.ok(lease.spec.holderIdentity);
  await client.create(resources.pods, { metadata: { name: 'hello', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, { namespace: 'default' });
  await waitFor('hello Running', async () => (await client.get<{ status?: { phase?: string } }>(resources.pods, 'hello', { namespace: 'default' })).status?.phase === 'Running');

  const url = logs.map((l) => /serving \/healthz and \/metrics on (\S+)/.exec(l)?.[1]).find(Boolean);
  assert.ok(url, logs.join('\n'));
  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(await health.text(), 'ok');
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^scheduler_schedule_attempts_total\{profile="default-scheduler",result="scheduled"\} 1$/m);
  assert.match(metrics, /^scheduler_pending_pods\{queue="active"\} 0$/m);
  assert.equal((await fetch(`${url}/nope`)).status, 404);
});
