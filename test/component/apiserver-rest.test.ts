// REST semantics of the API server over real HTTP on a real SQLite file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';

let s: TestApiServer;
before(async () => {
  s = await startTestApiServer();
});
after(async () => {
  await s.stop();
});

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

const pod = (name: string, extra: any = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...extra },
});

test('first start creates the system namespaces and the kubernetes service', async () => {
  const list = await s.call('GET', '/api/v1/namespaces');
  assert.equal(list.status, 200);
  const names = list.body.items.map((n: any) => n.metadata.name).sort();
  assert.deepEqual(names, ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  const svc = await s.call('GET', '/api/v1/namespaces/default/services/kubernetes');
  assert.equal(svc.body.spec.clusterIP, '10.96.0.1');
});

test('create answers 201 with server-set metadata; a second create is 409 AlreadyExists', async () => {
  const r = await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
  assert.equal(r.status, 201);
  assert.match(r.body.metadata.uid, /^[0-9a-f-]{36}$/);
  assert.match(r.body.metadata.resourceVersion, /^\d+$/);
  assert.match(r.body.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const again = await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
  assert.equal(again.status, 409);
  assert.equal(again.body.kind, 'Status');
  assert.equal(again.body.reason, 'AlreadyExists');
  assert.equal(again.body.message, 'configmaps "one" already exists');
});

test('get of a missing object is 404 NotFound as a Status', async () => {
  const r = await s.call('GET', '/api/v1/namespaces/default/configmaps/missing');
  assert.equal(r.status, 404);
  assert.equal(r.body.reason, 'NotFound');
  assert.equal(r.body.message, 'configmaps "missing" not found');
  assert.equal(r.body.details.name, 'missing');
});

test('update with a stale resourceVersion returns 409 Conflict', async () => {
  const created = (await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('stale'))).body;
  const first = await s.call('PUT', '/api/v1/namespaces/default/configmaps/stale', { ...created, data: { a: '2' } });
  assert.equal(first.status, 200);
  assert.notEqual(first.body.metadata.resourceVersion, created.metadata.resourceVersion);
  const second = await s.call('PUT', '/api/v1/namespaces/default/configmaps/stale', { ...created, data: { a: '3' } });
  assert.equal(second.status, 409);
  assert.equal(second.body.reason, 'Conflict');
  assert.match(second.body.message, /the object has been modified; please apply your changes to the latest version and try again/);
});

test('generateName makes a unique name with a 5-character suffix', async () => {
  const r = await s.call('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } });
  assert.equal(r.status, 201);
  assert.match(r.body.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
});

test('paging with limit and continue reads one consistent snapshot', async () => {
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
  for (let i = 0; i < 5; i++) await s.call('POST', '/api/v1/namespaces/paging/configmaps', cm(`p${i}`));
  const page1 = await s.call('GET', '/api/v1/namespaces/paging/configmaps?limit=2');
  assert.equal(page1.body.items.length, 2);
  assert.ok(page1.body.metadata.continue);
  await s.call('POST', '/api/v1/namespaces/paging/configmaps', cm('p9-late'));
  const names: string[] = page1.body.items.map((i: any) => i.metadata.name);
  let token = page1.body.metadata.continue;
  while (token) {
    const page = await s.call('GET', `/api/v1/namespaces/paging/configmaps?limit=2&continue=${encodeURIComponent(token)}`);
    assert.equal(page.status, 200);
    assert.equal(page.body.metadata.resourceVersion, page1.body.metadata.resourceVersion);
    names.push(...page.body.items.map((i: any) => i.metadata.name));
    token = page.body.metadata.continue;
  }
  assert.deepEqual(names, ['p0', 'p1', 'p2', 'p3', 'p4']);
});

test('label and field selectors filter lists; an unsupported field is 400', async () => {
  await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('sel-a', {}, { tier: 'front' }));
  await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('sel-b', {}, { tier: 'back' }));
  const byLabel = await s.call('GET', '/api/v1/namespaces/default/configmaps?labelSelector=' + encodeURIComponent('tier in (front)'));
  assert.deepEqual(byLabel.body.items.map((i: any) => i.metadata.name), ['sel-a']);
  const byField = await s.call('GET', '/api/v1/configmaps?fieldSelector=' + encodeURIComponent('metadata.name=sel-b,metadata.namespace=default'));
  assert.deepEqual(byField.body.items.map((i: any) => i.metadata.name), ['sel-b']);
  const bad = await s.call('GET', '/api/v1/configmaps?fieldSelector=spec.nope%3Dx');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.reason, 'BadRequest');
});

async function readWatch(url: string, count: number, timeoutMs = 5000): Promise<any[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeoutMs);
  const res = await fetch(url, { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'application/json');
  const events: any[] = [];
  let buf = '';
  try {
    for await (const chunk of res.body as any) {
      buf += Buffer.from(chunk).toString('utf8');
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        events.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        if (events.length >= count) {
          ac.abort();
          return events;
        }
      }
    }
  } catch (e) {
    if (events.length < count) throw e;
  } finally {
    clearTimeout(timer);
  }
  return events;
}

test('watch from a resourceVersion delivers later events in order', async () => {
  const a = (await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('w-a'))).body;
  const watching = readWatch(`${s.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${a.metadata.resourceVersion}`, 3);
  await new Promise((r) => setTimeout(r, 100));
  await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('w-b'));
  await s.call('PATCH', '/api/v1/namespaces/default/configmaps/w-b', { data: { z: '1' } }, { 'Content-Type': 'application/merge-patch+json' });
  await s.call('DELETE', '/api/v1/namespaces/default/configmaps/w-b');
  const events = await watching;
  assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
  assert.ok(events.every((e) => e.object.metadata.name === 'w-b'));
  const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
  assert.ok(rvs[0] < rvs[1] && rvs[1] < rvs[2]);
});

test('watch with resourceVersion 0 starts with ADDED for current objects', async () => {
  const events = await readWatch(`${s.url}/api/v1/namespaces?watch=1&resourceVersion=0`, 4);
  assert.ok(events.every((e) => e.type === 'ADDED'));
});

test('watch from a revision older than the cache keeps is 410 Expired', async () => {
  const r = await s.call('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'old' }, stringData: { k: 'v' } });
  const oldRv = Number(r.body.metadata.resourceVersion) - 1;
  // The secrets watch cache starts now, after that revision.
  await s.call('GET', '/api/v1/secrets?resourceVersion=0');
  await s.call('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'newer' } });
  const events = await readWatch(`${s.url}/api/v1/secrets?watch=true&resourceVersion=${oldRv}`, 1);
  assert.equal(events[0].type, 'ERROR');
  assert.equal(events[0].object.code, 410);
  assert.equal(events[0].object.reason, 'Expired');
});

test('a finalizer holds deletion until it is removed', async () => {
  await s.call('POST', '/api/v1/namespaces/default/configmaps', { ...cm('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
  const del = await s.call('DELETE', '/api/v1/namespaces/default/configmaps/fin');
  assert.equal(del.status, 200);
  assert.ok(del.body.metadata.deletionTimestamp);
  const still = await s.call('GET', '/api/v1/namespaces/default/configmaps/fin');
  assert.equal(still.status, 200);
  const patched = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/fin', [{ op: 'remove', path: '/metadata/finalizers' }], {
    'Content-Type': 'application/json-patch+json',
  });
  assert.equal(patched.status, 200);
  const gone = await s.call('GET', '/api/v1/namespaces/default/configmaps/fin');
  assert.equal(gone.status, 404);
});

test('delete with propagationPolicy Orphan records the orphan finalizer', async () => {
  await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('orph'));
  const del = await s.call('DELETE', '/api/v1/namespaces/default/configmaps/orph', { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' });
  assert.equal(del.status, 200);
  assert.deepEqual(del.body.metadata.finalizers, ['orphan']);
});

test('a bound pod is deleted gracefully; a delete with grace 0 removes it', async () => {
  const created = await s.call('POST', '/api/v1/namespaces/default/pods', pod('graceful', { nodeName: 'node-a' }));
  assert.equal(created.status, 201);
  const del = await s.call('DELETE', '/api/v1/namespaces/default/pods/graceful');
  assert.equal(del.status, 200);
  assert.equal(del.body.metadata.deletionGracePeriodSeconds, 30);
  assert.ok(del.body.metadata.deletionTimestamp);
  const now = await s.call('DELETE', '/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=0');
  assert.equal(now.status, 200);
  assert.equal((await s.call('GET', '/api/v1/namespaces/default/pods/graceful')).status, 404);
});

test('pods/binding sets nodeName and PodScheduled; binding again is 409', async () => {
  await s.call('POST', '/api/v1/namespaces/default/pods', pod('tobind'));
  const b = await s.call('POST', '/api/v1/namespaces/default/pods/tobind/binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: 'tobind' },
    target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
  });
  assert.equal(b.status, 201);
  const p = (await s.call('GET', '/api/v1/namespaces/default/pods/tobind')).body;
  assert.equal(p.spec.nodeName, 'node-1');
  assert.equal(p.status.conditions.find((c: any) => c.type === 'PodScheduled').status, 'True');
  const again = await s.call('POST', '/api/v1/namespaces/default/pods/tobind/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'tobind' }, target: { name: 'node-2' } });
  assert.equal(again.status, 409);
});

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
  },
});

test('the scale subresource reads and writes spec.replicas and bumps generation', async () => {
  await s.call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('scaled'));
  const sc = await s.call('GET', '/apis/apps/v1/namespaces/default/deployments/scaled/scale');
  assert.equal(sc.body.kind, 'Scale');
  assert.equal(sc.body.apiVersion, 'autoscaling/v1');
  assert.equal(sc.body.spec.replicas, 1);
  assert.equal(sc.body.status.selector, 'app=scaled');
  const patched = await s.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/scaled/scale', { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.spec.replicas, 3);
  const d = (await s.call('GET', '/apis/apps/v1/namespaces/default/deployments/scaled')).body;
  assert.equal(d.spec.replicas, 3);
  assert.equal(d.metadata.generation, 2);
});

test('status is written only through /status; the main endpoint keeps it', async () => {
  const d = (await s.call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment('stat'))).body;
  const st = await s.call('PUT', '/apis/apps/v1/namespaces/default/deployments/stat/status', { ...d, spec: { ...d.spec, replicas: 9 }, status: { replicas: 1, observedGeneration: 1 } });
  assert.equal(st.status, 200);
  assert.equal(st.body.status.replicas, 1);
  assert.equal(st.body.spec.replicas, 1);
  const main = await s.call('PUT', '/apis/apps/v1/namespaces/default/deployments/stat', { ...st.body, status: { replicas: 5 } });
  assert.equal(main.body.status.replicas, 1);
});

test('dryRun=All validates and answers without storing', async () => {
  const r = await s.call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
  assert.equal(r.status, 201);
  assert.equal((await s.call('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
});

test('fieldValidation=Strict refuses unknown fields; Warn answers with a Warning header', async () => {
  const body = { ...cm('strict'), spec: { nope: 1 } };
  const strict = await s.call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', body);
  assert.equal(strict.status, 400);
  assert.match(strict.body.message, /strict decoding error: unknown field "spec"/);
  const warn = await s.call('POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Warn', body);
  assert.equal(warn.status, 201);
  assert.match(warn.headers.get('warning') ?? '', /299 - "unknown field \\"spec\\""/);
  assert.equal(warn.body.spec, undefined);
});

test('an invalid name is 422 Invalid with a cause naming the field', async () => {
  const r = await s.call('POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'));
  assert.equal(r.status, 422);
  assert.equal(r.body.reason, 'Invalid');
  assert.equal(r.body.details.causes[0].field, 'metadata.name');
});

test('creating in a missing namespace is 404; in a terminating one is 403', async () => {
  const missing = await s.call('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
  assert.equal(missing.status, 404);
  assert.equal(missing.body.message, 'namespaces "nowhere" not found');
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
  const del = await s.call('DELETE', '/api/v1/namespaces/doomed');
  assert.equal(del.status, 200);
  assert.equal(del.body.status.phase, 'Terminating');
  const refused = await s.call('POST', '/api/v1/namespaces/doomed/configmaps', cm('x'));
  assert.equal(refused.status, 403);
  assert.equal(refused.body.message, 'unable to create new content in namespace doomed because it is being terminated');
});

test('services get a ClusterIP from the range; a taken IP is refused; NodePorts are allocated', async () => {
  const svc = (name: string, spec: any) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ port: 80 }], ...spec } });
  const a = await s.call('POST', '/api/v1/namespaces/default/services', svc('a', { clusterIP: '10.96.0.50' }));
  assert.equal(a.status, 201);
  assert.deepEqual(a.body.spec.clusterIPs, ['10.96.0.50']);
  const taken = await s.call('POST', '/api/v1/namespaces/default/services', svc('b', { clusterIP: '10.96.0.50' }));
  assert.equal(taken.status, 422);
  assert.match(taken.body.message, /provided IP is already allocated/);
  const np = await s.call('POST', '/api/v1/namespaces/default/services', svc('np', { type: 'NodePort' }));
  assert.equal(np.status, 201);
  assert.ok(np.body.spec.ports[0].nodePort >= 30000 && np.body.spec.ports[0].nodePort <= 32767);
  await s.call('DELETE', '/api/v1/namespaces/default/services/a');
  const reuse = await s.call('POST', '/api/v1/namespaces/default/services', svc('c', { clusterIP: '10.96.0.50' }));
  assert.equal(reuse.status, 201);
});

test('aggregated discovery is served with its content type; legacy lists resources', async () => {
  const agg = await s.call('GET', '/apis', undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
  assert.match(agg.headers.get('content-type') ?? '', /as=APIGroupDiscoveryList/);
  const apps = agg.body.items.find((g: any) => g.metadata.name === 'apps');
  const deployments = apps.versions[0].resources.find((r: any) => r.resource === 'deployments');
  assert.deepEqual(deployments.shortNames, ['deploy']);
  const legacy = await s.call('GET', '/api/v1');
  const pods = legacy.body.resources.find((r: any) => r.name === 'pods');
  assert.equal(pods.kind, 'Pod');
  assert.ok(legacy.body.resources.some((r: any) => r.name === 'pods/status'));
});

test('readyz with verbose lists each check', async () => {
  const r = await s.call('GET', '/readyz?verbose');
  assert.equal(r.status, 200);
  assert.match(r.text, /\[\+\]etcd ok/);
  assert.match(r.text, /readyz check passed/);
});

test('a Table answer carries the resource columns and metadata rows', async () => {
  const r = await s.call('GET', '/api/v1/namespaces/default/pods', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
  assert.equal(r.body.kind, 'Table');
  assert.deepEqual(r.body.columnDefinitions.slice(0, 5).map((c: any) => c.name), ['Name', 'Ready', 'Status', 'Restarts', 'Age']);
  assert.equal(r.body.rows[0].object.kind, 'PartialObjectMetadata');
});

test('a malformed JSON body is 400, an unknown content type 415', async () => {
  const bad = await s.call('POST', '/api/v1/namespaces/default/configmaps', '{"kind":', { 'Content-Type': 'application/json' });
  assert.equal(bad.status, 400);
  const media = await s.call('POST', '/api/v1/namespaces/default/configmaps', 'x', { 'Content-Type': 'text/csv' });
  assert.equal(media.status, 415);
});

test('a list right after writes reflects every acknowledged write (consistent read)', async () => {
  await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'consistent' } });
  await s.call('GET', '/api/v1/namespaces/consistent/configmaps'); // the cache is running now
  for (let i = 0; i < 20; i++) {
    const created = (await s.call('POST', '/api/v1/namespaces/consistent/configmaps', cm(`c${i}`))).body;
    const list = (await s.call('GET', '/api/v1/namespaces/consistent/configmaps')).body;
    assert.equal(list.items.length, i + 1);
    assert.ok(Number(list.metadata.resourceVersion) >= Number(created.metadata.resourceVersion));
    const got = (await s.call('GET', '/api/v1/namespaces/consistent/configmaps?limit=3')).body;
    assert.equal(got.items.length, Math.min(3, i + 1));
    assert.equal(Boolean(got.metadata.continue), i + 1 > 3);
  }
});

test('a generated name that is already taken is drawn again', async () => {
  const random = Math.random;
  let calls = 0;
  // The server runs in this process: the first two generated names come out the same.
  Math.random = () => (calls++ < 10 ? 0 : random());
  try {
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'clash-' } };
    const a = await s.call('POST', '/api/v1/namespaces/default/configmaps', body);
    const b = await s.call('POST', '/api/v1/namespaces/default/configmaps', body);
    assert.equal(a.status, 201);
    assert.equal(a.body.metadata.name, 'clash-bbbbb');
    assert.equal(b.status, 201);
    assert.notEqual(b.body.metadata.name, 'clash-bbbbb');
    assert.ok(calls > 10, 'the second create drew a second name');
  } finally {
    Math.random = random;
  }
});

test('a pod marked for graceful deletion is removed once its grace period has passed', async () => {
  await s.call('POST', '/api/v1/namespaces/default/pods', pod('sweep-me', { nodeName: 'node-without-kubelet' }));
  const del = await s.call('DELETE', '/api/v1/namespaces/default/pods/sweep-me?gracePeriodSeconds=1');
  assert.equal(del.body.metadata.deletionGracePeriodSeconds, 1);
  const t0 = Date.now();
  while ((await s.call('GET', '/api/v1/namespaces/default/pods/sweep-me')).status !== 404) {
    assert.ok(Date.now() - t0 < 10_000, 'still there 10 s after a 1 s grace period');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('the legacy POST namespaces/<ns>/bindings binds the pod named in the body', async () => {
  await s.call('POST', '/api/v1/namespaces/default/pods', pod('legacy-bind'));
  const b = await s.call('POST', '/api/v1/namespaces/default/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'legacy-bind' }, target: { name: 'node-9' } });
  assert.equal(b.status, 201);
  assert.equal((await s.call('GET', '/api/v1/namespaces/default/pods/legacy-bind')).body.spec.nodeName, 'node-9');
});
