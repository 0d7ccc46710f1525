// The watch cache keeps the object a write was made from instead of parsing its JSON back,
// and updates start from the cached object without changing it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/open.ts';
import { builtinResources } from '../../src/apiserver/builtin-resources.ts';
import { GenericStore } from '../../src/apiserver/registry/generic-store.ts';
import { internalContext } from '../../src/apiserver/registry/context.ts';
import { storedObject, encodeForStore } from '../../src/apiserver/registry/object-codec.ts';

const KEY = '/registry/configmaps/default/cm';

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-shared-'));
  const store = await openStore({ sqlitePath: join(dir, 'state.db') });
  const def = builtinResources().find((d) => d.resource === 'configmaps' && d.group === '')!;
  const configmaps = new GenericStore(def, store);
  await configmaps.cache.ready();
  return {
    configmaps,
    stop: async () => {
      configmaps.cache.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function cached(configmaps: GenericStore, rv: string) {
  for (let i = 0; i < 200; i++) {
    const e = configmaps.cache.get(KEY);
    if (e?.obj.metadata.resourceVersion === rv) return e;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`the cache never reached resourceVersion ${rv}`);
}

test('storedObject hands back the encoded object with its resourceVersion, and JSON equal to it', () => {
  const obj: any = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1' } };
  const bytes = encodeForStore(obj);
  const known = storedObject(bytes, '12')!;
  assert.equal(known.obj, obj);
  assert.equal(obj.metadata.resourceVersion, '12');
  assert.deepEqual(JSON.parse(known.json), obj);
  assert.equal(storedObject(Buffer.from(bytes), '12'), undefined, 'a copy of the bytes was not encoded here');
});

test('the cache holds the created object itself, and its JSON matches it', async () => {
  const { configmaps, stop } = await setup();
  try {
    const created = await configmaps.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } }, internalContext());
    const entry = await cached(configmaps, created.metadata.resourceVersion);
    assert.equal(entry.obj, created);
    assert.deepEqual(JSON.parse(entry.json()), created);
  } finally {
    await stop();
  }
});

test('an update from the cached object leaves that object as it was', async () => {
  const { configmaps, stop } = await setup();
  try {
    const created = await configmaps.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } }, internalContext());
    const before = await cached(configmaps, created.metadata.resourceVersion);
    const snapshot = JSON.parse(before.json());
    const { obj: updated } = await configmaps.guaranteedUpdate('default', 'cm', internalContext(), '', (cur: any) => {
      cur.data.a = '2';
      cur.data.b = '3';
      return cur;
    });
    assert.deepEqual(before.obj, snapshot, 'the cached object was changed by the update');
    assert.notEqual(updated, before.obj);
    const after = await cached(configmaps, updated.metadata.resourceVersion);
    assert.equal(after.obj, updated);
    assert.deepEqual(after.obj.data, { a: '2', b: '3' });
  } finally {
    await stop();
  }
});
