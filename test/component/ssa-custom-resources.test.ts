// Server-side apply on custom resources: created from a CRD at runtime, applied by two
// managers, conflicts, removal by the sole owner, and the status subresource.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.ts';
import { CRONTAB_GROUP, cronTab, cronTabCrd, waitFor } from './crd-fixtures.ts';

let s: TestApiServer;
const base = `/apis/${CRONTAB_GROUP}/v1/namespaces/default/crontabs`;
const APPLY = { 'Content-Type': 'application/apply-patch+yaml' };

before(async () => {
  s = await startTestApiServer();
  const r = await s.call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', cronTabCrd());
  assert.equal(r.status, 201, r.text);
  await waitFor(async () => (await s.call('GET', base)).status === 200, 3000);
});
after(async () => {
  await s.stop();
});

function apply(name: string, body: unknown, query: string, sub = '') {
  return s.call('PATCH', `${base}/${name}${sub}?${query}`, JSON.stringify(body), APPLY);
}

test('custom resources are created by apply and owned field by field', async () => {
  const r = await apply('ct1', cronTab('ct1', { replicas: 2, tags: ['a'] }), 'fieldManager=alice');
  assert.equal(r.status, 201, r.text);
  const e = r.body.metadata.managedFields.find((x: any) => x.manager === 'alice');
  assert.equal(e.operation, 'Apply');
  assert.equal(e.apiVersion, `${CRONTAB_GROUP}/v1`);
  assert.ok(e.fieldsV1['f:spec']['f:replicas']);
  assert.ok(e.fieldsV1['f:spec']['f:cronSpec']);
});

test('a second manager conflicts on a custom resource field unless forced', async () => {
  const bob = { apiVersion: `${CRONTAB_GROUP}/v1`, kind: 'CronTab', metadata: { name: 'ct1' }, spec: { replicas: 3 } };
  const r = await apply('ct1', bob, 'fieldManager=bob');
  assert.equal(r.status, 409, r.text);
  assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
  const forced = await apply('ct1', bob, 'fieldManager=bob&force=true');
  assert.equal(forced.status, 200, forced.text);
  assert.equal(forced.body.spec.replicas, 3);
  assert.equal(forced.body.spec.image, 'my-cron-image', 'alice’s other fields stay');
});

test('a field alice stops applying is removed; status applies through the subresource', async () => {
  const r = await apply('ct1', { apiVersion: `${CRONTAB_GROUP}/v1`, kind: 'CronTab', metadata: { name: 'ct1' }, spec: { cronSpec: '* * * * */5' } }, 'fieldManager=alice');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.spec.image, undefined);
  assert.equal(r.body.spec.tags, undefined);
  assert.equal(r.body.spec.replicas, 3, 'owned by bob');
  const st = await apply('ct1', { apiVersion: `${CRONTAB_GROUP}/v1`, kind: 'CronTab', metadata: { name: 'ct1' }, status: { phase: 'Ready' } }, 'fieldManager=ctl', '/status');
  assert.equal(st.status, 200, st.text);
  assert.equal(st.body.status.phase, 'Ready');
  const e = st.body.metadata.managedFields.find((x: any) => x.manager === 'ctl');
  assert.equal(e.subresource, 'status');
  assert.deepEqual(Object.keys(e.fieldsV1), ['f:status']);
  assert.ok(e.fieldsV1['f:status']['f:phase']);
});
