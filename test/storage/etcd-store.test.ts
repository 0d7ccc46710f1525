import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import { EtcdStore } from '../../src/storage/etcd/etcd-store.ts';
import { isStoreError } from '../../src/storage/store.ts';
import { storeConformance } from './conformance.ts';
import { startEtcd, type EtcdServer } from './etcd-server.ts';

let etcd: EtcdServer;
before(async () => { etcd = await startEtcd(); });
after(async () => { await etcd?.stop(); });

storeConformance('etcd', {
  open: async () => EtcdStore.connect({ endpoints: [etcd.endpoint], compaction: false }),
  close: (store) => store.close(),
});

async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 1}`;
}

test('etcd: an unreachable endpoint fails fast with Unavailable naming the endpoints', async () => {
  const dead = await deadEndpoint();
  const started = Date.now();
  await assert.rejects(openStore({ datastoreEndpoint: dead, compaction: false }), (err) => {
    assert.ok(isStoreError(err, 'Unavailable'), String(err));
    assert.ok(err.message.includes(dead), err.message);
    return true;
  });
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('etcd: several endpoints, one of them down, still serve requests', async () => {
  const dead = await deadEndpoint();
  const store = await openStore({ datastoreEndpoint: `${dead},${etcd.endpoint}`, compaction: false });
  try {
    for (let i = 0; i < 5; i++) {
      const kv = await store.create(`/registry/multi-endpoint/k${i}-${Date.now()}`, Buffer.from('x'));
      assert.ok(kv.modRevision > 0);
    }
  } finally {
    await store.close();
  }
});

test('etcd: a watch ends with Unavailable when etcd goes away', async () => {
  const own = await startEtcd();
  const store = await EtcdStore.connect({ endpoints: [own.endpoint], compaction: false });
  let error: unknown;
  store.watch('/registry/', 0, { onEvents() {}, onError(err) { error = err; } });
  await store.create('/registry/x', Buffer.from('1'));
  await own.stop();
  const deadline = Date.now() + 10_000;
  while (error === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.ok(isStoreError(error, 'Unavailable'), String(error));
  await store.close();
});
