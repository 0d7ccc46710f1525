import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ReplicaSet } from '../../src/api/types/apps-v1.ts';
import type { Pod, ReplicationController } from '../../src/api/types/core-v1.ts';
import { resources } from '../../src/client/resources.ts';
import { ReplicaSetController } from '../../src/controllers/replica-set.ts';
import { ReplicationControllerController } from '../../src/controllers/replication-controller.ts';
import { createNamespace, eventually, fakeKubelet, makeReady, podTemplate, startEnv, type Env } from './controllers-harness.ts';

let env: Env;
before(async () => {
  env = await startEnv([ReplicaSetController, ReplicationControllerController]);
});
after(async () => {
  await env.stop();
});

function replicaSet(name: string, replicas: number, labels: Record<string, string>): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels) },
  };
}

async function pods(ns: string, selector?: string): Promise<Pod[]> {
  return (await env.client.list<Pod>(resources.pods, { namespace: ns, labelSelector: selector })).items;
}

/** A merge patch: never conflicts with the controller's status writes. */
async function scale(ns: string, name: string, replicas: number): Promise<void> {
  await env.client.patch(resources.replicasets, name, 'merge', { spec: { replicas } }, { namespace: ns });
}

async function getRS(ns: string, name: string): Promise<ReplicaSet> {
  return env.client.get<ReplicaSet>(resources.replicasets, name, { namespace: ns });
}

test('a ReplicaSet creates its pods, owned by it, and reports ready and available replicas', async () => {
  const ns = 'rs-up';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns);
  try {
    const rs = await env.client.create<ReplicaSet>(resources.replicasets, replicaSet('web', 3, { app: 'web' }), { namespace: ns });
    const created = await eventually('3 pods', async () => ((await pods(ns, 'app=web')).length === 3 ? pods(ns, 'app=web') : false));
    for (const p of created) {
      const ref = p.metadata?.ownerReferences?.[0];
      assert.equal(ref?.uid, rs.metadata?.uid);
      assert.equal(ref?.kind, 'ReplicaSet');
      assert.equal(ref?.controller, true);
      assert.equal(ref?.blockOwnerDeletion, true);
      assert.match(p.metadata!.name!, /^web-[a-z0-9]{5}$/);
    }
    const status = await eventually('status ready 3', async () => {
      const s = (await getRS(ns, 'web')).status;
      return s?.readyReplicas === 3 && s.availableReplicas === 3 && s.replicas === 3 ? s : false;
    });
    assert.equal(status.fullyLabeledReplicas, 3);
    assert.equal(status.observedGeneration, 1);
    const events = await eventually('SuccessfulCreate events', async () => {
      const list = (await env.client.list<any>(resources.events, { namespace: ns })).items.filter((e) => e.reason === 'SuccessfulCreate');
      return list.length === 3 ? list : false;
    });
    assert.match(events[0].message, /^Created pod: web-/);
    // Nothing more is created once the count is reached.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await pods(ns, 'app=web')).length, 3);
  } finally {
    await kubelet.stop();
  }
});

test('scaling a ReplicaSet down deletes the surplus, not-ready pods before ready ones', async () => {
  const ns = 'rs-down';
  await createNamespace(env.client, ns);
  await env.client.create(resources.replicasets, replicaSet('api', 4, { app: 'api' }), { namespace: ns });
  const all = await eventually('4 pods', async () => {
    const list = await pods(ns, 'app=api');
    return list.length === 4 ? list : false;
  });
  // Two pods become ready; the other two stay pending.
  const ready = all.slice(0, 2);
  for (const [i, p] of ready.entries()) await makeReady(env.client, p, `10.2.0.${i + 1}`);
  await eventually('readyReplicas 2', async () => (await getRS(ns, 'api')).status?.readyReplicas === 2);

  await scale(ns, 'api', 2);
  const left = await eventually('2 pods left', async () => {
    const list = await pods(ns, 'app=api');
    return list.length === 2 ? list : false;
  });
  assert.deepEqual(left.map((p) => p.metadata!.name).sort(), ready.map((p) => p.metadata!.name).sort());
  const st = await eventually('status replicas 2, observedGeneration 2', async () => {
    const s = (await getRS(ns, 'api')).status;
    return s?.replicas === 2 && s.observedGeneration === 2 ? s : false;
  });
  assert.equal(st.readyReplicas, 2);
  const deletes = (await env.client.list<any>(resources.events, { namespace: ns })).items.filter((e) => e.reason === 'SuccessfulDelete');
  assert.equal(deletes.length, 2);
});

test('a ReplicaSet adopts a matching orphan pod instead of creating one, and releases a pod whose labels stop matching', async () => {
  const ns = 'rs-adopt';
  await createNamespace(env.client, ns);
  const orphan = await env.client.create<Pod>(
    resources.pods,
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'db' } }, spec: podTemplate({}).spec },
    { namespace: ns },
  );
  const rs = await env.client.create<ReplicaSet>(resources.replicasets, replicaSet('db', 2, { app: 'db' }), { namespace: ns });
  const owned = await eventually('2 pods owned by the ReplicaSet', async () => {
    const list = await pods(ns, 'app=db');
    return list.length === 2 && list.every((p) => p.metadata?.ownerReferences?.[0]?.uid === rs.metadata?.uid) ? list : false;
  });
  assert.ok(owned.some((p) => p.metadata?.name === 'orphan'), 'the orphan was adopted');
  assert.equal(owned.find((p) => p.metadata?.name === 'orphan')!.metadata?.uid, orphan.metadata?.uid);

  // Relabel the adopted pod: the ReplicaSet lets it go and makes a replacement.
  const current = await env.client.get<Pod>(resources.pods, 'orphan', { namespace: ns });
  await env.client.update(resources.pods, { ...current, metadata: { ...current.metadata, labels: { app: 'debug' } } });
  const released = await eventually('the relabelled pod released', async () => {
    const p = await env.client.get<Pod>(resources.pods, 'orphan', { namespace: ns });
    return (p.metadata?.ownerReferences ?? []).length === 0 ? p : false;
  });
  assert.equal(released.metadata?.labels?.app, 'debug');
  await eventually('a replacement pod', async () => (await pods(ns, 'app=db')).length === 2);
});

test('a ReplicationController keeps its replicas with a map selector', async () => {
  const ns = 'rc';
  await createNamespace(env.client, ns);
  const rc: ReplicationController = {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'legacy' },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: podTemplate({ app: 'legacy' }) },
  };
  const created = await env.client.create<ReplicationController>(resources.replicationcontrollers, rc, { namespace: ns });
  const list = await eventually('2 pods', async () => {
    const l = await pods(ns, 'app=legacy');
    return l.length === 2 ? l : false;
  });
  assert.ok(list.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'ReplicationController' && p.metadata.ownerReferences[0].uid === created.metadata?.uid));
  // Deleting a pod brings a replacement.
  await env.client.delete(resources.pods, list[0].metadata!.name!, { namespace: ns });
  await eventually('replacement pod', async () => {
    const l = await pods(ns, 'app=legacy');
    return l.length === 2 && !l.some((p) => p.metadata?.uid === list[0].metadata?.uid);
  });
  await eventually('status replicas 2', async () => (await env.client.get<ReplicationController>(resources.replicationcontrollers, 'legacy', { namespace: ns })).status?.replicas === 2);
});

test('pods count as available only after minReadySeconds', async () => {
  const ns = 'rs-minready';
  await createNamespace(env.client, ns);
  const body = replicaSet('slow', 1, { app: 'slow' });
  body.spec!.minReadySeconds = 2;
  await env.client.create(resources.replicasets, body, { namespace: ns });
  const [p] = await eventually('a pod', async () => {
    const l = await pods(ns, 'app=slow');
    return l.length === 1 ? l : false;
  });
  await makeReady(env.client, p, '10.3.0.1');
  const early = await eventually('ready but not yet available', async () => {
    const s = (await getRS(ns, 'slow')).status;
    return s?.readyReplicas === 1 ? s : false;
  });
  assert.equal(early.availableReplicas, 0);
  const t0 = Date.now();
  await eventually('available after minReadySeconds', async () => (await getRS(ns, 'slow')).status?.availableReplicas === 1, 10_000);
  assert.ok(Date.now() - t0 >= 500, 'availability waited for minReadySeconds');
});

test('a ReplicaSet that cannot create pods reports ReplicaFailure, and clears it once it can', async () => {
  const ns = 'rs-failure';
  await createNamespace(env.client, ns);
  await env.client.create(resources.replicasets, replicaSet('blocked', 0, { app: 'blocked' }), { namespace: ns });
  // No namespace controller runs here: the namespace stays Terminating, refusing new pods.
  await env.client.delete(resources.namespaces, ns);
  await scale(ns, 'blocked', 2);
  const cond = await eventually('ReplicaFailure condition', async () => {
    const c = (await getRS(ns, 'blocked')).status?.conditions?.find((x) => x.type === 'ReplicaFailure');
    return c?.status === 'True' ? c : false;
  });
  assert.equal(cond.reason, 'FailedCreate');
  assert.match(cond.message ?? '', /terminat/i);
  // Scaling back to zero needs no creation: the condition goes.
  await scale(ns, 'blocked', 0);
  await eventually('condition cleared', async () => !(await getRS(ns, 'blocked')).status?.conditions?.some((x) => x.type === 'ReplicaFailure'));
});
