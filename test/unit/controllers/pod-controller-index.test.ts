import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../src/api/types/core-v1.ts';
import { SharedInformerFactory } from '../../../src/client/cache/informer-factory.ts';
import { configFromParts } from '../../../src/client/kubeconfig.ts';
import { RestClient } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';
import { podInformerWithControllerIndex, podsOwnedBy } from '../../../src/controllers/pod-controller-index.ts';

function pod(namespace: string, name: string, controllerUid?: string): Pod {
  const ownerReferences = controllerUid ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: controllerUid, controller: true }] : undefined;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, ...(ownerReferences ? { ownerReferences } : {}) } };
}

function names(pods: Pod[]): string[] {
  return pods.map((p) => p.metadata!.name!).sort();
}

// The informer is never started: the test fills its cache directly.
function podCache() {
  const client = new RestClient(configFromParts({ server: 'http://127.0.0.1:1' }));
  const informers = new SharedInformerFactory(client);
  const informer = podInformerWithControllerIndex(informers);
  return { informer, informers, client };
}

test("podsOwnedBy answers a controller's pods and, when asked, its namespace's orphans, never another controller's", () => {
  const { informer, client } = podCache();
  const cache = informer.indexer;
  for (const p of [pod('a', 'mine-1', 'uid-1'), pod('a', 'mine-2', 'uid-1'), pod('a', 'theirs', 'uid-2'), pod('a', 'orphan'), pod('b', 'orphan-elsewhere')]) cache.add(p);
  const owner = { metadata: { namespace: 'a', name: 'rs', uid: 'uid-1' } };
  assert.deepEqual(names(podsOwnedBy(cache, owner, false)), ['mine-1', 'mine-2']);
  assert.deepEqual(names(podsOwnedBy(cache, owner, true)), ['mine-1', 'mine-2', 'orphan']);
  client.close();
});

test('the controller-UID index follows adoption and release of a pod', () => {
  const { informer, client } = podCache();
  const cache = informer.indexer;
  const owner = { metadata: { namespace: 'a', name: 'rs', uid: 'uid-1' } };
  cache.add(pod('a', 'p'));
  assert.deepEqual(names(podsOwnedBy(cache, owner, false)), []);
  cache.update(pod('a', 'p', 'uid-1'));
  assert.deepEqual(names(podsOwnedBy(cache, owner, false)), ['p']);
  assert.deepEqual(names(podsOwnedBy(cache, { metadata: { namespace: 'a', uid: 'uid-2' } }, true)), []);
  cache.update(pod('a', 'p'));
  assert.deepEqual(names(podsOwnedBy(cache, owner, false)), []);
  assert.deepEqual(names(podsOwnedBy(cache, owner, true)), ['p']);
  client.close();
});

test('asking for the index twice on one shared pod informer adds it once', () => {
  const { informer, informers, client } = podCache();
  assert.equal(podInformerWithControllerIndex(informers), informer);
  assert.equal(informers.informerFor(resources.pods), informer);
  client.close();
});
