import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { configFromParts } from '../../../src/client/kubeconfig.ts';
import { RestClient } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';
import { EventRecorder, type CoreEvent } from '../../../src/client/event-recorder.ts';
import { FakeApiServer } from './fake-apiserver.ts';

let server: FakeApiServer;
let client: RestClient;

beforeEach(async () => {
  server = await FakeApiServer.start();
  client = new RestClient(configFromParts({ server: server.url }), { component: 'events-test' });
});
afterEach(async () => {
  client.close();
  await server.close();
});

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'ns1', uid: 'uid-1', resourceVersion: '42' } };

async function events(namespace = 'ns1'): Promise<CoreEvent[]> {
  return (await client.list<CoreEvent>(resources.events, { namespace })).items;
}

test('an event is recorded with involvedObject, source, type, reason, message, timestamps and count', async () => {
  const rec = new EventRecorder({ client, component: 'default-scheduler', host: 'node-a' });
  rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned ns1/web-1 to node-a');
  await rec.flush();
  const [ev, ...rest] = await events();
  assert.equal(rest.length, 0);
  assert.match(ev.metadata.name, /^web-1\.[0-9a-f]+$/);
  assert.equal(ev.metadata.namespace, 'ns1');
  assert.deepEqual(ev.involvedObject, { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'ns1', uid: 'uid-1', resourceVersion: '42' });
  assert.equal(ev.reason, 'Scheduled');
  assert.equal(ev.type, 'Normal');
  assert.equal(ev.message, 'Successfully assigned ns1/web-1 to node-a');
  assert.deepEqual(ev.source, { component: 'default-scheduler', host: 'node-a' });
  assert.equal(ev.reportingComponent, 'default-scheduler');
  assert.equal(ev.reportingInstance, 'node-a');
  assert.equal(ev.count, 1);
  assert.match(ev.firstTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(ev.lastTimestamp, ev.firstTimestamp);
});

test('a repeated event patches count and lastTimestamp of the first instead of creating another', async () => {
  const rec = new EventRecorder({ client, component: 'kubelet', host: 'n1' });
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await rec.flush();
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  rec.event(pod, 'Warning', 'BackOff', 'Back-off restarting failed container');
  await rec.flush();
  const list = await events();
  assert.equal(list.length, 1);
  assert.equal(list[0].count, 3);
  assert.deepEqual(rec.stats, { created: 1, patched: 2, dropped: 0, failed: 0 });
  const patches = server.requests.filter((r) => r.method === 'PATCH');
  assert.equal(patches.length, 2);
  assert.equal(patches[0].headers['content-type'], 'application/strategic-merge-patch+json');
  assert.deepEqual(Object.keys(JSON.parse(patches[1].body)).sort(), ['count', 'lastTimestamp', 'message']);
});

test('events with a different message are recorded separately; cluster-scoped objects get events in default', async () => {
  const rec = new EventRecorder({ client, component: 'node-controller' });
  rec.event(pod, 'Normal', 'Pulled', 'image a');
  rec.event(pod, 'Normal', 'Pulled', 'image b');
  rec.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n-uid' } }, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
  await rec.flush();
  assert.equal((await events()).length, 2);
  const [nodeEvent] = await events('default');
  assert.equal(nodeEvent.involvedObject.kind, 'Node');
  assert.deepEqual(nodeEvent.source, { component: 'node-controller' });
});

test('recording never throws into the caller when the server fails', async () => {
  const errors: unknown[] = [];
  const rec = new EventRecorder({ client, component: 'c', onError: (e) => errors.push(e) });
  server.injectFailure({ method: 'POST', urlIncludes: '/events', code: 500, reason: 'InternalError' });
  assert.doesNotThrow(() => rec.event(pod, 'Warning', 'Failed', 'x'));
  assert.doesNotThrow(() => rec.event({} as any, 'Warning', 'Failed', 'no name'));
  await rec.flush();
  assert.equal(errors.length, 1);
  assert.equal(rec.stats.failed, 1);
});

test('a burst of distinct events about one object is cut off by the per-object rate limit', async () => {
  const rec = new EventRecorder({ client, component: 'c', perObjectBurst: 3 });
  for (let i = 0; i < 5; i++) rec.event(pod, 'Normal', 'Tick', `tick ${i}`);
  rec.event({ ...pod, metadata: { ...pod.metadata, name: 'other', uid: 'u2' } }, 'Normal', 'Tick', 'other object');
  await rec.flush();
  assert.equal(rec.stats.dropped, 2);
  assert.equal((await events()).length, 4);
});

test('an aggregated event whose original is gone is created again with its count', async () => {
  const rec = new EventRecorder({ client, component: 'c' });
  rec.event(pod, 'Normal', 'Same', 'same');
  await rec.flush();
  const [first] = await events();
  await client.delete(resources.events, first.metadata.name, { namespace: 'ns1' });
  rec.event(pod, 'Normal', 'Same', 'same');
  await rec.flush();
  const [again] = await events();
  assert.equal(again.count, 2);
  assert.equal(again.firstTimestamp, first.firstTimestamp);
});
