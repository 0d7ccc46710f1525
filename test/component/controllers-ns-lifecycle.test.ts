import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isStatusError } from '../../src/api/errors.ts';
import type { ConfigMap, Namespace, ServiceAccount } from '../../src/api/types/core-v1.ts';
import { resources } from '../../src/client/resources.ts';
import { NamespaceController } from '../../src/controllers/namespace.ts';
import { RootCACertPublisher, ServiceAccountsController } from '../../src/controllers/service-account.ts';
import { createNamespace, eventually, podTemplate, startEnv, type Env } from './controllers-harness.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

let env: Env;
before(async () => {
  env = await startEnv([NamespaceController, ServiceAccountsController, RootCACertPublisher], { rootCA: CA });
});
after(async () => {
  await env.stop();
});

async function namespaceGone(name: string): Promise<boolean> {
  try {
    await env.client.get(resources.namespaces, name);
    return false;
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return true;
    throw err;
  }
}

test('every namespace gets a default ServiceAccount and the kube-root-ca.crt ConfigMap, and gets them back when deleted', async () => {
  await createNamespace(env.client, 'team-a');
  const sa = await eventually('default ServiceAccount', () => env.client.get<ServiceAccount>(resources.serviceaccounts, 'default', { namespace: 'team-a' }));
  assert.equal(sa.metadata?.name, 'default');
  const cm = await eventually('kube-root-ca.crt', () => env.client.get<ConfigMap>(resources.configmaps, 'kube-root-ca.crt', { namespace: 'team-a' }));
  assert.equal(cm.data?.['ca.crt'], CA);
  // The namespaces that existed before the controllers started have them too.
  await eventually('default SA in kube-system', () => env.client.get(resources.serviceaccounts, 'default', { namespace: 'kube-system' }));

  await env.client.delete(resources.serviceaccounts, 'default', { namespace: 'team-a' });
  await eventually('default ServiceAccount recreated', async () => {
    const again = await env.client.get<ServiceAccount>(resources.serviceaccounts, 'default', { namespace: 'team-a' });
    return again.metadata?.uid !== sa.metadata?.uid;
  });
  const edited = await env.client.get<ConfigMap>(resources.configmaps, 'kube-root-ca.crt', { namespace: 'team-a' });
  await env.client.update(resources.configmaps, { ...edited, data: { 'ca.crt': 'tampered' } });
  await eventually('kube-root-ca.crt restored', async () => (await env.client.get<ConfigMap>(resources.configmaps, 'kube-root-ca.crt', { namespace: 'team-a' })).data?.['ca.crt'] === CA);
});

test('deleting a namespace deletes everything in it, then the namespace', async () => {
  const ns = 'doomed';
  await createNamespace(env.client, ns);
  for (let i = 0; i < 3; i++) {
    await env.client.create(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } }, { namespace: ns });
  }
  await env.client.create(resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'b' } }, { namespace: ns });
  await env.client.create(resources.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podTemplate({}).spec }, { namespace: ns });
  await env.client.create(resources.services, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'svc' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } }, { namespace: ns });
  await env.client.create(
    resources.deployments,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }) } },
    { namespace: ns },
  );
  await env.client.delete(resources.namespaces, ns);
  await eventually('namespace gone', () => namespaceGone(ns), 30_000);
  for (const r of [resources.configmaps, resources.secrets, resources.pods, resources.services, resources.deployments]) {
    const left = await env.client.list(r, { namespace: ns });
    assert.equal(left.items.length, 0, `no ${r.resource} left`);
  }
});

test('a namespace whose content has finalizers stays Terminating with conditions saying so, until they are removed', async () => {
  const ns = 'held';
  await createNamespace(env.client, ns);
  await env.client.create(resources.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pinned', finalizers: ['example.com/keep'] } }, { namespace: ns });
  await env.client.delete(resources.namespaces, ns);
  const held = await eventually('conditions report the finalizer', async () => {
    const n = await env.client.get<Namespace>(resources.namespaces, ns);
    const c = n.status?.conditions?.find((x) => x.type === 'NamespaceFinalizersRemaining');
    return c?.status === 'True' ? n : false;
  });
  assert.equal(held.status?.phase, 'Terminating');
  const byType = Object.fromEntries((held.status?.conditions ?? []).map((c) => [c.type, c]));
  assert.equal(byType.NamespaceFinalizersRemaining.reason, 'SomeFinalizersRemain');
  assert.equal(byType.NamespaceFinalizersRemaining.message, 'Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances');
  assert.equal(byType.NamespaceContentRemaining.status, 'True');
  assert.equal(byType.NamespaceContentRemaining.message, 'Some resources are remaining: configmaps has 1 resource instances');
  assert.equal(byType.NamespaceDeletionDiscoveryFailure.status, 'False');
  assert.equal(byType.NamespaceDeletionContentFailure.status, 'False');

  await env.client.patch(resources.configmaps, 'pinned', 'merge', { metadata: { finalizers: null } }, { namespace: ns });
  await eventually('namespace gone', () => namespaceGone(ns), 30_000);
});
