// The scheduler and simulated nodes against a real API server: pods get bound and run;
// resources, taints and node selectors decide where; a pod too big for every node waits
// with upstream's FailedScheduling summary until a node that fits appears.

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
let scheduler: Scheduler;

before(async () => {
  server = await startTestApiServer();
  client = new RestClient(configFromParts({ server: server.url }));
  sim = new SimNodes({ client, count: 3, shape: { cpu: '2', memory: '4Gi', pods: 20 }, heartbeatIntervalMs: 1000 });
  await sim.start();
  scheduler = new Scheduler({ client, leaderElection: false });
  await scheduler.start();
});

after(async () => {
  await scheduler?.stop();
  await sim?.stop();
  client?.close();
  await server?.stop();
});

interface PodLike {
  metadata: { name: string; namespace?: string; uid?: string; deletionTimestamp?: string };
  spec: { nodeName?: string; [k: string]: unknown };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: { ready: boolean; started?: boolean; state?: Record<string, unknown> }[] };
}

function pod(name: string, spec: Record<string, unknown> = {}, requests: Record<string, string> = { cpu: '100m', memory: '64Mi' }): PodLike {
  return {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests } }], ...spec },
  } as PodLike;
}

async function create(p: PodLike): Promise<PodLike> {
  return client.create<PodLike>(resources.pods, p, { namespace: 'default' });
}

async function get(name: string): Promise<PodLike> {
  return client.get<PodLike>(resources.pods, name, { namespace: 'default' });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

async function events(name: string): Promise<{ reason: string; message: string; type: string; source?: { component?: string } }[]> {
  const list = await client.list<{ reason: string; message: string; type: string; involvedObject: { name: string } }>(resources.events, { namespace: 'default' });
  return list.items.filter((e) => e.involvedObject.name === name);
}

test('a pod is bound to a simulated node and becomes Running with an IP from the node podCIDR', async () => {
  await create(pod('web-1'));
  const running = await waitFor('web-1 Running', async () => {
    const p = await get('web-1');
    return p.status?.phase === 'Running' ? p : undefined;
  });
  assert.ok(running.spec.nodeName && sim.nodeNames().includes(running.spec.nodeName));
  const node = await client.get<{ spec: { podCIDR: string } }>(resources.nodes, running.spec.nodeName!);
  const prefix = node.spec.podCIDR.split('.').slice(0, 3).join('.') + '.';
  assert.ok(running.status?.podIP?.startsWith(prefix), `${running.status?.podIP} in ${node.spec.podCIDR}`);
  const types = Object.fromEntries((running.status?.conditions ?? []).map((c) => [c.type, c.status]));
  assert.equal(types.PodScheduled, 'True');
  assert.equal(types.Ready, 'True');
  assert.equal(types.ContainersReady, 'True');
  assert.equal(types.Initialized, 'True');
  assert.equal(running.status?.containerStatuses?.[0]?.ready, true);
  assert.ok(running.status?.containerStatuses?.[0]?.state?.running);
  const ev = await waitFor('Scheduled event', async () => (await events('web-1')).find((e) => e.reason === 'Scheduled'));
  assert.equal(ev.message, `Successfully assigned default/web-1 to ${running.spec.nodeName}`);
  assert.equal(ev.source?.component, 'default-scheduler');
});

test('a pod too big for every node stays Pending with the FailedScheduling summary, and is scheduled once a big node is added', async () => {
  await create(pod('huge', {}, { cpu: '8', memory: '1Gi' }));
  const expected =
    '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
  const ev = await waitFor('FailedScheduling event', async () => (await events('huge')).find((e) => e.reason === 'FailedScheduling'));
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, expected);
  const pending = await waitFor('PodScheduled=False', async () => {
    const p = await get('huge');
    return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
  });
  const cond = pending.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  assert.equal(cond.reason, 'Unschedulable');
  assert.equal(cond.message, expected);
  assert.equal(pending.spec.nodeName, undefined);
  assert.equal(pending.status?.phase, 'Pending');

  await sim.addNode('big-node', { cpu: '16', memory: '64Gi' });
  const bound = await waitFor('huge bound', async () => {
    const p = await get('huge');
    return p.spec.nodeName ? p : undefined;
  });
  assert.equal(bound.spec.nodeName, 'big-node');
});

test('nodeSelector puts the pod on a node with the label', async () => {
  await create(pod('zone-b-pod', { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-b' } }));
  const bound = await waitFor('bound', async () => {
    const p = await get('zone-b-pod');
    return p.spec.nodeName ? p : undefined;
  });
  const node = await client.get<{ metadata: { labels: Record<string, string> } }>(resources.nodes, bound.spec.nodeName!);
  assert.equal(node.metadata.labels['topology.kubernetes.io/zone'], 'zone-b');
});

test('a tainted node takes only pods that tolerate its taint', async () => {
  await sim.addNode('gpu-node', { cpu: '4', memory: '8Gi', labels: { dedicated: 'gpu' }, taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
  await create(pod('intolerant', { nodeSelector: { dedicated: 'gpu' } }));
  const ev = await waitFor('FailedScheduling', async () => (await events('intolerant')).find((e) => e.reason === 'FailedScheduling'));
  assert.match(ev.message, /^0\/5 nodes are available: 1 node\(s\) had untolerated taint \{dedicated: gpu\}, 4 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/5 nodes are available: 5 Preemption is not helpful for scheduling\.$/);
  assert.equal((await get('intolerant')).spec.nodeName, undefined);

  await create(pod('tolerant', { nodeSelector: { dedicated: 'gpu' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
  const bound = await waitFor('tolerant bound', async () => {
    const p = await get('tolerant');
    return p.spec.nodeName ? p : undefined;
  });
  assert.equal(bound.spec.nodeName, 'gpu-node');
  // Pods without the toleration never land there.
  for (let i = 0; i < 6; i++) await create(pod(`spread-${i}`));
  for (let i = 0; i < 6; i++) {
    const p = await waitFor(`spread-${i} bound`, async () => {
      const x = await get(`spread-${i}`);
      return x.spec.nodeName ? x : undefined;
    });
    assert.notEqual(p.spec.nodeName, 'gpu-node');
  }
});

test('a pending pod that is being deleted is not scheduled when a node for it appears', async () => {
  const p = pod('leaving', { nodeSelector: { pool: 'late' } });
  (p.metadata as Record<string, unknown>).finalizers = ['example.com/hold'];
  await create(p);
  await waitFor('FailedScheduling', async () => (await events('leaving')).find((e) => e.reason === 'FailedScheduling'));
  await client.delete(resources.pods, 'leaving', { namespace: 'default' });
  await waitFor('deletionTimestamp', async () => !!(await get('leaving')).metadata.deletionTimestamp);
  await create(pod('arriving', { nodeSelector: { pool: 'late' } }));
  await sim.addNode('late-node', { labels: { pool: 'late' } });
  // The other pod waiting for the same node is bound: the scheduler did react to the node.
  await waitFor('arriving bound', async () => (await get('arriving')).spec.nodeName);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await get('leaving')).spec.nodeName, undefined);
  // Not even tried: no binding was attempted for it.
  const tried = (await events('leaving')).filter((e) => e.reason === 'Scheduled' || e.message.startsWith('Binding rejected'));
  assert.deepEqual(tried, []);
  await client.patch(resources.pods, 'leaving', 'merge', { metadata: { finalizers: null } }, { namespace: 'default' });
});
