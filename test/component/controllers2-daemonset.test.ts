// The DaemonSet controller against a real API server. No scheduler runs: the test checks that
// each pod is pinned to its node through node affinity, and plays the kubelet for readiness.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DaemonSetController, nodeShouldRunDaemonPod, targetNodeOf } from '../../src/controllers/daemon-set.ts';
import { eventually, listPods, setPodPhase, startHarness, updateObject, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.start(new DaemonSetController(h.informers, h.client, h.recorder));
});
after(async () => {
  await h.stop();
});

async function createNode(name: string, labels: Record<string, string> = {}, taints: unknown[] = []): Promise<void> {
  const r = await h.api.call('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } });
  assert.equal(r.status, 201, r.text);
}

const dsPods = async (app: string) => (await listPods(h.api, 'default', `app=${app}`)).filter((p) => !p.metadata.deletionTimestamp);
const nodesOf = (pods: any[]) => pods.map((p) => targetNodeOf(p)).sort();
const getDs = async (name: string) => (await h.api.call('GET', `/apis/apps/v1/namespaces/default/daemonsets/${name}`)).body;
const updateDs = (name: string, change: (ds: any) => void) => updateObject(h.api, `/apis/apps/v1/namespaces/default/daemonsets/${name}`, change);

function daemonSet(name: string, podSpec: Record<string, unknown> = {}, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'agent:1' }], ...podSpec } },
      ...spec,
    },
  };
}

test('a DaemonSet runs one pod on each eligible node, pinned by node affinity, and on a node added later', async () => {
  await createNode('n1', { disk: 'ssd' });
  await createNode('n2', { disk: 'ssd' });
  await createNode('n3', { disk: 'hdd' });
  await createNode('n4', { disk: 'ssd' }, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  const r = await h.api.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('agent', { nodeSelector: { disk: 'ssd' } }));
  assert.equal(r.status, 201, r.text);

  const pods = await eventually('pods on n1 and n2', async () => {
    const p = await dsPods('agent');
    return p.length === 2 && p;
  });
  assert.deepEqual(nodesOf(pods), ['n1', 'n2'], 'not on n3 (selector) nor n4 (untolerated taint)');
  for (const pod of pods) {
    assert.equal(pod.spec.nodeName, undefined, 'left for the scheduler to bind');
    const terms = pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.deepEqual(terms[0].matchFields, [{ key: 'metadata.name', operator: 'In', values: [targetNodeOf(pod)] }]);
    assert.ok(pod.spec.tolerations.some((t: any) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'));
    assert.ok(pod.metadata.labels['controller-revision-hash']);
  }
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await dsPods('agent')).length, 2, 'exactly one pod per node');

  await createNode('n5', { disk: 'ssd' });
  await eventually('a pod on the new node n5', async () => nodesOf(await dsPods('agent')).join() === 'n1,n2,n5');

  const ds = await eventually('status', async () => {
    const d = await getDs('agent');
    return d.status?.desiredNumberScheduled === 3 && d.status?.currentNumberScheduled === 3 && d;
  });
  assert.equal(ds.status.numberReady, 0);
  assert.equal(ds.status.updatedNumberScheduled, 3);
  const revs = await h.api.call('GET', '/apis/apps/v1/namespaces/default/controllerrevisions');
  assert.equal(revs.body.items.filter((x: any) => x.metadata.ownerReferences?.[0]?.name === 'agent').length, 1);
});

test('a pod on a node whose labels stop matching is deleted', async () => {
  await updateObject(h.api, '/api/v1/nodes/n5', (node) => (node.metadata.labels.disk = 'hdd'));
  await eventually('pod on n5 gone', async () => nodesOf(await dsPods('agent')).join() === 'n1,n2');
});

test('RollingUpdate replaces pods one node at a time (maxUnavailable 1) and records a new ControllerRevision', async () => {
  for (const p of await dsPods('agent')) await setPodPhase(h.api, 'default', p.metadata.name, 'Running');
  await eventually('2 ready', async () => (await getDs('agent')).status?.numberReady === 2);
  const oldHash = (await dsPods('agent'))[0].metadata.labels['controller-revision-hash'];
  await updateDs('agent', (ds) => (ds.spec.template.spec.containers[0].image = 'agent:2'));

  let maxUnavailableSeen = 0;
  await eventually(
    'all pods on the new revision and ready',
    async () => {
      const pods = await dsPods('agent');
      const readyNodes = new Set(pods.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).map(targetNodeOf));
      maxUnavailableSeen = Math.max(maxUnavailableSeen, 2 - readyNodes.size);
      for (const p of pods) {
        if (p.status?.phase !== 'Running') await setPodPhase(h.api, 'default', p.metadata.name, 'Running');
      }
      return pods.length === 2 && pods.every((p) => p.metadata.labels['controller-revision-hash'] !== oldHash && p.spec.containers[0].image === 'agent:2') && readyNodes.size === 2;
    },
    20_000,
  );
  assert.ok(maxUnavailableSeen <= 1, `never more than one node without a ready pod (saw ${maxUnavailableSeen})`);
  const revs = await h.api.call('GET', '/apis/apps/v1/namespaces/default/controllerrevisions');
  const mine = revs.body.items.filter((x: any) => x.metadata.ownerReferences?.[0]?.name === 'agent').map((x: any) => x.revision).sort();
  assert.deepEqual(mine, [1, 2]);
});

test('OnDelete leaves old pods alone until they are deleted', async () => {
  const r = await h.api.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('manual', { nodeSelector: { disk: 'ssd' } }, { updateStrategy: { type: 'OnDelete' } }));
  assert.equal(r.status, 201, r.text);
  const before = await eventually('2 pods', async () => {
    const p = await dsPods('manual');
    return p.length === 2 && p;
  });
  await updateDs('manual', (ds) => (ds.spec.template.spec.containers[0].image = 'agent:2'));
  await new Promise((res) => setTimeout(res, 500));
  assert.deepEqual((await dsPods('manual')).map((p) => p.metadata.name).sort(), before.map((p: any) => p.metadata.name).sort());
  assert.equal((await h.api.call('DELETE', `/api/v1/namespaces/default/pods/${before[0].metadata.name}`)).status, 200);
  const replaced = await eventually('replacement with the new template', async () => (await dsPods('manual')).find((p) => p.spec.containers[0].image === 'agent:2'));
  assert.equal(targetNodeOf(replaced), targetNodeOf(before[0]));
});

test('RollingUpdate with maxSurge 1 starts the new pod beside the old one and removes the old once the new is ready', async () => {
  await createNode('s1', { pool: 'surge' });
  await createNode('s2', { pool: 'surge' });
  const r = await h.api.call(
    'POST',
    '/apis/apps/v1/namespaces/default/daemonsets',
    daemonSet('surger', { nodeSelector: { pool: 'surge' } }, { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }),
  );
  assert.equal(r.status, 201, r.text);
  const initial = await eventually('2 pods', async () => {
    const p = await dsPods('surger');
    return p.length === 2 && p;
  });
  for (const p of initial) await setPodPhase(h.api, 'default', p.metadata.name, 'Running');
  await eventually('2 ready', async () => (await getDs('surger')).status?.numberReady === 2);
  await updateDs('surger', (ds) => (ds.spec.template.spec.containers[0].image = 'agent:2'));

  const surged = await eventually('a node running old and new side by side', async () => {
    const pods = await dsPods('surger');
    const fresh = pods.filter((p) => p.spec.containers[0].image === 'agent:2');
    return pods.length === 3 && fresh.length === 1 && fresh[0];
  });
  const node = targetNodeOf(surged);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal((await dsPods('surger')).filter((p) => targetNodeOf(p) === node).length, 2, 'the old pod stays until the new one is ready');
  let minReadyNodes = 2;
  await eventually(
    'all pods new and ready',
    async () => {
      const pods = await dsPods('surger');
      const readyNodes = new Set(pods.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')).map(targetNodeOf));
      minReadyNodes = Math.min(minReadyNodes, readyNodes.size);
      for (const p of pods) if (p.status?.phase !== 'Running') await setPodPhase(h.api, 'default', p.metadata.name, 'Running');
      return pods.length === 2 && pods.every((p) => p.spec.containers[0].image === 'agent:2') && readyNodes.size === 2;
    },
    20_000,
  );
  assert.equal(minReadyNodes, 2, 'every node kept a ready pod throughout');
});

test('node eligibility: untolerated NoSchedule stops new pods but keeps running ones; untolerated NoExecute evicts; default tolerations cover not-ready and unschedulable', () => {
  const ds = (podSpec: Record<string, unknown> = {}) => daemonSet('x', podSpec) as any;
  const node = (taints: unknown[] = [], labels: Record<string, string> = {}, unschedulable = false) => ({ metadata: { name: 'n', labels }, spec: { taints, unschedulable } }) as any;
  assert.deepEqual(nodeShouldRunDaemonPod(node(), ds()), { shouldRun: true, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node([{ key: 'k', effect: 'NoSchedule' }]), ds()), { shouldRun: false, shouldContinueRunning: true });
  assert.deepEqual(nodeShouldRunDaemonPod(node([{ key: 'k', effect: 'NoExecute' }]), ds()), { shouldRun: false, shouldContinueRunning: false });
  assert.deepEqual(nodeShouldRunDaemonPod(node([{ key: 'k', value: 'v', effect: 'NoExecute' }]), ds({ tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute' }] })), { shouldRun: true, shouldContinueRunning: true });
  assert.equal(nodeShouldRunDaemonPod(node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), ds()).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node([{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], {}, true), ds()).shouldRun, true);
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }] } } };
  assert.equal(nodeShouldRunDaemonPod(node([], { zone: 'a' }), ds({ affinity })).shouldRun, true);
  assert.equal(nodeShouldRunDaemonPod(node([], { zone: 'c' }), ds({ affinity })).shouldRun, false);
});

test('rolling back to an earlier template reuses its ControllerRevision with a new number', async () => {
  const revsBefore = (await h.api.call('GET', '/apis/apps/v1/namespaces/default/controllerrevisions')).body.items.filter((x: any) => x.metadata.ownerReferences?.[0]?.name === 'agent');
  const first = revsBefore.find((x: any) => x.revision === 1);
  await updateDs('agent', (ds) => (ds.spec.template.spec.containers[0].image = 'agent:1'));
  await eventually(
    'pods back on agent:1 with the first revision hash',
    async () => {
      const pods = await dsPods('agent');
      for (const p of pods) if (p.status?.phase !== 'Running') await setPodPhase(h.api, 'default', p.metadata.name, 'Running');
      return pods.length === 2 && pods.every((p) => p.spec.containers[0].image === 'agent:1' && p.metadata.labels['controller-revision-hash'] === first.metadata.labels['controller-revision-hash']);
    },
    20_000,
  );
  const revs = (await h.api.call('GET', '/apis/apps/v1/namespaces/default/controllerrevisions')).body.items.filter((x: any) => x.metadata.ownerReferences?.[0]?.name === 'agent');
  assert.deepEqual(revs.map((x: any) => [x.metadata.name, x.revision]).sort((a: any, b: any) => a[1] - b[1]).map((x: any) => x[1]), [2, 3]);
  assert.equal(revs.find((x: any) => x.revision === 3).metadata.name, first.metadata.name, 'the same object, renumbered');
});
