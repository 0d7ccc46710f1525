// Preemption and multiple schedulers through a real API server and simulated nodes.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { configFromParts } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { parseSchedulerConfig } from '../../src/scheduler/config.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { SimNodes } from '../../src/sim/sim-nodes.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let server: TestApiServer;
let client: RestClient;
let sim: SimNodes;
const schedulers: Scheduler[] = [];

before(async () => {
  server = await startTestApiServer();
  client = new RestClient(configFromParts({ server: server.url }));
  sim = new SimNodes({ client, count: 1, shape: { cpu: '2', memory: '4Gi', pods: 20 }, heartbeatIntervalMs: 1000, terminationDelayMs: 100 });
  await sim.start();
});

after(async () => {
  for (const s of schedulers) await s.stop();
  await sim?.stop();
  client?.close();
  await server?.stop();
});

async function startScheduler(configYaml?: string, leaderElection: ConstructorParameters<typeof Scheduler>[0]['leaderElection'] = false): Promise<Scheduler> {
  const s = new Scheduler({ client, config: parseSchedulerConfig(configYaml), leaderElection });
  schedulers.push(s);
  await s.start();
  return s;
}

interface PodLike {
  metadata: { name: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec: { nodeName?: string; [k: string]: unknown };
  status?: { nominatedNodeName?: string; conditions?: { type: string; status: string; reason?: string }[] };
}

function pod(name: string, cpu: string, spec: Record<string, unknown> = {}): PodLike {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '64Mi' } } }], ...spec },
  };
}

async function get(name: string): Promise<PodLike | undefined> {
  try {
    return await client.get<PodLike>(resources.pods, name, { namespace: 'default' });
  } catch {
    return undefined;
  }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function eventsOf(name: string) {
  const list = await client.list<{ reason: string; message: string; source?: { component?: string }; involvedObject: { name: string } }>(resources.events, { namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === name);
}

test('a high-priority pod preempts a low-priority one: victim marked and deleted, nominatedNodeName set, then bound', async () => {
  await startScheduler();
  for (const [name, value] of [['low', 10], ['high', 1000]] as const) {
    await client.create(resources.priorityclasses, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value });
  }
  await client.create(resources.pods, pod('victim', '1500m', { priorityClassName: 'low' }), { namespace: 'default' });
  const victim = await waitFor('victim bound', async () => ((await get('victim'))?.spec.nodeName ? await get('victim') : undefined));
  const node = victim.spec.nodeName!;

  const sawDisruption: string[] = [];
  const watchVictim = setInterval(async () => {
    const v = await get('victim');
    const c = v?.status?.conditions?.find((x) => x.type === 'DisruptionTarget');
    if (c) sawDisruption.push(`${c.status}/${c.reason}`);
  }, 20);
  try {
    await client.create(resources.pods, pod('preemptor', '1500m', { priorityClassName: 'high' }), { namespace: 'default' });
    const nominated = await waitFor('nominatedNodeName', async () => {
      const p = await get('preemptor');
      return p?.status?.nominatedNodeName || p?.spec.nodeName ? p : undefined;
    });
    // The nomination is written before the victim is gone and the pod bound, unless the whole
    // exchange finished between two polls; either way the pod ends on that node.
    if (!nominated.spec.nodeName) assert.equal(nominated.status?.nominatedNodeName, node);
    const bound = await waitFor('preemptor bound', async () => ((await get('preemptor'))?.spec.nodeName ? await get('preemptor') : undefined));
    assert.equal(bound.spec.nodeName, node);
    const gone = await get('victim');
    assert.ok(!gone || gone.metadata.uid !== victim.metadata.uid, 'victim still exists');
  } finally {
    clearInterval(watchVictim);
  }
  const preempted = (await eventsOf('victim')).find((e) => e.reason === 'Preempted');
  const preemptorUid = (await get('preemptor'))!.metadata.uid;
  assert.equal(preempted?.message, `Preempted by pod ${preemptorUid} on node ${node}`);
  // The victim lives on for the simulated kubelet's termination delay, marked as the target.
  assert.equal(sawDisruption[0], 'True/PreemptionByScheduler');
  const failed = (await eventsOf('preemptor')).find((e) => e.reason === 'FailedScheduling');
  // Preemption succeeded, so upstream's message has no "preemption:" part.
  assert.equal(failed?.message, '0/1 nodes are available: 1 Insufficient cpu.');
});

test('each scheduler takes only pods that name it; a pod naming no running scheduler stays unbound', async () => {
  await startScheduler('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: my-scheduler\n');
  await client.create(resources.pods, pod('mine', '10m', { schedulerName: 'my-scheduler' }), { namespace: 'default' });
  await client.create(resources.pods, pod('default-one', '10m'), { namespace: 'default' });
  await client.create(resources.pods, pod('orphan', '10m', { schedulerName: 'nobody' }), { namespace: 'default' });
  for (const name of ['mine', 'default-one']) await waitFor(`${name} bound`, async () => (await get(name))?.spec.nodeName);
  const byWhom = async (name: string) =>
    waitFor(`${name} Scheduled event`, async () => (await eventsOf(name)).find((e) => e.reason === 'Scheduled')?.source?.component);
  assert.equal(await byWhom('mine'), 'my-scheduler');
  assert.equal(await byWhom('default-one'), 'default-scheduler');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await get('orphan'))?.spec.nodeName, undefined);
  assert.deepEqual(await eventsOf('orphan'), []);
});
