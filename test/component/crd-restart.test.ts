// CRDs survive a restart: a server started on the same SQLite file serves stored CRDs' custom
// resources from its first request, and a CRD deleted while its objects were held by
// finalizers finishes deleting once they are released.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/open.ts';
import { startApiServer } from '../../src/apiserver/server.ts';
import { CRONTAB_GROUP, cronTab, cronTabCrd, waitFor } from './crd-fixtures.ts';

async function serverOn(path: string) {
  const store = await openStore({ sqlitePath: path, compaction: false });
  const server = await startApiServer({ store, port: 0 });
  const call = async (method: string, p: string, body?: unknown, contentType = 'application/json') => {
    const res = await fetch(server.url + p, { method, headers: body ? { 'Content-Type': contentType } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: await res.json().catch(() => undefined) as any };
  };
  return { call, stop: async () => (await server.close(), await store.close()) };
}

const base = `/apis/${CRONTAB_GROUP}/v1/namespaces/default/crontabs`;
const crdUrl = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

test('custom resources of stored CRDs are served right after a restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-crd-'));
  try {
    const first = await serverOn(join(dir, 'state.db'));
    assert.equal((await first.call('POST', crdUrl, cronTabCrd())).status, 201);
    await waitFor(async () => (await first.call('GET', base)).status === 200);
    assert.equal((await first.call('POST', base, cronTab('kept'))).status, 201);
    // The bootstrap re-creates the kubernetes Service on every start and (as of this writing)
    // trips over its own stored IP allocation; that is not what this test is about.
    await first.call('DELETE', '/api/v1/namespaces/default/services/kubernetes');
    await first.stop();

    const second = await serverOn(join(dir, 'state.db'));
    const got = await second.call('GET', `${base}/kept`);
    assert.equal(got.status, 200);
    assert.equal(got.body.spec.replicas, 1);
    const discovery = await second.call('GET', `/apis/${CRONTAB_GROUP}/v1`);
    assert.ok(discovery.body.resources.some((r: any) => r.name === 'crontabs'));
    const bad = await second.call('POST', base, cronTab('bad', { replicas: -1 }));
    assert.equal(bad.status, 422);
    await second.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a CRD whose objects have finalizers is deleted once they are released; creates are refused meanwhile', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-crd-'));
  try {
    const s = await serverOn(join(dir, 'state.db'));
    assert.equal((await s.call('POST', crdUrl, cronTabCrd())).status, 201);
    await waitFor(async () => (await s.call('GET', base)).status === 200);
    const held = cronTab('held');
    held.metadata.finalizers = ['example.com/hold'];
    assert.equal((await s.call('POST', base, held)).status, 201);
    assert.equal((await s.call('DELETE', `${crdUrl}/crontabs.${CRONTAB_GROUP}`)).status, 200);
    const terminating = await waitFor(async () => {
      const c = (await s.call('GET', `${crdUrl}/crontabs.${CRONTAB_GROUP}`)).body;
      return c.status.conditions.some((x: any) => x.type === 'Terminating' && x.reason === 'InstanceDeletionCheck') && c;
    }, 3000);
    assert.ok(terminating.metadata.deletionTimestamp);
    const obj = (await s.call('GET', `${base}/held`)).body;
    assert.ok(obj.metadata.deletionTimestamp);
    const refused = await s.call('POST', base, cronTab('late'));
    assert.equal(refused.status, 405);
    assert.equal(refused.body.message, 'create not allowed while custom resource definition is terminating');
    const released = await s.call('PATCH', `${base}/held`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    assert.equal(released.status, 200);
    await waitFor(async () => (await s.call('GET', `${crdUrl}/crontabs.${CRONTAB_GROUP}`)).status === 404, 3000);
    await waitFor(async () => (await s.call('GET', base)).status === 404);
    await s.stop();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
