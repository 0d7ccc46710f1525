// @kubernetes/client-node with custom resources: ApiextensionsV1Api reads the CRD's status,
// CustomObjectsApi writes objects (merge patch), and makeInformer follows them. The CRD itself
// is posted as plain JSON: client-node's typed model would rename `default` to `_default`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig, PatchStrategy, makeInformer, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { CRONTAB_GROUP, cronTab, cronTabCrd, waitFor } from './crd-fixtures.ts';

let s: TestApiServer;
let kc: KubeConfig;
before(async () => {
  s = await startTestApiServer();
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: s.url, skipTLSVerify: true }],
    users: [{ name: 'admin' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'admin' }],
    currentContext: 'test',
  });
});
after(async () => {
  await s.stop();
});

test('client-node creates a CRD, writes custom objects and an informer sees add, update and delete', async () => {
  assert.equal((await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', cronTabCrd())).status, 201);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crd = await waitFor(async () => {
    const c = await ext.readCustomResourceDefinition({ name: `crontabs.${CRONTAB_GROUP}` });
    return c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True') && c;
  });
  assert.equal(crd.status?.acceptedNames?.kind, 'CronTab');
  const objects = kc.makeApiClient(CustomObjectsApi);
  const target = { group: CRONTAB_GROUP, version: 'v1', namespace: 'default', plural: 'crontabs' };
  await waitFor(async () => {
    try {
      await objects.listNamespacedCustomObject(target);
      return true;
    } catch {
      return false;
    }
  });

  const informer = makeInformer<KubernetesObject & { spec?: any }>(kc, `/apis/${CRONTAB_GROUP}/v1/namespaces/default/crontabs`, () =>
    objects.listNamespacedCustomObject(target),
  );
  const seen: string[] = [];
  informer.on('add', (o) => seen.push(`add ${o.metadata?.name}`));
  informer.on('update', (o) => seen.push(`update ${o.metadata?.name} ${o.spec?.image}`));
  informer.on('delete', (o) => seen.push(`delete ${o.metadata?.name}`));
  await informer.start();
  try {
    await objects.createNamespacedCustomObject({ ...target, body: cronTab('from-client') });
    await objects.patchNamespacedCustomObject(
      { ...target, name: 'from-client', body: { spec: { image: 'patched' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const got: any = await objects.getNamespacedCustomObject({ ...target, name: 'from-client' });
    assert.equal(got.spec.image, 'patched');
    assert.equal(got.spec.replicas, 1);
    await objects.deleteNamespacedCustomObject({ ...target, name: 'from-client' });
    await waitFor(async () => seen.includes('delete from-client'), 5000);
    assert.deepEqual(seen, ['add from-client', 'update from-client patched', 'delete from-client']);
  } finally {
    await informer.stop();
  }
});
