// The same client, informer, event recorder and leader election, against the real API server
// (temp SQLite file, plain HTTP on loopback) rather than the fake: the protocol must match.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { isStatusError } from '../../../src/api/errors.ts';
import { configFromParts } from '../../../src/client/kubeconfig.ts';
import { RestClient } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';
import { SharedIndexInformer } from '../../../src/client/cache/shared-informer.ts';
import { DeletedFinalStateUnknown } from '../../../src/client/cache/deleted-final-state-unknown.ts';
import { EventRecorder, type CoreEvent } from '../../../src/client/event-recorder.ts';
import { LeaderElector, type Lease } from '../../../src/client/leader-election.ts';
import { startTestApiServer, type TestApiServer } from '../../helpers/apiserver.ts';
import { waitFor } from './wait-for.ts';

type ConfigMap = { apiVersion?: string; kind?: string; metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string; labels?: Record<string, string> }; data?: Record<string, string> };

let s: TestApiServer;
let client: RestClient;

before(async () => {
  s = await startTestApiServer();
  client = new RestClient(configFromParts({ server: s.url }), { component: 'client-test' });
  await client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ct' } });
});
after(async () => {
  client.close();
  await s.stop();
});

const cm = (name: string, data: Record<string, string> = {}): ConfigMap => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ct' }, data });

test('REST verbs and Status errors against the real API server', async () => {
  const created = await client.create(resources.configmaps, cm('one', { a: '1' }));
  assert.ok(created.metadata.uid);
  const err = await client.get(resources.configmaps, 'missing', { namespace: 'ct' }).catch((e) => e);
  assert.ok(isStatusError(err, 'NotFound'));
  assert.equal(err.message, 'configmaps "missing" not found');
  const stale = await client.update(resources.configmaps, { ...created, data: { a: '2' } }).then(() => client.update(resources.configmaps, { ...created, data: { a: '3' } })).catch((e) => e);
  assert.ok(isStatusError(stale, 'Conflict'));
  const merged = await client.patch<ConfigMap>(resources.configmaps, 'one', 'merge', { data: { b: '2' } }, { namespace: 'ct' });
  assert.deepEqual(merged.data, { a: '2', b: '2' });
  const strategic = await client.patch<ConfigMap>(resources.configmaps, 'one', 'strategic', { data: { c: '3' } }, { namespace: 'ct' });
  assert.equal(strategic.data?.c, '3');
  const json = await client.patch<ConfigMap>(resources.configmaps, 'one', 'json', [{ op: 'remove', path: '/data/a' }], { namespace: 'ct' });
  assert.equal(json.data?.a, undefined);
  for (let i = 0; i < 5; i++) await client.create(resources.configmaps, { ...cm(`page-${i}`), metadata: { name: `page-${i}`, namespace: 'ct', labels: { paged: 'yes' } } });
  const first = await client.list<ConfigMap>(resources.configmaps, { namespace: 'ct', labelSelector: 'paged=yes', limit: 2 });
  assert.equal(first.items.length, 2);
  assert.ok(first.metadata.continue);
  const second = await client.list<ConfigMap>(resources.configmaps, { namespace: 'ct', labelSelector: 'paged=yes', limit: 2, continue: first.metadata.continue });
  assert.deepEqual(second.items.map((i) => i.metadata.name), ['page-2', 'page-3']);
  await client.deleteCollection(resources.configmaps, { namespace: 'ct', labelSelector: 'paged=yes' });
  assert.equal((await client.list(resources.configmaps, { namespace: 'ct', labelSelector: 'paged=yes' })).items.length, 0);
  await client.delete(resources.configmaps, 'one', { namespace: 'ct', propagationPolicy: 'Background' });
});

// The API server does not serve server-side apply yet; this turns green when it does.
test('server-side apply creates through the client against the real API server', async () => {
  const applied = await client.patch<ConfigMap>(resources.configmaps, 'applied', 'apply', cm('applied', { z: '1' }), { namespace: 'ct', fieldManager: 'client-test', force: true });
  assert.equal(applied.data?.z, '1');
});

test('an informer against the real API server sees add, update and delete and ends equal to a fresh list', async () => {
  const inf = new SharedIndexInformer<ConfigMap>({ client, resource: resources.configmaps, namespace: 'ct', backoff: { initialMs: 10, maxMs: 100 } });
  const seen: string[] = [];
  inf.addEventHandler({
    onAdd: (o) => seen.push(`add ${o.metadata.name}`),
    onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`),
    onDelete: (o) => seen.push(`delete ${o instanceof DeletedFinalStateUnknown ? o.key : o.metadata.name}`),
  });
  inf.run();
  try {
    assert.equal(await inf.waitForSync(), true);
    seen.length = 0;
    const a = await client.create(resources.configmaps, cm('inf-a'));
    await client.update(resources.configmaps, { ...a, data: { x: 'y' } });
    await client.delete(resources.configmaps, 'inf-a', { namespace: 'ct' });
    await waitFor(() => seen.length === 3, 'three events');
    assert.deepEqual(seen, ['add inf-a', 'update inf-a', 'delete inf-a']);
    const fresh = await client.list<ConfigMap>(resources.configmaps, { namespace: 'ct' });
    await waitFor(() => inf.indexer.size === fresh.items.length, 'cache matches the list');
    assert.deepEqual(inf.indexer.listKeys().sort(), fresh.items.map((i) => `ct/${i.metadata.name}`).sort());
  } finally {
    await inf.stop();
  }
});

test('events are recorded and aggregated against the real API server', async () => {
  const rec = new EventRecorder({ client, component: 'client-test', host: 'h1' });
  const subject = await client.create(resources.configmaps, cm('evented'));
  rec.event({ ...subject, apiVersion: 'v1', kind: 'ConfigMap' }, 'Normal', 'Touched', 'touched it');
  await rec.flush();
  rec.event({ ...subject, apiVersion: 'v1', kind: 'ConfigMap' }, 'Normal', 'Touched', 'touched it');
  await rec.flush();
  assert.equal(rec.stats.failed, 0);
  const list = await client.list<CoreEvent>(resources.events, { namespace: 'ct' });
  const ours = list.items.filter((e) => e.involvedObject.name === 'evented');
  assert.equal(ours.length, 1);
  assert.equal(ours[0].count, 2);
});

test('leader election hands over between two candidates against the real API server', async () => {
  const log: string[] = [];
  const mk = (id: string) =>
    new LeaderElector({
      client, namespace: 'ct', name: 'lock', identity: id,
      leaseDurationMs: 1000, renewDeadlineMs: 400, retryPeriodMs: 100,
      onStartedLeading: () => {
        log.push(`${id} started`);
      },
      onError: () => {},
    });
  const a = mk('a');
  const runA = a.run();
  await waitFor(() => log.includes('a started'), 'a leads');
  const b = mk('b');
  const runB = b.run();
  await new Promise((r) => setTimeout(r, 250));
  assert.deepEqual(log, ['a started']);
  await a.stop();
  await runA;
  await waitFor(() => log.includes('b started'), 'b takes over');
  const lease = await client.get<Lease>(resources.leases, 'lock', { namespace: 'ct' });
  assert.equal(lease.spec?.holderIdentity, 'b');
  assert.equal(lease.spec?.leaseTransitions, 1);
  await b.stop();
  await runB;
});
