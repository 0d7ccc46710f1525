// The StatefulSet controller against a real API server; the test plays the kubelet by
// marking pods Running and Ready.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { StatefulSetController } from '../../src/controllers/stateful-set.ts';
import { eventually, listPods, setPodPhase, startHarness, updateObject, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.start(new StatefulSetController(h.informers, h.client, h.recorder));
});
after(async () => {
  await h.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const podNames = async (app: string) => (await listPods(h.api, 'default', `app=${app}`)).filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name).sort();
const getSts = async (name: string) => (await h.api.call('GET', `/apis/apps/v1/namespaces/default/statefulsets/${name}`)).body;

const updateSts = (name: string, change: (sts: any) => void) => updateObject(h.api, `/apis/apps/v1/namespaces/default/statefulsets/${name}`, change);

function statefulSet(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: name,
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'db:1' }] } },
      ...spec,
    },
  };
}

test('OrderedReady creates web-0, web-1, web-2 one at a time, each after the previous is Running and Ready, with a PVC each', async () => {
  const r = await h.api.call(
    'POST',
    '/apis/apps/v1/namespaces/default/statefulsets',
    statefulSet('web', {
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    }),
  );
  assert.equal(r.status, 201, r.text);
  for (let i = 0; i < 3; i++) {
    await eventually(`web-${i} exists`, async () => (await podNames('web')).includes(`web-${i}`));
    await sleep(200);
    assert.deepEqual(await podNames('web'), Array.from({ length: i + 1 }, (_, k) => `web-${k}`), `no web-${i + 1} before web-${i} is ready`);
    await setPodPhase(h.api, 'default', `web-${i}`, 'Running');
  }
  const pod = (await h.api.call('GET', '/api/v1/namespaces/default/pods/web-1')).body;
  assert.equal(pod.spec.hostname, 'web-1');
  assert.equal(pod.spec.subdomain, 'web');
  assert.equal(pod.metadata.labels['statefulset.kubernetes.io/pod-name'], 'web-1');
  assert.equal(pod.metadata.labels['apps.kubernetes.io/pod-index'], '1');
  assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === 'data').persistentVolumeClaim, { claimName: 'data-web-1' });
  const pvc = await h.api.call('GET', '/api/v1/namespaces/default/persistentvolumeclaims/data-web-1');
  assert.equal(pvc.status, 200);
  assert.equal(pvc.body.metadata.labels.app, 'web');

  const sts = await eventually('status ready 3', async () => {
    const s = await getSts('web');
    return s.status?.readyReplicas === 3 && s;
  });
  assert.equal(sts.status.replicas, 3);
  assert.equal(sts.status.currentRevision, sts.status.updateRevision);
});

test('scaling down removes the highest ordinal first; the PVC stays', async () => {
  await updateSts('web', (sts) => (sts.spec.replicas = 1));
  // Unbound pods vanish at once, so the order shows in the controller's events.
  await eventually('only web-0 left', async () => (await podNames('web')).join() === 'web-0');
  const deletions = (await h.api.call('GET', '/api/v1/namespaces/default/events')).body.items
    .filter((e: any) => e.involvedObject.name === 'web' && e.reason === 'SuccessfulDelete')
    .sort((a: any, b: any) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((e: any) => e.message);
  assert.deepEqual(deletions, ['delete Pod web-2 in StatefulSet web successful', 'delete Pod web-1 in StatefulSet web successful']);
  assert.equal((await h.api.call('GET', '/api/v1/namespaces/default/persistentvolumeclaims/data-web-2')).status, 200);
});

test('Parallel creates all pods at once', async () => {
  const r = await h.api.call('POST', '/apis/apps/v1/namespaces/default/statefulsets', statefulSet('par', { podManagementPolicy: 'Parallel' }));
  assert.equal(r.status, 201, r.text);
  await eventually('3 pods without any being ready', async () => (await podNames('par')).join() === 'par-0,par-1,par-2');
});

test('RollingUpdate with partition 1 updates only ordinals at or above the partition, highest first', async () => {
  const r = await h.api.call('POST', '/apis/apps/v1/namespaces/default/statefulsets', statefulSet('roll', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
  assert.equal(r.status, 201, r.text);
  for (let i = 0; i < 3; i++) {
    await eventually(`roll-${i}`, async () => (await podNames('roll')).includes(`roll-${i}`));
    await setPodPhase(h.api, 'default', `roll-${i}`, 'Running');
  }
  await eventually('ready 3', async () => (await getSts('roll')).status?.readyReplicas === 3);
  const oldRevision = (await getSts('roll')).status.updateRevision;
  await updateSts('roll', (sts) => (sts.spec.template.spec.containers[0].image = 'db:2'));

  const image = async (n: string) => {
    const p = await h.api.call('GET', `/api/v1/namespaces/default/pods/${n}`);
    return p.status === 200 && !p.body.metadata.deletionTimestamp ? p.body.spec.containers[0].image : undefined;
  };
  await eventually('roll-2 updated', async () => (await image('roll-2')) === 'db:2');
  assert.equal(await image('roll-1'), 'db:1', 'roll-1 waits for roll-2 to be ready');
  await setPodPhase(h.api, 'default', 'roll-2', 'Running');
  await eventually('roll-1 updated', async () => (await image('roll-1')) === 'db:2');
  await setPodPhase(h.api, 'default', 'roll-1', 'Running');
  await sleep(500);
  assert.equal(await image('roll-0'), 'db:1', 'below the partition stays on the old revision');
  const after = await eventually('status', async () => {
    const s = await getSts('roll');
    return s.status?.updatedReplicas === 2 && s;
  });
  assert.equal(after.status.currentRevision, oldRevision);
  assert.notEqual(after.status.updateRevision, oldRevision);
});

test('an orphan pod matching the selector is adopted (as after delete --cascade=orphan and re-create)', async () => {
  const orphan = await h.api.call('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'keep-0', labels: { app: 'keep' } },
    spec: { containers: [{ name: 'c', image: 'db:1' }] },
  });
  assert.equal(orphan.status, 201, orphan.text);
  const r = await h.api.call('POST', '/apis/apps/v1/namespaces/default/statefulsets', statefulSet('keep', { replicas: 1 }));
  assert.equal(r.status, 201, r.text);
  const adopted = await eventually('adopted', async () => {
    const p = (await h.api.call('GET', '/api/v1/namespaces/default/pods/keep-0')).body;
    return p.metadata.ownerReferences?.[0]?.uid === r.body.metadata.uid && p;
  });
  assert.equal(adopted.metadata.uid, orphan.body.metadata.uid, 'the same pod, not a new one');
  assert.equal(adopted.metadata.ownerReferences[0].controller, true);
});

test('PVC retention policy Delete: claims are owned by the set, and by the pod being scaled away', async () => {
  const r = await h.api.call(
    'POST',
    '/apis/apps/v1/namespaces/default/statefulsets',
    statefulSet('eph', {
      replicas: 2,
      podManagementPolicy: 'Parallel',
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      volumeClaimTemplates: [{ metadata: { name: 'd' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    }),
  );
  assert.equal(r.status, 201, r.text);
  const claim = await eventually('claim d-eph-1', async () => {
    const c = await h.api.call('GET', '/api/v1/namespaces/default/persistentvolumeclaims/d-eph-1');
    return c.status === 200 && c.body;
  });
  assert.deepEqual(
    claim.metadata.ownerReferences.map((o: any) => [o.kind, o.uid]),
    [['StatefulSet', r.body.metadata.uid]],
  );
  for (const n of ['eph-0', 'eph-1']) {
    await eventually(n, async () => (await podNames('eph')).includes(n));
    await setPodPhase(h.api, 'default', n, 'Running');
  }
  const pod1 = (await h.api.call('GET', '/api/v1/namespaces/default/pods/eph-1')).body;
  await updateSts('eph', (sts) => (sts.spec.replicas = 1));
  await eventually('eph-1 gone', async () => (await podNames('eph')).join() === 'eph-0');
  const after = (await h.api.call('GET', '/api/v1/namespaces/default/persistentvolumeclaims/d-eph-1')).body;
  assert.deepEqual(
    after.metadata.ownerReferences.map((o: any) => [o.kind, o.uid]),
    [['Pod', pod1.metadata.uid]],
    'the garbage collector deletes it with the pod',
  );
});
