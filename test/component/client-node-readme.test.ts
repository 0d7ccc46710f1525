import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, KubeConfig, makeInformer, type V1ConfigMap } from '@kubernetes/client-node';
import { startControlPlane, type EmbeddedControlPlane } from 'k8ts';

let cluster: EmbeddedControlPlane;
let kc: KubeConfig;
let core: CoreV1Api;

before(async () => {
  cluster = await startControlPlane(); // API server on a free port, in memory, TLS
  kc = new KubeConfig();
  kc.loadFromString(cluster.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
after(() => cluster.stop());

test('an informer sees the ConfigMap we create', { timeout: 10_000 }, async () => {
  const informer = makeInformer<V1ConfigMap>(kc, '/api/v1/namespaces/default/configmaps', () =>
    core.listNamespacedConfigMap({ namespace: 'default' }),
  );
  const added = new Promise<V1ConfigMap>((resolve) => informer.on('add', resolve));
  await informer.start();

  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'settings' }, data: { mode: 'fast' } },
  });

  const seen = await added;
  assert.equal(seen.metadata?.name, 'settings');
  assert.equal(seen.data?.mode, 'fast');
  await informer.stop();
});
