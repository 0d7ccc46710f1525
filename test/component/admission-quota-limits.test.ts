// ResourceQuota and LimitRanger admission in the API server.

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

const pod = (name: string, resources?: any) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', ...(resources ? { resources } : {}) }] },
});

async function namespace(name: string): Promise<void> {
  assert.equal((await s.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } })).status, 201);
}

/** A quota whose status a controller would have filled; no controller runs in this test. */
async function quota(ns: string, hard: Record<string, string>, used: Record<string, string>): Promise<void> {
  const q = await s.call('POST', `/api/v1/namespaces/${ns}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard } });
  assert.equal(q.status, 201);
  const st = await s.call('PUT', `/api/v1/namespaces/${ns}/resourcequotas/q/status`, { ...q.body, status: { hard, used } });
  assert.equal(st.status, 200, JSON.stringify(st.body));
}

test('a pod over the quota is refused with 403 and upstream message; admitted pods are charged', async () => {
  await namespace('quota-pods');
  await quota('quota-pods', { pods: '2', 'requests.cpu': '1' }, { pods: '0', 'requests.cpu': '0' });
  assert.equal((await s.call('POST', '/api/v1/namespaces/quota-pods/pods', pod('a', { requests: { cpu: '400m' } }))).status, 201);
  const charged = (await s.call('GET', '/api/v1/namespaces/quota-pods/resourcequotas/q')).body;
  assert.deepEqual(charged.status.used, { pods: '1', 'requests.cpu': '400m' });
  const tooMuchCpu = await s.call('POST', '/api/v1/namespaces/quota-pods/pods', pod('b', { requests: { cpu: '700m' } }));
  assert.equal(tooMuchCpu.status, 403);
  assert.equal(tooMuchCpu.body.reason, 'Forbidden');
  assert.equal(tooMuchCpu.body.message, 'pods "b" is forbidden: exceeded quota: q, requested: requests.cpu=700m, used: requests.cpu=400m, limited: requests.cpu=1');
  assert.equal((await s.call('POST', '/api/v1/namespaces/quota-pods/pods', pod('c', { requests: { cpu: '100m' } }))).status, 201);
  const third = await s.call('POST', '/api/v1/namespaces/quota-pods/pods', pod('d', { requests: { cpu: '1m' } }));
  assert.equal(third.status, 403);
  assert.match(third.body.message, /exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2/);
});

test('object counts are enforced; a quota without status refuses with "status unknown"', async () => {
  await namespace('quota-counts');
  await quota('quota-counts', { configmaps: '1', 'count/deployments.apps': '0' }, { configmaps: '0', 'count/deployments.apps': '0' });
  const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
  assert.equal((await s.call('POST', '/api/v1/namespaces/quota-counts/configmaps', cm('one'))).status, 201);
  assert.equal((await s.call('POST', '/api/v1/namespaces/quota-counts/configmaps', cm('two'))).status, 403);
  const dep = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } },
  };
  const refused = await s.call('POST', '/apis/apps/v1/namespaces/quota-counts/deployments', dep);
  assert.equal(refused.status, 403);
  assert.match(refused.body.message, /^deployments.apps "d" is forbidden: exceeded quota: q/);
  await namespace('quota-unknown');
  await s.call('POST', '/api/v1/namespaces/quota-unknown/resourcequotas', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '5' } } });
  const unknown = await s.call('POST', '/api/v1/namespaces/quota-unknown/pods', pod('x'));
  assert.equal(unknown.status, 403);
  assert.match(unknown.body.message, /status unknown for quota: q, resources: pods/);
});

test('LimitRange defaults container requests and limits and refuses what is out of range', async () => {
  await namespace('limits');
  const lr = await s.call('POST', '/api/v1/namespaces/limits/limitranges', {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: 'lr' },
    spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '200m' }, min: { cpu: '100m' }, max: { cpu: '1' } }] },
  });
  assert.equal(lr.status, 201);
  const defaulted = await s.call('POST', '/api/v1/namespaces/limits/pods', pod('d'));
  assert.equal(defaulted.status, 201);
  assert.deepEqual(defaulted.body.spec.containers[0].resources, { limits: { cpu: '500m' }, requests: { cpu: '200m' } });
  const small = await s.call('POST', '/api/v1/namespaces/limits/pods', pod('s', { requests: { cpu: '50m' }, limits: { cpu: '50m' } }));
  assert.equal(small.status, 403);
  assert.equal(small.body.message, 'pods "s" is forbidden: minimum cpu usage per Container is 100m, but request is 50m');
  const big = await s.call('POST', '/api/v1/namespaces/limits/pods', pod('b', { limits: { cpu: '2' } }));
  assert.equal(big.status, 403);
  assert.match(big.body.message, /maximum cpu usage per Container is 1, but limit is 2/);
});

test('Priority admission sets spec.priority from the PriorityClass and refuses an unknown class', async () => {
  const pc = await s.call('POST', '/apis/scheduling.k8s.io/v1/priorityclasses', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000, preemptionPolicy: 'Never' });
  assert.equal(pc.status, 201);
  await namespace('prio');
  const p = await s.call('POST', '/api/v1/namespaces/prio/pods', { ...pod('p'), spec: { ...pod('p').spec, priorityClassName: 'high' } });
  assert.equal(p.status, 201);
  assert.equal(p.body.spec.priority, 1000);
  assert.equal(p.body.spec.preemptionPolicy, 'Never');
  const crit = await s.call('POST', '/api/v1/namespaces/prio/pods', { ...pod('c'), spec: { ...pod('c').spec, priorityClassName: 'system-node-critical' } });
  assert.equal(crit.body.spec.priority, 2000001000);
  const missing = await s.call('POST', '/api/v1/namespaces/prio/pods', { ...pod('m'), spec: { ...pod('m').spec, priorityClassName: 'nope' } });
  assert.equal(missing.status, 403);
  assert.equal(missing.body.message, 'pods "m" is forbidden: no PriorityClass with name nope was found');
});
