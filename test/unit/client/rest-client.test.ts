import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StatusError, isStatusError } from '../../../src/api/errors.ts';
import { configFromParts } from '../../../src/client/kubeconfig.ts';
import { RestClient, resourcePath, type ObjectList } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';
import type { WatchEvent } from '../../../src/client/watch.ts';
import { FakeApiServer } from './fake-apiserver.ts';

type ConfigMap = { apiVersion?: string; kind?: string; metadata: { name?: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; generateName?: string; finalizers?: string[]; deletionTimestamp?: string }; data?: Record<string, string> };

let server: FakeApiServer;
let client: RestClient;

before(async () => {
  server = await FakeApiServer.start();
  client = new RestClient(configFromParts({ server: server.url }), { component: 'test' });
});
after(async () => {
  client.close();
  await server.close();
});

test('resource paths follow core and named-group layouts', () => {
  assert.equal(resourcePath(resources.pods, { namespace: 'ns', name: 'p', subresource: 'status' }), '/api/v1/namespaces/ns/pods/p/status');
  assert.equal(resourcePath(resources.nodes, { name: 'n1' }), '/api/v1/nodes/n1');
  assert.equal(resourcePath(resources.deployments), '/apis/apps/v1/deployments');
  assert.equal(resourcePath(resources.leases, { namespace: 'kube-system' }), '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
});

test('create, get, update and delete round-trip with resourceVersions', async () => {
  const created = await client.create<ConfigMap>(resources.configmaps, { metadata: { name: 'a', namespace: 'ns1' }, data: { k: 'v' } });
  assert.equal(created.metadata.namespace, 'ns1');
  assert.ok(created.metadata.uid);
  assert.ok(Number(created.metadata.resourceVersion) > 0);
  const got = await client.get<ConfigMap>(resources.configmaps, 'a', { namespace: 'ns1' });
  assert.deepEqual(got, created);
  got.data = { k: 'v2' };
  const updated = await client.update(resources.configmaps, got);
  assert.equal(updated.data?.k, 'v2');
  assert.ok(Number(updated.metadata.resourceVersion) > Number(created.metadata.resourceVersion));
  const deleted = await client.delete<ConfigMap>(resources.configmaps, 'a', { namespace: 'ns1' });
  assert.equal(deleted.metadata.name, 'a');
  await assert.rejects(client.get(resources.configmaps, 'a', { namespace: 'ns1' }), (e: unknown) => isStatusError(e, 'NotFound'));
});

test('get of a missing object throws StatusError NotFound decoded from the Status body', async () => {
  const err = await client.get(resources.pods, 'nope', { namespace: 'default' }).catch((e) => e);
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.equal(err.message, 'pods "nope" not found');
  assert.equal(err.details?.name, 'nope');
});

test('update with a stale resourceVersion throws Conflict', async () => {
  const cm = await client.create<ConfigMap>(resources.configmaps, { metadata: { name: 'stale', namespace: 'ns1' } });
  await client.update(resources.configmaps, { ...cm, data: { x: '1' } });
  const err = await client.update(resources.configmaps, { ...cm, data: { x: '2' } }).catch((e) => e);
  assert.ok(isStatusError(err, 'Conflict'));
  assert.equal(err.code, 409);
});

test('creating an existing object throws AlreadyExists', async () => {
  await client.create(resources.configmaps, { metadata: { name: 'dup', namespace: 'ns1' } });
  const err = await client.create(resources.configmaps, { metadata: { name: 'dup', namespace: 'ns1' } }).catch((e) => e);
  assert.ok(isStatusError(err, 'AlreadyExists'));
});

test('a non-Status error body is synthesized into a StatusError by code', async () => {
  server.injectFailure({ method: 'GET', urlIncludes: '/configmaps/x', code: 403, raw: 'go away' });
  const err = await client.get(resources.configmaps, 'x', { namespace: 'ns1' }).catch((e) => e);
  assert.ok(isStatusError(err, 'Forbidden'));
  assert.match(err.message, /go away/);
});

test('429 with Retry-After is retried', async () => {
  await client.create(resources.configmaps, { metadata: { name: 'busy', namespace: 'ns1' } });
  server.injectFailure({ method: 'GET', urlIncludes: '/configmaps/busy', code: 429, reason: 'TooManyRequests', retryAfterSeconds: 0, times: 2 });
  const got = await client.get<ConfigMap>(resources.configmaps, 'busy', { namespace: 'ns1' });
  assert.equal(got.metadata.name, 'busy');
});

test('patch sends the content type of each patch flavour and applies it', async () => {
  await client.create(resources.configmaps, { metadata: { name: 'p', namespace: 'ns1' }, data: { a: '1', b: '2' } });
  let cm = await client.patch<ConfigMap>(resources.configmaps, 'p', 'merge', { data: { a: null, c: '3' } }, { namespace: 'ns1' });
  assert.deepEqual(cm.data, { b: '2', c: '3' });
  assert.equal(server.requests.at(-1)!.headers['content-type'], 'application/merge-patch+json');
  cm = await client.patch<ConfigMap>(resources.configmaps, 'p', 'json', [{ op: 'replace', path: '/data/b', value: 'x' }], { namespace: 'ns1' });
  assert.equal(cm.data?.b, 'x');
  assert.equal(server.requests.at(-1)!.headers['content-type'], 'application/json-patch+json');
  await client.patch(resources.configmaps, 'p', 'strategic', { data: { d: '4' } }, { namespace: 'ns1' });
  assert.equal(server.requests.at(-1)!.headers['content-type'], 'application/strategic-merge-patch+json');
  const applied = await client.patch<ConfigMap>(resources.configmaps, 'q', 'apply', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q' }, data: { z: '1' } }, { namespace: 'ns1', fieldManager: 'me', force: true });
  assert.equal(applied.data?.z, '1');
  const last = server.requests.at(-1)!;
  assert.equal(last.headers['content-type'], 'application/apply-patch+yaml');
  assert.match(last.url, /fieldManager=me/);
  assert.match(last.url, /force=true/);
  assert.equal(last.headers['user-agent'], 'k8ts/test');
});

test('delete sends DeleteOptions with preconditions and a wrong uid conflicts', async () => {
  const cm = await client.create<ConfigMap>(resources.configmaps, { metadata: { name: 'd', namespace: 'ns1' } });
  const err = await client.delete(resources.configmaps, 'd', { namespace: 'ns1', preconditions: { uid: 'wrong' } }).catch((e) => e);
  assert.ok(isStatusError(err, 'Conflict'));
  await client.delete(resources.configmaps, 'd', { namespace: 'ns1', propagationPolicy: 'Background', gracePeriodSeconds: 0, preconditions: { uid: cm.metadata.uid } });
  const body = JSON.parse(server.requests.at(-1)!.body);
  assert.deepEqual(body, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0, preconditions: { uid: cm.metadata.uid } });
});

test('list pages with limit and continue, and filters by label selector', async () => {
  for (let i = 0; i < 7; i++) {
    await client.create(resources.configmaps, { metadata: { name: `page-${i}`, namespace: 'paging', labels: { tier: i % 2 ? 'odd' : 'even' } } });
  }
  const names: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  let listRv: string | undefined;
  do {
    const page: ObjectList<ConfigMap> = await client.list<ConfigMap>(resources.configmaps, { namespace: 'paging', limit: 3, continue: cont });
    listRv ??= page.metadata.resourceVersion;
    assert.equal(page.metadata.resourceVersion, listRv);
    names.push(...page.items.map((i) => i.metadata.name!));
    cont = page.metadata.continue;
    pages++;
  } while (cont);
  assert.equal(pages, 3);
  assert.deepEqual(names, [0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
  const odd = await client.list<ConfigMap>(resources.configmaps, { namespace: 'paging', labelSelector: 'tier=odd' });
  assert.deepEqual(odd.items.map((i) => i.metadata.name), ['page-1', 'page-3', 'page-5']);
});

test('deleteCollection removes what the selector matches', async () => {
  await client.deleteCollection(resources.configmaps, { namespace: 'paging', labelSelector: 'tier=even' });
  const left = await client.list<ConfigMap>(resources.configmaps, { namespace: 'paging' });
  assert.deepEqual(left.items.map((i) => i.metadata.name), ['page-1', 'page-3', 'page-5']);
});

test('watch from a resourceVersion delivers later changes in order', async () => {
  const list = await client.list<ConfigMap>(resources.configmaps, { namespace: 'w' });
  const w = await client.watch<ConfigMap>(resources.configmaps, { namespace: 'w', resourceVersion: list.metadata.resourceVersion });
  const a = await client.create<ConfigMap>(resources.configmaps, { metadata: { name: 'a', namespace: 'w' } });
  await client.update(resources.configmaps, { ...a, data: { k: 'v' } });
  await client.delete(resources.configmaps, 'a', { namespace: 'w' });
  const seen: string[] = [];
  for await (const ev of w) {
    seen.push(`${ev.type}:${(ev.object as ConfigMap).metadata.name}`);
    if (seen.length === 3) break;
  }
  assert.deepEqual(seen, ['ADDED:a', 'MODIFIED:a', 'DELETED:a']);
  assert.ok(w.stopped);
});

test('watch from a compacted resourceVersion yields ERROR 410 Expired', async () => {
  await client.create(resources.configmaps, { metadata: { name: 'c1', namespace: 'w' } });
  server.compact();
  await client.create(resources.configmaps, { metadata: { name: 'c2', namespace: 'w' } });
  const w = await client.watch<ConfigMap>(resources.configmaps, { namespace: 'w', resourceVersion: '1' });
  const events: WatchEvent<ConfigMap>[] = [];
  for await (const ev of w) events.push(ev);
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'ERROR');
  const status = events[0].type === 'ERROR' ? events[0].object : undefined;
  assert.equal(status?.code, 410);
  assert.equal(status?.reason, 'Expired');
});

test('watch stops when its AbortSignal fires', async () => {
  const ac = new AbortController();
  const w = await client.watch<ConfigMap>(resources.configmaps, { namespace: 'quiet', resourceVersion: String(server.revision), signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  const events: unknown[] = [];
  for await (const ev of w) events.push(ev);
  assert.equal(events.length, 0);
  await w.done;
});

test('watch parses events split across chunk boundaries, including inside a UTF-8 character', async () => {
  const events = [
    { type: 'ADDED', object: { metadata: { name: 'ünïcødé-1', resourceVersion: '5' } } },
    { type: 'MODIFIED', object: { metadata: { name: 'two', resourceVersion: '6' }, data: { k: '€€€' } } },
    { type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } },
  ];
  const bytes = Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join(''), 'utf8');
  const raw = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    let i = 0;
    // Odd-sized slices land in the middle of lines and of multi-byte characters.
    const step = () => {
      if (i >= bytes.length) return res.end();
      res.write(bytes.subarray(i, i + 7));
      i += 7;
      setTimeout(step, 1);
    };
    step();
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  const c = new RestClient(configFromParts({ server: `http://127.0.0.1:${(raw.address() as AddressInfo).port}` }));
  try {
    const w = await c.watch<ConfigMap>(resources.configmaps, {});
    const got: unknown[] = [];
    for await (const ev of w) got.push(ev);
    assert.deepEqual(got, events);
  } finally {
    c.close();
    raw.closeAllConnections();
    raw.close();
  }
});

test('a watch rejected by the server throws its StatusError', async () => {
  server.injectFailure({ method: 'GET', urlIncludes: 'watch=true', code: 403, reason: 'Forbidden', message: 'no watching' });
  const err = await client.watch(resources.secrets, {}).catch((e) => e);
  assert.ok(isStatusError(err, 'Forbidden'));
  assert.equal(err.message, 'no watching');
});

test('raw requests answer decoded JSON', async () => {
  const out = await client.raw<{ kind: string }>('GET', '/api/v1/namespaces/ns1/configmaps');
  assert.equal(out.kind, 'ConfigMapList');
});

test('a request or watch the server never answers fails after the client timeout', async () => {
  const silent = http.createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const c = new RestClient(configFromParts({ server: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` }), { timeoutMs: 100 });
  try {
    const t = Date.now();
    await assert.rejects(c.get(resources.pods, 'p', { namespace: 'n' }), /no answer within 100 ms/);
    await assert.rejects(c.watch(resources.pods, {}), /no answer within 100 ms/);
    assert.ok(Date.now() - t < 2000);
  } finally {
    c.close();
    silent.closeAllConnections();
    silent.close();
  }
});

test('a watch outlives the request timeout once the server has answered', async () => {
  const c = new RestClient(configFromParts({ server: server.url }), { timeoutMs: 100 });
  try {
    const w = await c.watch<ConfigMap>(resources.configmaps, { namespace: 'long', resourceVersion: String(server.revision) });
    await new Promise((r) => setTimeout(r, 250));
    await client.create(resources.configmaps, { metadata: { name: 'late', namespace: 'long' } });
    for await (const ev of w) {
      assert.equal(ev.type, 'ADDED');
      break;
    }
  } finally {
    c.close();
  }
});

test('a GET whose connection is reset is tried once more; a POST is not', async () => {
  let gets = 0;
  let posts = 0;
  const flaky = http.createServer((req, res) => {
    if (req.method === 'POST') {
      posts++;
      req.socket.destroy();
      return;
    }
    if (gets++ === 0) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"metadata":{"name":"ok"}}');
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  const c = new RestClient(configFromParts({ server: `http://127.0.0.1:${(flaky.address() as AddressInfo).port}` }));
  try {
    const got = await c.get<ConfigMap>(resources.configmaps, 'x', { namespace: 'n' });
    assert.equal(got.metadata.name, 'ok');
    assert.equal(gets, 2);
    await assert.rejects(c.create(resources.configmaps, { metadata: { name: 'y', namespace: 'n' } }), /socket hang up|ECONNRESET/);
    assert.equal(posts, 1);
  } finally {
    c.close();
    flaky.closeAllConnections();
    flaky.close();
  }
});
