// Updates start from the watch cache's copy of the object; when that copy lags the store, the
// write's revision precondition catches it and the update is redone from the store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/storage/open.ts';
import type { KeyValue, ListOptions, Store, StoreEvent, WatchCallbacks, WatchHandle, WriteOptions } from '../../src/storage/store.ts';
import { builtinResources } from '../../src/apiserver/builtin-resources.ts';
import { GenericStore } from '../../src/apiserver/registry/generic-store.ts';
import { internalContext } from '../../src/apiserver/registry/context.ts';
import { encodeForStore } from '../../src/apiserver/registry/object-codec.ts';

/** The real store, except that watch events wait while `holding` (a watch cache that lags). */
class LaggingWatchStore implements Store {
  holding = false;
  private held: (() => void)[] = [];
  constructor(private readonly inner: Store) {}
  release(): void {
    this.holding = false;
    for (const f of this.held.splice(0)) f();
  }
  currentRevision() { return this.inner.currentRevision(); }
  get(key: string) { return this.inner.get(key); }
  list(prefix: string, opts?: ListOptions) { return this.inner.list(prefix, opts); }
  count(prefix: string) { return this.inner.count(prefix); }
  create(key: string, value: Buffer, opts?: WriteOptions) { return this.inner.create(key, value, opts); }
  update(key: string, value: Buffer, rev: number, opts?: WriteOptions) { return this.inner.update(key, value, rev, opts); }
  delete(key: string, rev?: number) { return this.inner.delete(key, rev); }
  watch(prefix: string, after: number, cb: WatchCallbacks): WatchHandle {
    return this.inner.watch(prefix, after, {
      onEvents: (evs: StoreEvent[]) => (this.holding ? this.held.push(() => cb.onEvents(evs)) : cb.onEvents(evs)),
      onError: (e) => cb.onError(e),
    });
  }
  compact(rev: number) { return this.inner.compact(rev); }
  compactedRevision() { return this.inner.compactedRevision(); }
  close() { return this.inner.close(); }
}

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-stale-cache-'));
  const inner = await openStore({ sqlitePath: join(dir, 'state.db') });
  const store = new LaggingWatchStore(inner);
  const def = builtinResources().find((d) => d.resource === 'configmaps' && d.group === '')!;
  const configmaps = new GenericStore(def, store);
  await configmaps.cache.ready();
  const ctx = internalContext();
  await configmaps.create('default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: '1' } }, ctx);
  // The cache has the object; now it stops hearing about changes while someone else writes.
  for (let i = 0; i < 100 && !configmaps.cache.get('/registry/configmaps/default/cm'); i++) await new Promise((r) => setTimeout(r, 10));
  store.holding = true;
  const kv = (await inner.get('/registry/configmaps/default/cm')) as KeyValue;
  const theirs = JSON.parse(kv.value.toString());
  theirs.data = { a: '2', other: 'x' };
  await inner.update(kv.key, encodeForStore(theirs), kv.modRevision);
  const stop = async () => {
    store.release();
    configmaps.cache.stop();
    await inner.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { configmaps, inner, ctx, stop };
}

test('a patch computed on a lagging watch-cache copy is redone on the stored object', async () => {
  const { configmaps, inner, ctx, stop } = await setup();
  try {
    const seen: string[] = [];
    const out = await configmaps.patch('default', 'cm', (cur) => {
      seen.push(cur.data.a);
      cur.data.b = 'mine';
      return cur;
    }, ctx);
    assert.deepEqual(seen, ['1', '2'], 'first from the cache, then from the store');
    assert.deepEqual(out.data, { a: '2', other: 'x', b: 'mine' });
    const stored = JSON.parse((await inner.get('/registry/configmaps/default/cm'))!.value.toString());
    assert.deepEqual(stored.data, { a: '2', other: 'x', b: 'mine' });
  } finally {
    await stop();
  }
});

test('a change that looks like a no-op against a lagging copy is still written', async () => {
  const { configmaps, inner, ctx, stop } = await setup();
  try {
    // Against the cache's copy (a: '1', no other) this changes nothing; against the store it does.
    await configmaps.patch('default', 'cm', (cur) => ({ ...cur, data: { a: '1' } }), ctx);
    const stored = JSON.parse((await inner.get('/registry/configmaps/default/cm'))!.value.toString());
    assert.deepEqual(stored.data, { a: '1' });
  } finally {
    await stop();
  }
});

test('a resourceVersion precondition is checked against the store, not a lagging copy', async () => {
  const { configmaps, inner, ctx, stop } = await setup();
  try {
    const current = (await inner.get('/registry/configmaps/default/cm'))!;
    const input = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', resourceVersion: String(current.modRevision) }, data: { a: '3' } };
    const { obj } = await configmaps.update('default', 'cm', input, ctx);
    assert.deepEqual(obj.data, { a: '3' });
    const stale = { ...input, metadata: { name: 'cm', resourceVersion: String(current.modRevision) } };
    await assert.rejects(configmaps.update('default', 'cm', stale, ctx), (e: any) => e.code === 409);
  } finally {
    await stop();
  }
});
