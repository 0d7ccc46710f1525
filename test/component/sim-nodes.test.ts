// Simulated nodes against a real API server: registration, lease heartbeats (and stopping
// one node's), pods run and finished by annotations, graceful deletion confirmed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isStatusError } from '../../src/api/errors.ts';
import { configFromParts } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { EXIT_CODE_ANNOTATION, RUN_SECONDS_ANNOTATION } from '../../src/sim/pod-status.ts';
import { SimNodes } from '../../src/sim/sim-nodes.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let server: TestApiServer;
let client: RestClient;
let sim: SimNodes;

before(async () => {
  server = await startTestApiServer();
  client = new RestClient(configFromParts({ server: server.url }));
  sim = new SimNodes({ client, count: 6, namePrefix: 'kwok', heartbeatIntervalMs: 400, statusReportIntervalMs: 60_000, terminationDelayMs: 100 });
  await sim.start();
});

after(async () => {
  await sim?.stop();
  client?.close();
  await server?.stop();
});

interface NodeLike {
  metadata: { name: string; labels: Record<string, string> };
  spec: { podCIDR: string; podCIDRs: string[]; taints?: unknown[] };
  status: { capacity: Record<string, string>; allocatable: Record<string, string>; conditions: { type: string; status: string; reason: string }[]; addresses: { type: string; address: string }[] };
}

interface PodLike {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { restartCount: number; ready: boolean; state: { running?: unknown; terminated?: { exitCode: number; reason: string }; waiting?: unknown }; lastState?: { terminated?: { exitCode: number } } }[];
  };
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function renewTime(node: string): Promise<string> {
  const lease = await client.get<{ spec: { renewTime: string; holderIdentity: string } }>(resources.leases, node, { namespace: 'kube-node-lease' });
  assert.equal(lease.spec.holderIdentity, node);
  return lease.spec.renewTime;
}

function boundPod(name: string, node: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>): PodLike {
  return {
    metadata: { name, namespace: 'default', annotations },
    spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox' }], ...spec },
  };
}

async function getPod(name: string): Promise<PodLike> {
  return client.get<PodLike>(resources.pods, name, { namespace: 'default' });
}

test('nodes register Ready with capacity, well-known labels, zones spread over three and distinct pod CIDRs', async () => {
  const list = await client.list<NodeLike>(resources.nodes);
  const nodes = list.items.filter((n) => n.metadata.name.startsWith('kwok-'));
  assert.equal(nodes.length, 6);
  const zones = new Map<string, number>();
  for (const n of nodes) {
    assert.equal(n.metadata.labels['kubernetes.io/hostname'], n.metadata.name);
    assert.equal(n.metadata.labels['kubernetes.io/os'], 'linux');
    const z = n.metadata.labels['topology.kubernetes.io/zone']!;
    zones.set(z, (zones.get(z) ?? 0) + 1);
    assert.deepEqual(n.status.allocatable, { cpu: '4', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' });
    assert.deepEqual(n.status.capacity, n.status.allocatable);
    const ready = n.status.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'KubeletReady');
    assert.match(n.spec.podCIDR, /^10\.\d+\.\d+\.0\/24$/);
    assert.deepEqual(n.spec.podCIDRs, [n.spec.podCIDR]);
    assert.ok(n.status.addresses.some((a) => a.type === 'InternalIP'));
  }
  assert.deepEqual([...zones.values()], [2, 2, 2]);
  assert.equal(new Set(nodes.map((n) => n.spec.podCIDR)).size, 6);
});

test('every node renews its lease; a node whose heartbeats are stopped stops renewing until resumed', async () => {
  const [dead, alive] = ['kwok-0', 'kwok-1'];
  sim.stopHeartbeats(dead);
  const deadBefore = await renewTime(dead);
  const aliveBefore = await renewTime(alive);
  await waitFor('alive renews', async () => (await renewTime(alive)) !== aliveBefore);
  await waitFor('alive renews again', async () => (await renewTime(alive)) !== aliveBefore);
  assert.equal(await renewTime(dead), deadBefore);
  assert.equal(sim.isHeartbeating(dead), false);
  sim.resumeHeartbeats(dead);
  await waitFor('dead renews after resume', async () => (await renewTime(dead)) !== deadBefore);
});

test('pods bound to a node run with distinct IPs from its podCIDR', async () => {
  const node = await client.get<NodeLike>(resources.nodes, 'kwok-2');
  const prefix = node.spec.podCIDR.replace(/0\/24$/, '');
  for (let i = 0; i < 5; i++) await client.create(resources.pods, boundPod(`ip-${i}`, 'kwok-2'), { namespace: 'default' });
  const ips = [];
  for (let i = 0; i < 5; i++) {
    const p = await waitFor(`ip-${i} Running`, async () => ((await getPod(`ip-${i}`)).status?.phase === 'Running' ? getPod(`ip-${i}`) : undefined));
    assert.ok(p.status!.podIP!.startsWith(prefix), p.status!.podIP);
    ips.push(p.status!.podIP);
  }
  assert.equal(new Set(ips).size, 5);
});

test('run-seconds and exit-code finish Never pods as Succeeded or Failed', async () => {
  await client.create(resources.pods, boundPod('job-ok', 'kwok-3', { restartPolicy: 'Never' }, { [RUN_SECONDS_ANNOTATION]: '0.3' }), { namespace: 'default' });
  await client.create(resources.pods, boundPod('job-bad', 'kwok-3', { restartPolicy: 'Never' }, { [RUN_SECONDS_ANNOTATION]: '0.3', [EXIT_CODE_ANNOTATION]: '3' }), { namespace: 'default' });
  const ok = await waitFor('job-ok Succeeded', async () => ((await getPod('job-ok')).status?.phase === 'Succeeded' ? getPod('job-ok') : undefined));
  assert.deepEqual(
    { exitCode: ok.status!.containerStatuses![0]!.state.terminated!.exitCode, reason: ok.status!.containerStatuses![0]!.state.terminated!.reason },
    { exitCode: 0, reason: 'Completed' },
  );
  const bad = await waitFor('job-bad Failed', async () => ((await getPod('job-bad')).status?.phase === 'Failed' ? getPod('job-bad') : undefined));
  assert.equal(bad.status!.containerStatuses![0]!.state.terminated!.exitCode, 3);
  assert.equal(bad.status!.containerStatuses![0]!.state.terminated!.reason, 'Error');
  assert.equal(bad.status!.containerStatuses![0]!.ready, false);
});

test('an OnFailure pod whose container fails is restarted, keeping the exit in lastState', async () => {
  await client.create(resources.pods, boundPod('crashy', 'kwok-4', { restartPolicy: 'OnFailure' }, { [RUN_SECONDS_ANNOTATION]: '0.2', [EXIT_CODE_ANNOTATION]: '1' }), { namespace: 'default' });
  const p = await waitFor('restarted', async () => {
    const x = await getPod('crashy');
    return (x.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? x : undefined;
  });
  assert.equal(p.status!.phase, 'Running');
  assert.equal(p.status!.containerStatuses![0]!.lastState?.terminated?.exitCode, 1);
});

test('a graceful deletion is confirmed by the node', async () => {
  await client.create(resources.pods, boundPod('doomed', 'kwok-5'), { namespace: 'default' });
  await waitFor('doomed Running', async () => (await getPod('doomed')).status?.phase === 'Running');
  const answer = await client.delete<PodLike>(resources.pods, 'doomed', { namespace: 'default' });
  assert.ok(answer.metadata?.deletionTimestamp, 'the API server made it a graceful deletion');
  await waitFor('doomed gone', async () => {
    try {
      await getPod('doomed');
      return false;
    } catch (err) {
      return isStatusError(err, 'NotFound');
    }
  }, 5000);
});

test('a node with stopped heartbeats leaves its terminating pods terminating', async () => {
  await client.create(resources.pods, boundPod('stuck', 'kwok-1'), { namespace: 'default' });
  await waitFor('stuck Running', async () => (await getPod('stuck')).status?.phase === 'Running');
  sim.stopHeartbeats('kwok-1');
  await client.delete(resources.pods, 'stuck', { namespace: 'default' });
  await new Promise((r) => setTimeout(r, 600));
  assert.ok((await getPod('stuck')).metadata.deletionTimestamp);
  sim.resumeHeartbeats('kwok-1');
  await waitFor('stuck gone after resume', async () => {
    try {
      await getPod('stuck');
      return false;
    } catch (err) {
      return isStatusError(err, 'NotFound');
    }
  }, 5000);
});
