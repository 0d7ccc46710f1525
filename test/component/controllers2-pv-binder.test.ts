// The PersistentVolume binder against a real API server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PersistentVolumeBinderController } from '../../src/controllers/pv-binder.ts';
import { eventually, startHarness, updateObject, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.start(new PersistentVolumeBinderController(h.informers, h.client, h.recorder, { pvClaimBinderSyncPeriodMs: 500 }));
});
after(async () => {
  await h.stop();
});

async function createVolume(name: string, size: string, policy: 'Retain' | 'Delete' = 'Retain', labels?: Record<string, string>): Promise<void> {
  const r = await h.api.call('POST', '/api/v1/persistentvolumes', {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, labels },
    spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: policy, hostPath: { path: `/tmp/${name}` } },
  });
  assert.equal(r.status, 201, r.text);
}

async function createClaim(name: string, size: string, selector?: unknown): Promise<void> {
  const r = await h.api.call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } }, storageClassName: '', selector },
  });
  assert.equal(r.status, 201, r.text);
}

const volume = async (name: string) => h.api.call('GET', `/api/v1/persistentvolumes/${name}`);
const claim = async (name: string) => (await h.api.call('GET', `/api/v1/namespaces/default/persistentvolumeclaims/${name}`)).body;

test('a claim binds to the smallest Available volume that fits; both turn Bound', async () => {
  await createVolume('big', '10Gi');
  await createVolume('small', '1Gi');
  await createVolume('tiny', '100Mi');
  await createClaim('data', '500Mi');
  const c = await eventually('claim Bound', async () => {
    const x = await claim('data');
    return x.status?.phase === 'Bound' && x;
  });
  assert.equal(c.spec.volumeName, 'small');
  assert.equal(c.metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
  assert.equal(c.status.capacity.storage, '1Gi');
  const v = await eventually('volume Bound', async () => {
    const x = (await volume('small')).body;
    return x.status?.phase === 'Bound' && x;
  });
  assert.equal(v.spec.claimRef.name, 'data');
  assert.equal(v.spec.claimRef.uid, c.metadata.uid);
  await eventually('others Available', async () => (await volume('big')).body.status?.phase === 'Available' && (await volume('tiny')).body.status?.phase === 'Available');
});

test('a label selector restricts the volumes a claim may take', async () => {
  await createVolume('fast', '20Gi', 'Retain', { tier: 'fast' });
  await createClaim('picky', '1Gi', { matchLabels: { tier: 'fast' } });
  await eventually('bound to fast', async () => (await claim('picky')).spec?.volumeName === 'fast');
});

test('deleting the claim releases a Retain volume and deletes a Delete volume', async () => {
  await createVolume('scratch', '2Gi', 'Delete');
  await createClaim('tmp', '2Gi');
  await eventually('tmp bound to scratch', async () => (await claim('tmp')).status?.phase === 'Bound');
  assert.equal((await claim('tmp')).spec.volumeName, 'scratch');

  for (const name of ['data', 'tmp']) {
    const c = await claim(name);
    if (c.metadata.finalizers?.length) {
      c.metadata.finalizers = [];
      await h.api.call('PUT', `/api/v1/namespaces/default/persistentvolumeclaims/${name}`, c);
    }
    assert.equal((await h.api.call('DELETE', `/api/v1/namespaces/default/persistentvolumeclaims/${name}`)).status, 200);
  }
  await eventually('small Released', async () => (await volume('small')).body.status?.phase === 'Released');
  await eventually('scratch deleted', async () => (await volume('scratch')).status === 404);
});

test('WaitForFirstConsumer: a claim waits until the scheduler pre-binds a volume, then binds to that one', async () => {
  const sc = await h.api.call('POST', '/apis/storage.k8s.io/v1/storageclasses', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local' },
    provisioner: 'kubernetes.io/no-provisioner',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  assert.equal(sc.status, 201, sc.text);
  for (const name of ['local-a', 'local-b']) {
    const r = await h.api.call('POST', '/api/v1/persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'local', hostPath: { path: `/tmp/${name}` } },
    });
    assert.equal(r.status, 201, r.text);
  }
  const r = await h.api.call('POST', '/api/v1/namespaces/default/persistentvolumeclaims', {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'late' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'local' },
  });
  assert.equal(r.status, 201, r.text);
  await eventually('WaitForFirstConsumer event', async () => {
    const ev = await h.api.call('GET', '/api/v1/namespaces/default/events');
    return ev.body.items.some((e: any) => e.involvedObject.name === 'late' && e.reason === 'WaitForFirstConsumer');
  });
  assert.equal((await claim('late')).spec.volumeName, undefined, 'not bound before a consumer is scheduled');

  // The scheduler's VolumeBinding PreBind: claimRef on the chosen volume.
  await updateObject(h.api, '/api/v1/persistentvolumes/local-b', (pv) => (pv.spec.claimRef = { namespace: 'default', name: 'late', uid: r.body.metadata.uid }));
  const bound = await eventually('bound to the scheduler’s choice', async () => {
    const c = await claim('late');
    return c.status?.phase === 'Bound' && c;
  });
  assert.equal(bound.spec.volumeName, 'local-b');
});
