// The node lifecycle controller against a real API server, with periods shortened through its
// config. The test plays two kubelets: n1 keeps renewing its Lease, n2 falls silent.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NodeLifecycleController, evictionTime } from '../../src/controllers/node-lifecycle.ts';
import { eventually, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
let heartbeat: NodeJS.Timeout | undefined;
const beating = new Set<string>();
const micro = () => new Date().toISOString().replace(/Z$/, '000Z');
const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

before(async () => {
  h = await startHarness();
});
after(async () => {
  clearInterval(heartbeat);
  await h.stop();
});

async function renewLease(name: string): Promise<void> {
  const path = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${name}`;
  const got = await h.api.call('GET', path);
  if (got.status === 404) {
    const r = await h.api.call('POST', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name },
      spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: micro() },
    });
    assert.equal(r.status, 201, r.text);
    return;
  }
  got.body.spec.renewTime = micro();
  await h.api.call('PUT', path, got.body);
}

async function postReady(name: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const node = (await h.api.call('GET', `/api/v1/nodes/${name}`)).body;
    node.status = {
      ...(node.status ?? {}),
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: stamp(), lastTransitionTime: stamp() }],
    };
    const r = await h.api.call('PUT', `/api/v1/nodes/${name}/status`, node);
    if (r.status === 200) return;
  }
  throw new Error(`could not post status of ${name}`);
}

async function createNode(name: string): Promise<void> {
  const r = await h.api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } });
  assert.equal(r.status, 201, r.text);
  await postReady(name);
  await renewLease(name);
}

async function createBoundPod(name: string, node: string, tolerationSeconds?: number): Promise<void> {
  const tolerations =
    tolerationSeconds === undefined
      ? undefined
      : ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'].map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds }));
  const r = await h.api.call('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'app' }], tolerations },
  });
  assert.equal(r.status, 201, r.text);
  const pod = r.body;
  pod.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: stamp() }] };
  const put = await h.api.call('PUT', `/api/v1/namespaces/default/pods/${name}/status`, pod);
  assert.equal(put.status, 200, put.text);
}

const getNode = async (name: string) => (await h.api.call('GET', `/api/v1/nodes/${name}`)).body;
const getPod = async (name: string) => (await h.api.call('GET', `/api/v1/namespaces/default/pods/${name}`)).body;
const taintKeys = (node: any) => (node.spec?.taints ?? []).map((t: any) => `${t.key}:${t.effect}`).sort();

test('a node whose heartbeat stops turns Unknown, is tainted unreachable, its pods turn not Ready and are evicted when their toleration runs out', async () => {
  await createNode('n1');
  await createNode('n2');
  await createBoundPod('short', 'n2', 2);
  await createBoundPod('patient', 'n2');
  await createBoundPod('elsewhere', 'n1', 2);
  beating.add('n1').add('n2');
  heartbeat = setInterval(() => {
    for (const n of beating) void renewLease(n).catch(() => undefined);
  }, 200);

  h.start(
    new NodeLifecycleController(h.informers, h.client, h.recorder, {
      nodeMonitorPeriodMs: 100,
      nodeMonitorGracePeriodMs: 1500,
      nodeStartupGracePeriodMs: 1500,
      nodeEvictionRate: 100,
    }),
  );
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await getNode('n2')).status.conditions.find((c: any) => c.type === 'Ready').status, 'True', 'a heartbeating node stays Ready');
  assert.deepEqual(taintKeys(await getNode('n2')), []);

  beating.delete('n2');
  const silent = await eventually('n2 Ready Unknown', async () => {
    const n = await getNode('n2');
    return n.status.conditions.find((c: any) => c.type === 'Ready')?.status === 'Unknown' && n;
  }, 10_000);
  const ready = silent.status.conditions.find((c: any) => c.type === 'Ready');
  assert.equal(ready.reason, 'NodeStatusUnknown');
  assert.equal(ready.message, 'Kubelet stopped posting node status.');
  const tainted = await eventually('unreachable taints', async () => {
    const n = await getNode('n2');
    return taintKeys(n).join() === 'node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule' && n;
  });
  assert.ok(tainted.spec.taints.find((t: any) => t.effect === 'NoExecute').timeAdded);
  await eventually('pods on n2 not Ready', async () => (await getPod('patient')).status.conditions.find((c: any) => c.type === 'Ready').status === 'False');

  const evicted = await eventually('short toleration ran out: pod deleted', async () => {
    const p = await getPod('short');
    return !!p.metadata.deletionTimestamp && p;
  }, 10_000);
  assert.equal(evicted.status.conditions.find((c: any) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');
  const patient = await getPod('patient');
  assert.equal(patient.metadata.deletionTimestamp, undefined, 'the default 300 s toleration has not run out');
  const elsewhere = await getPod('elsewhere');
  assert.equal(elsewhere.metadata.deletionTimestamp, undefined);
  assert.equal(elsewhere.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  assert.deepEqual(taintKeys(await getNode('n1')), [], 'the healthy node is untouched');
});

test('taints are removed when the node reports Ready again', async () => {
  beating.add('n2');
  await postReady('n2');
  await eventually('taints gone', async () => taintKeys(await getNode('n2')).length === 0, 10_000);
});

test('a node that never reported gets NodeStatusNeverUpdated conditions after the startup grace period', async () => {
  const r = await h.api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'mute' } });
  assert.equal(r.status, 201, r.text);
  const node = await eventually('conditions Unknown', async () => {
    const n = await getNode('mute');
    return n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'Unknown' && n;
  }, 10_000);
  const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
  assert.equal(ready.reason, 'NodeStatusNeverUpdated');
  assert.equal(ready.message, 'Kubelet never posted node status.');
  assert.deepEqual(node.status.conditions.map((c: any) => c.type).sort(), ['DiskPressure', 'MemoryPressure', 'PIDPressure', 'Ready']);
  await eventually('unreachable taints', async () => taintKeys(await getNode('mute')).join() === 'node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule');
});

test('when every node is unreachable the controller assumes it is cut off: NoExecute taints go, NoSchedule ones stay', async () => {
  beating.clear();
  await eventually('all nodes Unknown', async () => {
    const nodes = (await h.api.call('GET', '/api/v1/nodes')).body.items;
    return nodes.every((n: any) => n.status?.conditions?.find((c: any) => c.type === 'Ready')?.status === 'Unknown');
  }, 10_000);
  await eventually('no NoExecute taint on any node', async () => {
    const nodes = (await h.api.call('GET', '/api/v1/nodes')).body.items;
    return nodes.every((n: any) => taintKeys(n).join() === 'node.kubernetes.io/unreachable:NoSchedule');
  }, 10_000);
});

test('eviction time: untolerated taints evict at once; the shortest tolerationSeconds counts from the taint', () => {
  const added = '2026-01-01T00:00:00Z';
  const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' as const, timeAdded: added };
  const now = Date.parse('2026-01-01T00:00:10Z');
  assert.equal(evictionTime({ spec: { containers: [] } } as any, [taint], now), now);
  const pod = (seconds?: number[]) => ({ spec: { containers: [], tolerations: (seconds ?? [undefined as any]).map((s) => ({ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: s })) } }) as any;
  assert.equal(evictionTime(pod([30, 5]), [taint], now), Date.parse(added) + 5000);
  assert.equal(evictionTime(pod(), [taint], now), undefined, 'tolerated forever');
});
