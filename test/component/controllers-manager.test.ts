import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ConfigMap, Pod } from '../../src/api/types/core-v1.ts';
import type { Lease } from '../../src/client/leader-election.ts';
import { loadKubeconfig } from '../../src/client/kubeconfig.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { resources } from '../../src/client/resources.ts';
import { controllerManagerComponent } from '../../src/controllers/component.ts';
import { ControllerManager, CONTROLLERS, controller, isControllerEnabled, resolveControllers, workersFromFlags } from '../../src/controllers/controller-manager.ts';
import { ReplicaSetController } from '../../src/controllers/replica-set.ts';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { startTestCluster } from '../helpers/cluster.ts';
import { eventually, podTemplate } from './controllers-harness.ts';

const all = CONTROLLERS.map((c) => c.name);

test("--controllers '*' runs every controller on by default; '-foo' turns one off; names turn on only those", () => {
  assert.deepEqual(resolveControllers('*'), all);
  assert.deepEqual(resolveControllers('*,-garbagecollector'), all.filter((n) => n !== 'garbagecollector'));
  assert.deepEqual(resolveControllers(['deployment', 'replicaset']), ['replicaset', 'deployment']);
  assert.deepEqual(resolveControllers(''), []);
  // The first entry naming a controller wins, as upstream.
  assert.equal(isControllerEnabled('replicaset', ['replicaset', '-replicaset']), true);
  assert.equal(isControllerEnabled('replicaset', ['-replicaset', '*']), false);
  const registry = [controller('replicaset', ReplicaSetController, 'replicaset-controller'), controller('tokencleaner', ReplicaSetController, 'tokencleaner', 1, true)];
  assert.deepEqual(resolveControllers('*', registry), ['replicaset']);
  assert.deepEqual(resolveControllers('*,tokencleaner', registry), ['replicaset', 'tokencleaner']);
  assert.throws(() => resolveControllers('*,-nosuch'), /"nosuch" is not in the list of known controllers/);
});

test('--concurrent-*-syncs flags set the worker count of their controller', () => {
  assert.deepEqual(workersFromFlags({ 'concurrent-gc-syncs': 30, 'concurrent-deployment-syncs': '2', 'concurrent-endpoint-syncs': 0, other: 4 }), { garbagecollector: 30, deployment: 2 });
});

let api: TestApiServer;
let client: RestClient;
before(async () => {
  api = await startTestApiServer();
  client = new RestClient({ server: api.url }, { component: 'controllers-test' });
});
after(async () => {
  client.close();
  await api.stop();
});

test('the manager leads through the kube-system/kube-controller-manager Lease; a second candidate waits; the leader releases it on stop', async () => {
  const timing = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
  const first = new ControllerManager({ client, controllers: 'replicaset', identity: 'first', ...timing });
  const second = new ControllerManager({ client, controllers: 'replicaset', identity: 'second', ...timing });
  first.start();
  try {
    const lease = await eventually('lease held by first', async () => {
      const l = await client.get<Lease>(resources.leases, 'kube-controller-manager', { namespace: 'kube-system' });
      return l.spec?.holderIdentity === 'first' ? l : false;
    });
    assert.equal(lease.spec?.leaseDurationSeconds, 4);
    await eventually('first runs its controllers', () => first.controllers.length === 1);
    second.start();

    // The leader's controllers work: a ReplicaSet gets its pods.
    await client.create(
      resources.replicasets,
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'led' }, spec: { replicas: 2, selector: { matchLabels: { app: 'led' } }, template: podTemplate({ app: 'led' }) } },
      { namespace: 'default' },
    );
    await eventually('2 pods', async () => (await client.list<Pod>(resources.pods, { namespace: 'default', labelSelector: 'app=led' })).items.length === 2);
    assert.equal(second.controllers.length, 0, 'the second candidate runs nothing');

    await first.stop();
    await eventually('second takes over', async () => {
      const l = await client.get<Lease>(resources.leases, 'kube-controller-manager', { namespace: 'kube-system' });
      return l.spec?.holderIdentity === 'second' && second.controllers.length === 1;
    }, 15_000);
  } finally {
    await first.stop();
    await second.stop();
  }
});

test('as a k8ts server component the manager publishes the kubeconfig CA as kube-root-ca.crt and a default ServiceAccount', async () => {
  const cluster = await startTestCluster({ components: [controllerManagerComponent({ controllers: ['serviceaccount', 'root-ca-certificate-publisher'] })] });
  try {
    const admin = new RestClient(loadKubeconfig(cluster.kubeconfig));
    try {
      const cm = await eventually('kube-root-ca.crt in default', () => admin.get<ConfigMap>(resources.configmaps, 'kube-root-ca.crt', { namespace: 'default' }));
      assert.equal(cm.data?.['ca.crt'], loadKubeconfig(cluster.kubeconfig).ca);
      assert.match(cm.data!['ca.crt'], /BEGIN CERTIFICATE/);
      await eventually('default SA', () => admin.get(resources.serviceaccounts, 'default', { namespace: 'default' }));
    } finally {
      admin.close();
    }
  } finally {
    await cluster.stop();
  }
});
