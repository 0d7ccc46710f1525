import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { configFromParts } from '../../../src/client/kubeconfig.ts';
import { RestClient } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';
import { DeletedFinalStateUnknown } from '../../../src/client/cache/deleted-final-state-unknown.ts';
import { SharedIndexInformer } from '../../../src/client/cache/shared-informer.ts';
import { SharedInformerFactory } from '../../../src/client/cache/informer-factory.ts';
import { labelSelectorFromObject } from '../../../src/api/labels.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { waitFor } from './wait-for.ts';

type Pod = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> }; spec?: { nodeName?: string } };

let server: FakeApiServer;
let client: RestClient;
const informers: SharedIndexInformer<Pod>[] = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
  client = new RestClient(configFromParts({ server: server.url }), { component: 'informer-test' });
});
afterEach(async () => {
  await Promise.all(informers.splice(0).map((i) => i.stop()));
  client.close();
  await server.close();
});

function pod(name: string, namespace = 'default', extra: Partial<Pod> = {}): Pod {
  return { metadata: { name, namespace, labels: { app: name.split('-')[0] } }, ...extra };
}

function newInformer(opts: Partial<ConstructorParameters<typeof SharedIndexInformer<Pod>>[0]> = {}): SharedIndexInformer<Pod> {
  const inf = new SharedIndexInformer<Pod>({
    client,
    resource: resources.pods,
    backoff: { initialMs: 10, maxMs: 50 },
    onError: () => {},
    ...opts,
  });
  informers.push(inf);
  return inf;
}

function cacheState(inf: SharedIndexInformer<Pod>): Record<string, string | undefined> {
  return Object.fromEntries(inf.indexer.list().map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p.spec?.nodeName]));
}

test('informer handlers see add, update with old and new objects, and delete', async () => {
  server.put(resources.pods, pod('web-1'));
  const inf = newInformer();
  const seen: string[] = [];
  inf.addEventHandler({
    onAdd: (p, initial) => seen.push(`add ${p.metadata.name} initial=${initial}`),
    onUpdate: (o, n) => seen.push(`update ${n.metadata.name} ${o.spec?.nodeName ?? '-'}->${n.spec?.nodeName ?? '-'}`),
    onDelete: (p) => seen.push(`delete ${p instanceof DeletedFinalStateUnknown ? 'unknown' : p.metadata.name}`),
  });
  inf.run();
  assert.equal(await inf.waitForSync(), true);
  assert.ok(inf.hasSynced());
  await client.create(resources.pods, pod('web-2'));
  const p2 = await client.get<Pod>(resources.pods, 'web-2', { namespace: 'default' });
  await client.update(resources.pods, { ...p2, spec: { nodeName: 'n1' } });
  await client.delete(resources.pods, 'web-1', { namespace: 'default' });
  await waitFor(() => seen.length === 4, 'four events');
  assert.deepEqual(seen, ['add web-1 initial=true', 'add web-2 initial=false', 'update web-2 -->n1', 'delete web-1']);
  assert.deepEqual(cacheState(inf), { 'default/web-2': 'n1' });
  assert.equal(inf.lastSyncResourceVersion(), String(server.revision));
});

test('list items get their kind and apiVersion from the list', async () => {
  server.put(resources.pods, pod('a-1'));
  const inf = newInformer();
  inf.run();
  await inf.waitForSync();
  const [p] = inf.indexer.list();
  assert.equal(p.kind, 'Pod');
  assert.equal(p.apiVersion, 'v1');
});

test('reflector relists after 410 Expired and the cache ends equal to the server, with DeletedFinalStateUnknown for missed deletes', async () => {
  for (let i = 0; i < 5; i++) server.put(resources.pods, pod(`p-${i}`));
  const inf = newInformer({ pageSize: 2 });
  const deletes: unknown[] = [];
  const updates: string[] = [];
  inf.addEventHandler({ onDelete: (p) => deletes.push(p), onUpdate: (_o, n) => updates.push(n.metadata.name) });
  inf.run();
  await inf.waitForSync();
  await waitFor(() => server.openWatches === 1, 'watch open');
  const watchesBefore = inf.reflectorStats.watches;
  // Changes the watch never carries: it is closed, the changes land, history is compacted.
  server.closeWatches();
  server.remove(resources.pods, 'default', 'p-1');
  server.put(resources.pods, { ...pod('p-2'), spec: { nodeName: 'moved' } });
  server.put(resources.pods, pod('p-9'));
  server.compact();
  await waitFor(() => inf.reflectorStats.lists === 2, 'relist');
  await waitFor(() => inf.indexer.size === 5 && deletes.length === 1, 'cache caught up');
  assert.ok(inf.reflectorStats.watches > watchesBefore);
  assert.equal(inf.reflectorStats.expired, 1);
  assert.deepEqual(cacheState(inf), {
    'default/p-0': undefined,
    'default/p-2': 'moved',
    'default/p-3': undefined,
    'default/p-4': undefined,
    'default/p-9': undefined,
  });
  const d = deletes[0];
  assert.ok(d instanceof DeletedFinalStateUnknown);
  assert.equal((d as DeletedFinalStateUnknown<Pod>).key, 'default/p-1');
  assert.equal((d as DeletedFinalStateUnknown<Pod>).obj.metadata.name, 'p-1');
  // The relist asked from the last synced resourceVersion and paged with continue tokens.
  const relists = server.requests.filter((r) => r.method === 'GET' && !r.url.includes('watch=') && r.url.startsWith('/api/v1/pods'));
  assert.ok(relists.some((r) => r.url.includes('continue=')), 'paged relist');
  assert.ok(relists.every((r) => !(r.url.includes('continue=') && r.url.includes('resourceVersion='))), 'no resourceVersion with continue');
  await waitFor(() => server.openWatches === 1, 'watching again');
  await client.create(resources.pods, pod('late'));
  await waitFor(() => inf.indexer.getByKey('default/late') !== undefined, 'new pod after relist');
});

test('an ERROR 410 event on an open watch makes the reflector relist', async () => {
  server.put(resources.pods, pod('x-1'));
  const inf = newInformer();
  inf.run();
  await inf.waitForSync();
  await waitFor(() => server.openWatches === 1, 'watch open');
  server.expireWatches();
  await waitFor(() => inf.reflectorStats.lists === 2, 'relist after expired watch');
  assert.equal(inf.reflectorStats.expired, 1);
});

test('a watch closed by the server resumes from the last resourceVersion without relisting', async () => {
  const inf = newInformer();
  inf.run();
  await inf.waitForSync();
  await client.create(resources.pods, pod('r-1'));
  await waitFor(() => inf.indexer.size === 1, 'first pod');
  const rv = inf.lastSyncResourceVersion();
  server.closeWatches();
  await waitFor(() => server.openWatches === 1, 'rewatch');
  const lastWatch = server.requests.filter((r) => r.url.includes('watch=true')).at(-1)!;
  assert.match(lastWatch.url, new RegExp(`resourceVersion=${rv}(&|$)`));
  assert.match(lastWatch.url, /allowWatchBookmarks=true/);
  assert.equal(inf.reflectorStats.lists, 1);
});

test('bookmarks advance the last synced resourceVersion', async () => {
  const inf = newInformer();
  inf.run();
  await inf.waitForSync();
  await waitFor(() => server.openWatches === 1, 'watch open');
  server.put(resources.configmaps, { metadata: { name: 'other', namespace: 'default' } });
  server.sendBookmarks();
  await waitFor(() => inf.lastSyncResourceVersion() === String(server.revision), 'bookmark rv');
});

test('a list that fails is retried with backoff until it succeeds', async () => {
  server.injectFailure({ method: 'GET', urlIncludes: '/api/v1/pods?', code: 500, reason: 'InternalError', times: 2 });
  server.put(resources.pods, pod('b-1'));
  const inf = newInformer();
  inf.run();
  assert.equal(await inf.waitForSync(), true);
  assert.equal(inf.reflectorStats.lists, 3);
  assert.equal(inf.indexer.size, 1);
});

test('a continue token that expired mid-list falls back to one full list', async () => {
  for (let i = 0; i < 4; i++) server.put(resources.pods, pod(`c-${i}`));
  const inf = newInformer({ pageSize: 1 });
  inf.run();
  await inf.waitForSync();
  await waitFor(() => server.openWatches === 1, 'watch open');
  server.injectFailure({ method: 'GET', urlIncludes: 'continue=', code: 410, reason: 'Expired', message: 'The provided continue parameter is too old' });
  server.closeWatches();
  server.remove(resources.pods, 'default', 'c-0');
  server.compact();
  await waitFor(() => inf.indexer.size === 3 && inf.reflectorStats.lists === 2, 'relisted');
  const fullList = server.requests.filter((r) => r.url.startsWith('/api/v1/pods?') && !r.url.includes('watch') && !r.url.includes('limit='));
  assert.equal(fullList.length, 1);
});

test('handlers added after sync first see the cached objects as adds; resync replays updates', async () => {
  server.put(resources.pods, pod('s-1'));
  const inf = newInformer();
  inf.run();
  await inf.waitForSync();
  const seen: string[] = [];
  const reg = inf.addEventHandler(
    {
      onAdd: (p, initial) => seen.push(`add ${p.metadata.name} ${initial}`),
      onUpdate: (o, n) => seen.push(`resync ${n.metadata.name} same=${o === n}`),
    },
    20,
  );
  assert.deepEqual(seen, ['add s-1 true']);
  await waitFor(() => seen.length >= 2, 'resync');
  assert.equal(seen[1], 'resync s-1 same=true');
  reg.remove();
});

test('a throwing handler does not stop other handlers', async () => {
  const inf = newInformer();
  const seen: string[] = [];
  const origError = console.error;
  console.error = () => {};
  try {
    inf.addEventHandler({ onAdd: () => { throw new Error('boom'); } });
    inf.addEventHandler({ onAdd: (p) => seen.push(p.metadata.name) });
    inf.run();
    await inf.waitForSync();
    await client.create(resources.pods, pod('t-1'));
    await waitFor(() => seen.length === 1, 'second handler');
  } finally {
    console.error = origError;
  }
});

test('lister reads by namespace, labels and custom index', async () => {
  server.put(resources.pods, pod('web-1', 'a', { spec: { nodeName: 'n1' } }));
  server.put(resources.pods, pod('web-2', 'b', { spec: { nodeName: 'n1' } }));
  server.put(resources.pods, pod('db-1', 'a', { spec: { nodeName: 'n2' } }));
  const inf = newInformer({ indexers: { byNode: (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []) } });
  inf.run();
  await inf.waitForSync();
  const lister = inf.lister();
  assert.deepEqual(lister.namespace('a').list().map((p) => p.metadata.name).sort(), ['db-1', 'web-1']);
  assert.deepEqual(lister.list({ app: 'web' }).map((p) => p.metadata.name).sort(), ['web-1', 'web-2']);
  assert.deepEqual(lister.list('app in (db)').map((p) => p.metadata.name), ['db-1']);
  assert.deepEqual(lister.namespace('a').list(labelSelectorFromObject({ matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] })).map((p) => p.metadata.name), ['web-1']);
  assert.deepEqual(lister.list((l) => l.app === 'db').map((p) => p.metadata.name), ['db-1']);
  assert.equal(lister.namespace('b').get('web-2')?.metadata.name, 'web-2');
  assert.equal(lister.namespace('a').get('web-2'), undefined);
  assert.deepEqual(inf.indexer.byIndex('byNode', 'n1').map((p) => p.metadata.name).sort(), ['web-1', 'web-2']);
  await client.delete(resources.pods, 'web-1', { namespace: 'a' });
  await waitFor(() => inf.indexer.byIndex('byNode', 'n1').length === 1, 'index updated on delete');
  assert.deepEqual(inf.indexer.listIndexFuncValues('byNode').sort(), ['n1', 'n2']);
});

test('a namespaced, label-selected informer sees only its objects, and objects leaving the selector are deleted', async () => {
  server.put(resources.pods, pod('web-1', 'a'));
  server.put(resources.pods, pod('web-2', 'b'));
  server.put(resources.pods, pod('db-1', 'a'));
  const inf = newInformer({ namespace: 'a', labelSelector: 'app=web' });
  inf.run();
  await inf.waitForSync();
  assert.deepEqual(Object.keys(cacheState(inf)), ['a/web-1']);
  const w1 = await client.get<Pod>(resources.pods, 'web-1', { namespace: 'a' });
  await client.update(resources.pods, { ...w1, metadata: { ...w1.metadata, labels: { app: 'other' } } });
  await waitFor(() => inf.indexer.size === 0, 'relabelled pod leaves the cache');
});

test('the informer factory shares one informer per resource, namespace and selector', async () => {
  const factory = new SharedInformerFactory(client, { backoff: { initialMs: 10, maxMs: 50 } });
  const a = factory.informerFor<Pod>(resources.pods);
  const b = factory.informerFor<Pod>(resources.pods, { indexers: { byNode: (p) => [p.spec?.nodeName ?? ''] } });
  const c = factory.informerFor<Pod>(resources.pods, { namespace: 'kube-system' });
  const d = factory.informerFor<Pod>(resources.nodes);
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.notEqual(a, d);
  assert.ok(a.indexer.hasIndex('byNode'));
  server.put(resources.pods, pod('f-1'));
  factory.start();
  assert.equal(await factory.waitForCacheSync(), true);
  assert.equal(a.indexer.size, 1);
  assert.equal(c.indexer.size, 0);
  await waitFor(() => server.openWatches === 3, 'three watches');
  await factory.stop();
  await waitFor(() => server.openWatches === 0, 'watches closed');
});
