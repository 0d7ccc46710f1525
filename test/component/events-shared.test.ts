// core/v1 Events and events.k8s.io/v1 Events are one stored object seen through two APIs,
// as upstream: writes through either show in both (fields converted), watches on either see
// the other's writes, the real kubectl's `events` and `describe` show them, and each write
// expires after the event TTL (the storage view under it is tested here too).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { EVENT_TTL_SECONDS } from '../../src/api/resources/events.ts';
import { ResourceStorageView } from '../../src/apiserver/registry/storage-view.ts';

let api: TestApiServer;
let home: string;
before(async () => {
  api = await startTestApiServer();
  home = await mkdtemp(join(tmpdir(), 'k8ts-events-kubectl-'));
});
after(async () => {
  await api?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const CORE = '/api/v1/namespaces/default/events';
const V1 = '/apis/events.k8s.io/v1/namespaces/default/events';
const NOW = '2026-01-02T03:04:05Z';
const MICRO_NOW = '2026-01-02T03:04:05.000000Z';

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      '/usr/bin/kubectl',
      ['--server', api.url, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, KUBECACHEDIR: join(home, 'cache') }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as any).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

const regarding = (name: string, uid = 'uid-' + name) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name, uid });

const v1Event = (name: string, note: string, about = regarding('cm-' + name)) => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  eventTime: MICRO_NOW,
  reportingController: 'example.com/controller',
  reportingInstance: 'controller-0',
  action: 'Sync',
  reason: 'Synced',
  type: 'Normal',
  note,
  regarding: about,
  related: { apiVersion: 'v1', kind: 'Node', name: 'node-1' },
  series: { count: 3, lastObservedTime: MICRO_NOW },
  deprecatedCount: 2,
  deprecatedFirstTimestamp: NOW,
  deprecatedLastTimestamp: NOW,
  deprecatedSource: { component: 'legacy-component', host: 'node-1' },
});

const coreEvent = (name: string, message: string) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  involvedObject: regarding('cm-' + name),
  reason: 'Started',
  message,
  type: 'Warning',
  source: { component: 'kubelet', host: 'node-2' },
  firstTimestamp: NOW,
  lastTimestamp: NOW,
  count: 4,
});

async function mustCall(method: string, path: string, body?: unknown, expect = [200, 201]) {
  const r = await api.call(method, path, body);
  assert.ok(expect.includes(r.status), `${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

test('an event created through events.k8s.io/v1 is a core/v1 event with converted fields', async () => {
  const created = await mustCall('POST', V1, v1Event('from-v1', 'hello from v1'));
  const core = await mustCall('GET', `${CORE}/from-v1`);
  assert.equal(core.apiVersion, 'v1');
  assert.equal(core.kind, 'Event');
  assert.equal(core.metadata.uid, created.metadata.uid);
  assert.equal(core.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.equal(core.message, 'hello from v1');
  assert.deepEqual(core.involvedObject, regarding('cm-from-v1'));
  assert.deepEqual(core.related, { apiVersion: 'v1', kind: 'Node', name: 'node-1' });
  assert.equal(core.reportingComponent, 'example.com/controller');
  assert.equal(core.reportingInstance, 'controller-0');
  assert.deepEqual(core.source, { component: 'legacy-component', host: 'node-1' });
  assert.equal(core.count, 2);
  assert.equal(core.firstTimestamp, NOW);
  assert.equal(core.lastTimestamp, NOW);
  assert.equal(core.eventTime, MICRO_NOW);
  assert.deepEqual(core.series, { count: 3, lastObservedTime: MICRO_NOW });
  assert.equal(core.action, 'Sync');
  for (const field of ['note', 'regarding', 'reportingController', 'deprecatedSource', 'deprecatedCount']) assert.equal(core[field], undefined, field);
  const back = await mustCall('GET', `${V1}/from-v1`);
  assert.equal(back.apiVersion, 'events.k8s.io/v1');
  const { metadata: _m, ...sent } = v1Event('from-v1', 'hello from v1');
  const { metadata: _b, ...read } = back;
  assert.deepEqual(read, sent, 'the round trip through storage keeps every field');
});

test('an event created through core/v1 shows through events.k8s.io/v1, and updates there show in core', async () => {
  await mustCall('POST', CORE, coreEvent('from-core', 'container started'));
  const ev = await mustCall('GET', `${V1}/from-core`);
  assert.equal(ev.apiVersion, 'events.k8s.io/v1');
  assert.equal(ev.note, 'container started');
  assert.deepEqual(ev.regarding, regarding('cm-from-core'));
  assert.deepEqual(ev.deprecatedSource, { component: 'kubelet', host: 'node-2' });
  assert.equal(ev.deprecatedCount, 4);
  assert.equal(ev.deprecatedFirstTimestamp, NOW);
  assert.equal(ev.deprecatedLastTimestamp, NOW);
  assert.equal(ev.reportingController, 'kubelet', 'older events report through their source');
  assert.equal(ev.reportingInstance, 'node-2');
  assert.equal(ev.message, undefined);

  const list = await mustCall('GET', `/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector=${encodeURIComponent('involvedObject.name=cm-from-core')}`);
  assert.deepEqual(list.items.map((e: any) => e.metadata.name), ['from-core']);

  const updated = await mustCall('PUT', `${V1}/from-core`, { ...ev, note: 'container restarted', eventTime: MICRO_NOW, action: 'Restart' });
  const core = await mustCall('GET', `${CORE}/from-core`);
  assert.equal(core.message, 'container restarted');
  assert.equal(core.count, 4);
  assert.equal(core.metadata.resourceVersion, updated.metadata.resourceVersion);
  const coreList = await mustCall('GET', CORE);
  assert.ok(coreList.items.some((e: any) => e.metadata.name === 'from-v1'), 'core lists events written through events.k8s.io');
});

/** Opens a watch and collects its events until `until` holds. */
async function watchUntil(path: string, act: () => Promise<void>, until: (events: any[]) => boolean): Promise<any[]> {
  const controller = new AbortController();
  const res = await fetch(`${api.url}${path}`, { signal: controller.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const events: any[] = [];
  const timer = setTimeout(() => controller.abort(), 10_000);
  let buffered = '';
  try {
    await act();
    while (!until(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += Buffer.from(value).toString('utf8');
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line) events.push(JSON.parse(line));
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

test('a watch on events.k8s.io/v1 sees writes through core/v1, and the reverse', async () => {
  const list = await mustCall('GET', V1);
  const rv = list.metadata.resourceVersion;

  const v1Seen = await watchUntil(
    `${V1}?watch=true&resourceVersion=${rv}`,
    async () => {
      await mustCall('POST', CORE, coreEvent('watched-core', 'seen by v1 watchers'));
      await mustCall('DELETE', `${CORE}/watched-core`);
    },
    (evs) => evs.some((e) => e.type === 'DELETED'),
  );
  assert.deepEqual(v1Seen.map((e) => e.type), ['ADDED', 'DELETED']);
  assert.equal(v1Seen[0].object.apiVersion, 'events.k8s.io/v1');
  assert.equal(v1Seen[0].object.note, 'seen by v1 watchers');
  assert.equal(v1Seen[1].object.metadata.name, 'watched-core');

  const rv2 = (await mustCall('GET', CORE)).metadata.resourceVersion;
  const coreSeen = await watchUntil(
    `${CORE}?watch=true&resourceVersion=${rv2}`,
    async () => {
      await mustCall('POST', V1, v1Event('watched-v1', 'seen by core watchers'));
      const r = await api.call('PATCH', `${V1}/watched-v1`, { note: 'patched through v1' }, { 'Content-Type': 'application/merge-patch+json' });
      assert.equal(r.status, 200, r.text);
    },
    (evs) => evs.length >= 2,
  );
  assert.deepEqual(coreSeen.map((e) => e.type), ['ADDED', 'MODIFIED']);
  assert.equal(coreSeen[0].object.apiVersion, 'v1');
  assert.equal(coreSeen[0].object.message, 'seen by core watchers');
  assert.equal(coreSeen[0].object.reportingComponent, 'example.com/controller');
  assert.equal(coreSeen[1].object.message, 'patched through v1');
});

test('events are stored once, under the core key, with the event TTL', async () => {
  const kv = await api.store.get('/registry/events/default/from-v1');
  assert.ok(kv, 'stored under /registry/events/');
  assert.equal(JSON.parse(kv.value.toString('utf8')).message, 'hello from v1');
  assert.equal(kv.ttlSeconds, EVENT_TTL_SECONDS);
  assert.equal(EVENT_TTL_SECONDS, 3600);
  const core = await api.store.get('/registry/events/default/from-core');
  assert.equal(core?.ttlSeconds, EVENT_TTL_SECONDS, 'updates through events.k8s.io renew the TTL');
  const separate = await api.store.list('/registry/events.events.k8s.io/');
  assert.equal(separate.kvs.length, 0, 'no second copy under the events.k8s.io prefix');
});

test('kubectl events and kubectl describe show events written through events.k8s.io/v1', async () => {
  const cm = await mustCall('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'described' }, data: { a: 'b' } });
  const about = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'described', uid: cm.metadata.uid };
  const ev = v1Event('about-described', 'configuration reloaded', about);
  const { deprecatedSource: _s, deprecatedCount: _c, deprecatedFirstTimestamp: _f, deprecatedLastTimestamp: _l, series: _r, ...fresh } = ev;
  await mustCall('POST', V1, { ...fresh, eventTime: new Date().toISOString().replace(/Z$/, '000Z') });

  const events = await kubectl(['events', '-n', 'default', '--for', 'configmap/described']);
  assert.equal(events.code, 0, events.stderr);
  assert.match(events.stdout, /Synced/);
  assert.match(events.stdout, /Normal\s+Synced\s+ConfigMap\/described\s+configuration reloaded/);
  assert.match(events.stdout, /configuration reloaded/);

  const describe = await kubectl(['describe', 'configmap', 'described', '-n', 'default']);
  assert.equal(describe.code, 0, describe.stderr);
  assert.match(describe.stdout, /Events:\s+Type\s+Reason\s+Age\s+From\s+Message/);
  assert.match(describe.stdout, /Normal\s+Synced\s+\S+\s+example\.com\/controller\s+configuration reloaded/);
});

test('paging through events.k8s.io/v1 follows continue tokens over the shared keys', async () => {
  const names: string[] = [];
  let token = '';
  for (let page = 0; page < 20; page++) {
    const r = await mustCall('GET', `${V1}?limit=1${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    assert.ok(r.items.length <= 1);
    names.push(...r.items.map((e: any) => e.metadata.name));
    token = r.metadata.continue ?? '';
    if (!token) break;
  }
  const all = (await mustCall('GET', CORE)).items.map((e: any) => e.metadata.name);
  assert.ok(all.length >= 3);
  assert.deepEqual(names, all);
});

test('a storage view maps keys, converts values and expires writes after its TTL', async () => {
  const view = new ResourceStorageView(api.store, '/registry/widgets.example.com/', {
    group: '',
    resource: 'events',
    toStorage: (o: any) => ({ ...o, stored: true }),
    fromStorage: (o: any) => ({ ...o, served: true }),
    ttlSeconds: 1,
  });
  const start = await api.store.currentRevision();
  const seen: { type: string; key: string; obj: any }[] = [];
  const handle = view.watch('/registry/widgets.example.com/default/', start, {
    onEvents: (evs) => {
      for (const e of evs) seen.push({ type: e.type, key: e.kv.key, obj: JSON.parse((e.type === 'DELETE' ? e.prevKv : e.kv).value.toString('utf8')) });
    },
    onError: () => {},
  });
  try {
    const created = await view.create('/registry/widgets.example.com/default/short-lived', Buffer.from('{"a":1}'));
    assert.equal(created.key, '/registry/widgets.example.com/default/short-lived');
    const raw = await api.store.get('/registry/events/default/short-lived');
    assert.deepEqual(JSON.parse(raw!.value.toString('utf8')), { a: 1, stored: true });
    assert.equal(raw!.ttlSeconds, 1);
    const deadline = Date.now() + 10_000;
    while (!seen.some((e) => e.type === 'DELETE') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(seen.map((e) => [e.type, e.key]), [
      ['PUT', '/registry/widgets.example.com/default/short-lived'],
      ['DELETE', '/registry/widgets.example.com/default/short-lived'],
    ]);
    assert.deepEqual(seen[0].obj, { a: 1, stored: true, served: true });
    assert.equal(await view.get('/registry/widgets.example.com/default/short-lived'), undefined);
  } finally {
    handle.cancel();
  }
});
