import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyValue, Store, StoreEvent, WatchCallbacks } from '../../../src/storage/store.ts';
import { TooOldResourceVersion, WatchCache, type CacheEvent } from '../../../src/apiserver/watch-cache.ts';

/** Just enough of a store for the cache: an empty list at revision 1 and a watch we drive. */
function drivenStore(): { store: Store; emit(evs: StoreEvent[]): void } {
  let cb: WatchCallbacks | undefined;
  const store = {
    list: async () => ({ kvs: [], revision: 1, more: false }),
    watch: (_p: string, _r: number, callbacks: WatchCallbacks) => {
      cb = callbacks;
      return { cancel() {} };
    },
  } as unknown as Store;
  return { store, emit: (evs) => cb!.onEvents(evs) };
}

const put = (rev: number): StoreEvent => {
  const kv: KeyValue = { key: `/registry/configmaps/default/c${rev}`, value: Buffer.from(JSON.stringify({ metadata: { name: `c${rev}` } })), createRevision: rev, modRevision: rev };
  return { type: 'PUT', kv } as StoreEvent;
};

test('the event window keeps exactly the last windowSize events across many trims', async () => {
  const { store, emit } = drivenStore();
  const cache = new WatchCache(store, '/registry/configmaps/', (kv) => ({ ...JSON.parse(kv.value.toString()), rev: kv.modRevision }), 5);
  await cache.ready();
  let rev = 2;
  for (let batch = 0; batch < 20; batch++) {
    const evs = Array.from({ length: 1 + (batch % 3) }, () => put(rev++));
    emit(evs);
    const last = rev - 1;
    // The oldest watchable revision leaves exactly five events to replay.
    assert.equal(cache.oldestRev, Math.max(1, last - 5));
    const got: CacheEvent[] = [];
    const stop = cache.watch(cache.oldestRev, { events: (e) => got.push(...e), close() {} });
    stop();
    assert.deepEqual(got.map((e) => e.rev), Array.from({ length: Math.min(5, last - 1) }, (_, i) => last - Math.min(5, last - 1) + 1 + i));
    if (cache.oldestRev > 1) assert.throws(() => cache.watch(cache.oldestRev - 1, { events() {}, close() {} }), TooOldResourceVersion);
  }
});
