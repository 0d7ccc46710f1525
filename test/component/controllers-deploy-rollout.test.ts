import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Deployment, ReplicaSet } from '../../src/api/types/apps-v1.ts';
import type { Pod } from '../../src/api/types/core-v1.ts';
import { SharedInformerFactory } from '../../src/client/cache/informer-factory.ts';
import { resources } from '../../src/client/resources.ts';
import { DeploymentController } from '../../src/controllers/deployment.ts';
import { ReplicaSetController } from '../../src/controllers/replica-set.ts';
import { createNamespace, eventually, fakeKubelet, podTemplate, startEnv, type Env } from './controllers-harness.ts';

let env: Env;
before(async () => {
  env = await startEnv([DeploymentController, ReplicaSetController]);
});
after(async () => {
  await env.stop();
});

function deployment(name: string, replicas: number, image: string, strategy?: Deployment['spec'] extends infer S ? (S extends { strategy?: infer T } ? T : never) : never): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }, image), strategy },
  };
}

async function getD(ns: string, name: string): Promise<Deployment> {
  return env.client.get<Deployment>(resources.deployments, name, { namespace: ns });
}

async function replicaSets(ns: string): Promise<ReplicaSet[]> {
  return (await env.client.list<ReplicaSet>(resources.replicasets, { namespace: ns })).items;
}

async function setImage(ns: string, name: string, image: string): Promise<void> {
  for (;;) {
    const d = await getD(ns, name);
    d.spec!.template.spec!.containers[0].image = image;
    try {
      await env.client.update(resources.deployments, d);
      return;
    } catch (err) {
      if ((err as { reason?: string }).reason !== 'Conflict') throw err;
    }
  }
}

/** A merge patch (no resourceVersion), so the controller's own writes never make it conflict. */
async function patchDeployment(ns: string, name: string, patch: unknown): Promise<void> {
  await env.client.patch(resources.deployments, name, 'merge', patch, { namespace: ns });
}

/** What `kubectl rollout status` waits for. */
function rolloutComplete(d: Deployment): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want
  );
}

function condition(d: Deployment, type: string) {
  return d.status?.conditions?.find((c) => c.type === type);
}

test('a deployment gets a ReplicaSet with pod-template-hash and revision 1, then reports complete and Available', async () => {
  const ns = 'deploy-create';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns);
  try {
    const created = await env.client.create<Deployment>(resources.deployments, deployment('web', 3, 'nginx:1'), { namespace: ns });
    const d = await eventually('rollout complete', async () => {
      const cur = await getD(ns, 'web');
      return rolloutComplete(cur) && condition(cur, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? cur : false;
    });
    const rss = await replicaSets(ns);
    assert.equal(rss.length, 1);
    const rs = rss[0];
    const hash = rs.metadata?.labels?.['pod-template-hash'];
    assert.ok(hash, 'pod-template-hash label');
    assert.equal(rs.metadata?.name, `web-${hash}`);
    assert.equal(rs.spec?.selector.matchLabels?.['pod-template-hash'], hash);
    assert.equal(rs.spec?.template?.metadata?.labels?.['pod-template-hash'], hash);
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(rs.metadata?.ownerReferences?.[0]?.uid, created.metadata?.uid);
    assert.equal(d.metadata?.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(condition(d, 'Available')?.status, 'True');
    assert.equal(condition(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "${rs.metadata?.name}" has successfully progressed.`);
    const events = (await env.client.list<any>(resources.events, { namespace: ns })).items.filter((e) => e.reason === 'ScalingReplicaSet');
    assert.ok(events.some((e) => e.message === `Scaled up replica set ${rs.metadata?.name} from 0 to 3`), JSON.stringify(events.map((e) => e.message)));
  } finally {
    await kubelet.stop();
  }
});

test('a rolling update never exceeds maxSurge nor drops below maxUnavailable, and setting the template back rolls back', async () => {
  const ns = 'deploy-rolling';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns, 30);
  const replicas = 6;
  const maxSurge = 2;
  const maxUnavailable = 1;
  const watchFactory = new SharedInformerFactory(env.client);
  const rsInformer = watchFactory.informerFor<ReplicaSet>(resources.replicasets, { namespace: ns });
  const violations: string[] = [];
  let tracking = false;
  let maxTotalSeen = 0;
  let minAvailableSeen = Infinity;
  const check = () => {
    if (!tracking) return;
    const all = rsInformer.indexer.list();
    const total = all.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
    const available = all.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
    maxTotalSeen = Math.max(maxTotalSeen, total);
    minAvailableSeen = Math.min(minAvailableSeen, available);
    if (total > replicas + maxSurge) violations.push(`total ${total} > ${replicas + maxSurge}`);
    if (available < replicas - maxUnavailable) violations.push(`available ${available} < ${replicas - maxUnavailable}`);
  };
  rsInformer.addEventHandler({ onAdd: check, onUpdate: check, onDelete: check });
  rsInformer.run();
  try {
    await env.client.create(resources.deployments, deployment('api', replicas, 'app:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } }), { namespace: ns });
    await eventually('first rollout complete', async () => rolloutComplete(await getD(ns, 'api')));
    const first = (await replicaSets(ns))[0];
    await eventually('informer caught up', () => rsInformer.indexer.list().some((rs) => rs.status?.availableReplicas === replicas));
    tracking = true;

    await setImage(ns, 'api', 'app:2');
    const second = await eventually('second rollout complete', async () => {
      const d = await getD(ns, 'api');
      return rolloutComplete(d) && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : false;
    });
    assert.deepEqual(violations, []);
    assert.ok(maxTotalSeen > replicas, `the rollout surged (max total ${maxTotalSeen})`);
    assert.equal(second.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    let rss = await replicaSets(ns);
    assert.equal(rss.length, 2);
    const newRS = rss.find((rs) => rs.metadata?.uid !== first.metadata?.uid)!;
    assert.equal(newRS.spec?.replicas, replicas);
    assert.equal(rss.find((rs) => rs.metadata?.uid === first.metadata?.uid)!.spec?.replicas, 0);
    assert.equal(newRS.metadata?.annotations?.['deployment.kubernetes.io/revision'], '2');
    const pods = (await env.client.list<Pod>(resources.pods, { namespace: ns })).items;
    assert.ok(pods.every((p) => p.spec?.containers[0].image === 'app:2'));

    // Rollback: the template set back to the first one makes the first ReplicaSet new again, as revision 3.
    await setImage(ns, 'api', 'app:1');
    const third = await eventually('rollback complete', async () => {
      const d = await getD(ns, 'api');
      return rolloutComplete(d) && condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : false;
    });
    assert.deepEqual(violations, []);
    rss = await replicaSets(ns);
    assert.equal(rss.length, 2, 'no third ReplicaSet');
    const back = rss.find((rs) => rs.metadata?.uid === first.metadata?.uid)!;
    assert.equal(back.spec?.replicas, replicas);
    assert.equal(back.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(back.metadata?.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(third.metadata?.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.ok(minAvailableSeen >= replicas - maxUnavailable);
  } finally {
    await watchFactory.stop();
    await kubelet.stop();
  }
});

test('Recreate scales every old ReplicaSet to zero before the new one gets pods', async () => {
  const ns = 'deploy-recreate';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns);
  try {
    await env.client.create(resources.deployments, deployment('batch', 2, 'b:1', { type: 'Recreate' }), { namespace: ns });
    await eventually('first rollout', async () => rolloutComplete(await getD(ns, 'batch')));
    const watchFactory = new SharedInformerFactory(env.client);
    const pods = watchFactory.informerFor<Pod>(resources.pods, { namespace: ns });
    let mixed = false;
    const check = () => {
      const images = new Set(pods.indexer.list().map((p) => p.spec?.containers[0].image));
      if (images.has('b:1') && images.has('b:2')) mixed = true;
    };
    pods.addEventHandler({ onAdd: check, onUpdate: check });
    pods.run();
    await pods.waitForSync();
    await setImage(ns, 'batch', 'b:2');
    await eventually('second rollout', async () => {
      const d = await getD(ns, 'batch');
      return rolloutComplete(d) && d.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2';
    });
    await watchFactory.stop();
    assert.equal(mixed, false, 'old and new pods never ran together');
  } finally {
    await kubelet.stop();
  }
});

test('scaling a paused deployment resizes its ReplicaSet without rolling out the new template', async () => {
  const ns = 'deploy-paused';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns);
  try {
    await env.client.create(resources.deployments, deployment('p', 2, 'p:1'), { namespace: ns });
    await eventually('rollout', async () => rolloutComplete(await getD(ns, 'p')));
    await patchDeployment(ns, 'p', { spec: { paused: true } });
    await eventually('paused condition', async () => condition(await getD(ns, 'p'), 'Progressing')?.reason === 'DeploymentPaused');
    await setImage(ns, 'p', 'p:2');
    await patchDeployment(ns, 'p', { spec: { replicas: 4 } });
    await eventually('scaled to 4', async () => (await replicaSets(ns)).some((rs) => rs.spec?.replicas === 4));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await replicaSets(ns)).length, 1, 'no new ReplicaSet while paused');

    await patchDeployment(ns, 'p', { spec: { paused: false } });
    await eventually('resumed rollout', async () => {
      const cur = await getD(ns, 'p');
      return rolloutComplete(cur) && cur.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2' && condition(cur, 'Progressing')?.reason === 'NewReplicaSetAvailable';
    });
  } finally {
    await kubelet.stop();
  }
});

test('a rollout that cannot progress reports ProgressDeadlineExceeded after progressDeadlineSeconds', async () => {
  const ns = 'deploy-deadline';
  await createNamespace(env.client, ns);
  // No kubelet here: pods never become ready.
  const d = deployment('stuck', 2, 's:1');
  d.spec!.progressDeadlineSeconds = 2;
  await env.client.create(resources.deployments, d, { namespace: ns });
  const progressing = await eventually('ReplicaSetUpdated or NewReplicaSetCreated', async () => condition(await getD(ns, 'stuck'), 'Progressing'));
  assert.equal(progressing.status, 'True');
  const timedOut = await eventually('deadline exceeded', async () => {
    const c = condition(await getD(ns, 'stuck'), 'Progressing');
    return c?.reason === 'ProgressDeadlineExceeded' ? c : false;
  }, 15_000);
  assert.equal(timedOut.status, 'False');
  assert.match(timedOut.message ?? '', /^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
  const available = condition(await getD(ns, 'stuck'), 'Available');
  assert.equal(available?.status, 'False');
  assert.equal(available?.reason, 'MinimumReplicasUnavailable');
});

test('old ReplicaSets beyond revisionHistoryLimit are deleted, oldest revision first', async () => {
  const ns = 'deploy-history';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns);
  try {
    const d = deployment('h', 1, 'h:1');
    d.spec!.revisionHistoryLimit = 1;
    await env.client.create(resources.deployments, d, { namespace: ns });
    for (const image of ['h:2', 'h:3']) {
      await eventually(`rollout before ${image}`, async () => rolloutComplete(await getD(ns, 'h')));
      await setImage(ns, 'h', image);
    }
    await eventually('third revision complete', async () => {
      const cur = await getD(ns, 'h');
      return rolloutComplete(cur) && cur.metadata?.annotations?.['deployment.kubernetes.io/revision'] === '3';
    });
    const rss = await eventually('two ReplicaSets left', async () => {
      const list = await replicaSets(ns);
      return list.length === 2 ? list : false;
    });
    assert.deepEqual(rss.map((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision']).sort(), ['2', '3']);
  } finally {
    await kubelet.stop();
  }
});

test('scaling during a rollout spreads the new replicas over old and new ReplicaSets in proportion', async () => {
  const ns = 'deploy-proportional';
  await createNamespace(env.client, ns);
  const kubelet = fakeKubelet(env.client, ns);
  try {
    await env.client.create(resources.deployments, deployment('prop', 10, 'p:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } }), { namespace: ns });
    await eventually('first rollout', async () => rolloutComplete(await getD(ns, 'prop')));
    // Stop pods becoming ready, so the rollout stalls half way.
    kubelet.pause();
    await setImage(ns, 'prop', 'p:2');
    await eventually('rollout stalled with both ReplicaSets active', async () => {
      const list = await replicaSets(ns);
      const total = list.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      return list.length === 2 && list.every((rs) => (rs.spec?.replicas ?? 0) > 0) && total === 13;
    });
    const before = await replicaSets(ns);
    await patchDeployment(ns, 'prop', { spec: { replicas: 20 } });
    const after = await eventually('scaled to 20 + surge', async () => {
      const list = await replicaSets(ns);
      const total = list.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
      // 20 + maxSurge 3
      return total === 23 ? list : false;
    });
    for (const rs of after) {
      const was = before.find((b) => b.metadata?.uid === rs.metadata?.uid)!.spec!.replicas!;
      assert.ok(rs.spec!.replicas! > was, `${rs.metadata?.name} grew (${was} → ${rs.spec!.replicas})`);
      assert.equal(rs.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas'], '20');
    }
    kubelet.resume();
    await eventually('rollout finishes at 20', async () => {
      const cur = await getD(ns, 'prop');
      return rolloutComplete(cur) && cur.spec?.replicas === 20;
    }, 30_000);
  } finally {
    await kubelet.stop();
  }
});
