import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ReplicaSet } from '../../src/api/types/apps-v1.ts';
import type { ConfigMap, Pod } from '../../src/api/types/core-v1.ts';
import { isStatusError } from '../../src/api/errors.ts';
import { resources } from '../../src/client/resources.ts';
import { GarbageCollector } from '../../src/controllers/garbage-collector.ts';
import { ReplicaSetController } from '../../src/controllers/replica-set.ts';
import { createNamespace, eventually, podTemplate, startEnv, type Env } from './controllers-harness.ts';

let env: Env;
before(async () => {
  env = await startEnv([GarbageCollector, ReplicaSetController]);
});
after(async () => {
  await env.stop();
});

async function configMap(ns: string, name: string, owners: ConfigMap[] = [], block = false): Promise<ConfigMap> {
  return env.client.create<ConfigMap>(
    resources.configmaps,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name,
        ownerReferences: owners.map((o) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: o.metadata!.name!, uid: o.metadata!.uid!, ...(block ? { blockOwnerDeletion: true } : {}) })),
      },
      data: { k: 'v' },
    },
    { namespace: ns },
  );
}

async function exists(ns: string, name: string): Promise<ConfigMap | undefined> {
  try {
    return await env.client.get<ConfigMap>(resources.configmaps, name, { namespace: ns });
  } catch (err) {
    if (isStatusError(err, 'NotFound')) return undefined;
    throw err;
  }
}

test('deleting an owner in the background deletes its dependents, and theirs', async () => {
  const ns = 'gc-background';
  await createNamespace(env.client, ns);
  const owner = await configMap(ns, 'owner');
  const child = await configMap(ns, 'child', [owner]);
  await configMap(ns, 'grandchild', [child]);
  const other = await configMap(ns, 'other-owner');
  await configMap(ns, 'shared', [owner, other]);
  await new Promise((r) => setTimeout(r, 200));
  await env.client.delete(resources.configmaps, 'owner', { namespace: ns });
  await eventually('child and grandchild deleted', async () => !(await exists(ns, 'child')) && !(await exists(ns, 'grandchild')));
  // A dependent with another live owner stays, minus the reference to the deleted one.
  const shared = await eventually('shared keeps only its live owner', async () => {
    const cm = await exists(ns, 'shared');
    return cm && cm.metadata?.ownerReferences?.length === 1 ? cm : false;
  });
  assert.equal(shared.metadata?.ownerReferences?.[0].uid, other.metadata?.uid);
});

test('a dependent whose owner never existed is collected', async () => {
  const ns = 'gc-dangling';
  await createNamespace(env.client, ns);
  await env.client.create(
    resources.configmaps,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'lost', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001' }] } },
    { namespace: ns },
  );
  await eventually('lost deleted', async () => !(await exists(ns, 'lost')));
});

test('deleting a ReplicaSet deletes its pods', async () => {
  const ns = 'gc-rs';
  await createNamespace(env.client, ns);
  const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'rs' }, spec: { replicas: 2, selector: { matchLabels: { app: 'rs' } }, template: podTemplate({ app: 'rs' }) } };
  await env.client.create(resources.replicasets, rs, { namespace: ns });
  await eventually('2 pods', async () => (await env.client.list<Pod>(resources.pods, { namespace: ns })).items.length === 2);
  await env.client.delete(resources.replicasets, 'rs', { namespace: ns });
  await eventually('pods deleted', async () => (await env.client.list<Pod>(resources.pods, { namespace: ns })).items.length === 0);
});

test('orphan propagation removes the owner reference from dependents, then the owner', async () => {
  const ns = 'gc-orphan';
  await createNamespace(env.client, ns);
  const owner = await configMap(ns, 'owner');
  await configMap(ns, 'dep-1', [owner]);
  await configMap(ns, 'dep-2', [owner]);
  await new Promise((r) => setTimeout(r, 200));
  await env.client.delete(resources.configmaps, 'owner', { namespace: ns, propagationPolicy: 'Orphan' });
  await eventually('owner gone', async () => !(await exists(ns, 'owner')));
  for (const name of ['dep-1', 'dep-2']) {
    const dep = await exists(ns, name);
    assert.ok(dep, `${name} still exists`);
    assert.equal((dep.metadata?.ownerReferences ?? []).length, 0, `${name} has no owner reference`);
  }
  // And they stay.
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(await exists(ns, 'dep-1'));
});

test('foreground propagation deletes blocking dependents before the owner', async () => {
  const ns = 'gc-foreground';
  await createNamespace(env.client, ns);
  const owner = await configMap(ns, 'owner');
  // The dependent holds a finalizer of its own, so it lingers and the owner must wait.
  await env.client.create(
    resources.configmaps,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dep', finalizers: ['example.com/hold'], ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true }] },
    },
    { namespace: ns },
  );
  await new Promise((r) => setTimeout(r, 200));
  await env.client.delete(resources.configmaps, 'owner', { namespace: ns, propagationPolicy: 'Foreground' });
  await eventually('dependent being deleted', async () => !!(await exists(ns, 'dep'))?.metadata?.deletionTimestamp);
  await new Promise((r) => setTimeout(r, 300));
  const waiting = await exists(ns, 'owner');
  assert.ok(waiting, 'the owner waits for its blocking dependent');
  assert.ok(waiting.metadata?.finalizers?.includes('foregroundDeletion'));
  // Release the dependent: it goes, then the owner.
  await env.client.patch(resources.configmaps, 'dep', 'merge', { metadata: { finalizers: null } }, { namespace: ns });
  await eventually('owner deleted after its dependent', async () => !(await exists(ns, 'owner')) && !(await exists(ns, 'dep')));
});
