// The SQLite store's writer: a worker thread for files, the main thread for ':memory:'.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SqliteStore, killWriterThread, writerThreadStarted } from '../../src/storage/sqlite/sqlite-store.ts';
import { isStoreError, type KeyValue, type StoreError, type StoreEvent } from '../../src/storage/store.ts';
import { recordWatch, storeConformance } from './conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const v = (s: string) => Buffer.from(s);
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

async function openWithThread(): Promise<{ store: SqliteStore; path: string }> {
  const path = join(dir, `store${++n}.db`);
  const store = SqliteStore.open({ path, compaction: false, writerThread: true });
  await writerThreadStarted(store);
  return { store, path };
}

/**
 * Writes a first wave, lets it go to the writer, then writes a second wave (with a stale
 * update and a duplicate create among it) and a third while the first ones are being committed.
 */
async function pipelinedWritesStayInOrder(store: SqliteStore, committedInThread: boolean): Promise<void> {
  const p = `/registry/pipeline${++n}/`;
  const seen: StoreEvent[] = [];
  const handle = store.watch(p, await store.currentRevision(), {
    onEvents: (events) => seen.push(...events),
    onError: (err) => { watchError = err; },
  });
  let watchError: StoreError | undefined;
  const base = await store.currentRevision();
  const acked: KeyValue[] = [];
  const write = (promise: Promise<KeyValue>) => promise.then((kv) => {
    assert.ok(seen.some((e) => e.kv.modRevision === kv.modRevision), `revision ${kv.modRevision} was acknowledged before watchers saw it`);
    acked.push(kv);
    return kv;
  });

  const first = Array.from({ length: 30 }, (_, i) => write(store.create(`${p}a${i}`, v(`a${i}`))));
  await nextTurn(); // the first wave is now with the writer
  if (!committedInThread) assert.equal(acked.length, 0, 'the first wave is still being committed');
  const stale = assert.rejects(store.update(`${p}a0`, v('stale'), base), (err) => {
    assert.ok(isStoreError(err, 'Conflict'), String(err));
    assert.equal(err.current?.modRevision, base + 1);
    assert.equal(err.current?.value.toString(), 'a0');
    return true;
  });
  const duplicate = assert.rejects(store.create(`${p}a1`, v('again')), (err) => {
    assert.ok(isStoreError(err, 'KeyExists'), String(err));
    assert.equal(err.current?.modRevision, base + 2);
    return true;
  });
  const second = Array.from({ length: 30 }, (_, i) => write(store.create(`${p}b${i}`, v(`b${i}`))));
  await nextTurn();
  const third = Array.from({ length: 30 }, (_, i) => write(store.create(`${p}c${i}`, v(`c${i}`))));

  const revisions = (await Promise.all([...first, ...second, ...third])).map((kv) => kv.modRevision);
  assert.deepEqual(revisions, Array.from({ length: 90 }, (_, i) => base + 1 + i), 'dense revisions in the order written');
  assert.deepEqual(acked.map((kv) => kv.modRevision), revisions, 'acknowledged in order');
  await stale;
  await duplicate;
  assert.deepEqual(seen.map((e) => e.kv.modRevision), revisions, 'watchers saw every event once, in order');
  assert.equal(await store.currentRevision(), base + 90);
  assert.equal(watchError, undefined);
  handle.cancel();
}

test('sqlite writer thread: writes made while a batch is committed stay in revision order, and watchers see each before it resolves', async () => {
  const { store } = await openWithThread();
  try {
    await pipelinedWritesStayInOrder(store, false);
  } finally {
    await store.close();
  }
});

test('sqlite :memory: store: writes made while a batch is committed stay in revision order, and watchers see each before it resolves', async () => {
  const store = SqliteStore.open({ path: ':memory:', compaction: false });
  try {
    assert.throws(() => writerThreadStarted(store), /no writer thread/);
    await pipelinedWritesStayInOrder(store, true);
    const kv = await store.create('/registry/mem/x', v('1'));
    const updated = await store.update('/registry/mem/x', v('2'), kv.modRevision, { ttlSeconds: 30 });
    assert.equal(updated.ttlSeconds, 30);
    const deleted = await store.delete('/registry/mem/x', updated.modRevision);
    assert.equal(deleted.value.toString(), '2');
    assert.equal(await store.get('/registry/mem/x'), undefined);
  } finally {
    await store.close();
  }
});

test('sqlite store with writerThread: false commits a file on this thread', async () => {
  const path = join(dir, `store${++n}.db`);
  const store = SqliteStore.open({ path, compaction: false, writerThread: false });
  try {
    assert.throws(() => writerThreadStarted(store), /no writer thread/);
    await pipelinedWritesStayInOrder(store, true);
  } finally {
    await store.close();
  }
});

test('sqlite writer thread: writes made before the thread has started and after it share one dense revision sequence', async () => {
  const path = join(dir, `store${++n}.db`);
  const store = SqliteStore.open({ path, compaction: false, writerThread: true });
  const early = await Promise.all(Array.from({ length: 10 }, (_, i) => store.create(`/registry/handoff/e${i}`, v('e'))));
  await writerThreadStarted(store);
  const late = await Promise.all(Array.from({ length: 10 }, (_, i) => store.create(`/registry/handoff/l${i}`, v('l'))));
  const revisions = [...early, ...late].map((kv) => kv.modRevision);
  assert.deepEqual(revisions, Array.from({ length: 20 }, (_, i) => revisions[0] + i));
  await store.close();
  const reopened = SqliteStore.open({ path, compaction: false });
  try {
    assert.equal(await reopened.count('/registry/handoff/'), 20);
    assert.equal(await reopened.currentRevision(), revisions[19]);
  } finally {
    await reopened.close();
  }
});

test('sqlite writer thread: a read does not see a write the thread has committed until it is acknowledged', async () => {
  const { store, path } = await openWithThread();
  const observer = new Database(path, { readonly: true });
  try {
    const p = '/registry/unacked/';
    const first = await store.create(`${p}k`, v('1'));
    await new Promise((resolve) => setTimeout(resolve, 20)); // nothing in flight: the next batch goes at the next turn
    const updating = store.update(`${p}k`, v('2'), first.modRevision);
    const creating = store.create(`${p}new`, v('n'));
    await nextTurn(); // the batch is with the thread
    // Block this thread (so no answer can be handled) until the batch is in the file.
    const committed = observer.prepare('SELECT COUNT(*) FROM kine WHERE name = ?').pluck();
    const deadline = Date.now() + 10_000;
    while (committed.get(`${p}new`) === 0 && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    assert.equal(committed.get(`${p}new`), 1, 'the thread committed the batch');
    const [got, count] = await Promise.all([store.get(`${p}k`), store.count(p)]);
    assert.equal(got?.value.toString(), '1');
    assert.equal(got?.modRevision, first.modRevision);
    assert.equal(count, 1);
    const updated = await updating;
    await creating;
    assert.equal((await store.get(`${p}k`))?.modRevision, updated.modRevision);
    assert.equal(await store.count(p), 2);
  } finally {
    observer.close();
    await store.close();
  }
});

test('sqlite writer thread: close() commits the writes queued and in flight, settles every promise, and refuses later ones', async () => {
  const { store, path } = await openWithThread();
  const inFlight = Array.from({ length: 25 }, (_, i) => store.create(`/registry/closing/f${i}`, v('f')));
  await nextTurn();
  const queued = Array.from({ length: 25 }, (_, i) => store.create(`/registry/closing/q${i}`, v('q')));
  const closed = store.close();
  const lateRefused = assert.rejects(store.create('/registry/closing/late', v('late')), (err) => isStoreError(err, 'Unavailable') && /is closed/.test(err.message));
  const results = await Promise.allSettled([...inFlight, ...queued]);
  assert.deepEqual(results.map((r) => r.status), results.map(() => 'fulfilled'));
  await lateRefused;
  await closed;
  await assert.rejects(store.get('/registry/closing/f0'), (err) => isStoreError(err, 'Unavailable'));
  await assert.rejects(store.create('/registry/closing/after', v('x')), (err) => isStoreError(err, 'Unavailable'));

  const reopened = SqliteStore.open({ path, compaction: false });
  try {
    assert.equal(await reopened.count('/registry/closing/'), 50);
  } finally {
    await reopened.close();
  }
});

test('sqlite writer thread: a thread that dies fails pending and later writes with Unavailable and ends watches, without crashing the process', async () => {
  const { store } = await openWithThread();
  try {
    const committed = await store.create('/registry/dying/before', v('1'));
    const watch = recordWatch(store, '/registry/dying/', committed.modRevision);
    const pending = Array.from({ length: 20 }, (_, i) => store.create(`/registry/dying/p${i}`, v('p')));
    await nextTurn();
    const killed = killWriterThread(store);
    const queued = Array.from({ length: 20 }, (_, i) => store.create(`/registry/dying/q${i}`, v('q')));
    await killed;
    const results = await Promise.allSettled([...pending, ...queued]);
    for (const result of results) {
      if (result.status === 'rejected') assert.ok(isStoreError(result.reason, 'Unavailable'), String(result.reason));
    }
    // Whatever was sent after the kill cannot have been committed by the dead thread.
    for (const result of results.slice(pending.length)) assert.equal(result.status, 'rejected');
    await assert.rejects(store.create('/registry/dying/later', v('x')), (err) => {
      assert.ok(isStoreError(err, 'Unavailable'), String(err));
      assert.match(err.message, /writer thread/);
      return true;
    });
    await assert.rejects(store.compact(committed.modRevision), (err) => isStoreError(err, 'Unavailable'));
    await watch.waitFor((l) => l.error !== undefined);
    assert.equal(watch.error?.code, 'Unavailable');
    assert.equal((await store.get('/registry/dying/before'))?.modRevision, committed.modRevision, 'reads still work');
  } finally {
    await store.close();
  }
});

test('sqlite writer thread: compaction runs in order with writes in flight and is kept across a reopen', async () => {
  const { store, path } = await openWithThread();
  const p = '/registry/compacting/';
  let kv = await store.create(`${p}churn`, v('0'));
  for (let i = 1; i <= 20; i++) kv = await store.update(`${p}churn`, v(String(i)), kv.modRevision);
  const target = kv.modRevision - 5;
  const writes = Array.from({ length: 20 }, (_, i) => store.create(`${p}k${i}`, v('k')));
  await nextTurn();
  await Promise.all([store.compact(target), ...writes]);
  assert.equal(await store.compactedRevision(), target);
  await assert.rejects(store.list(p, { revision: target - 1 }), (err) => isStoreError(err, 'Compacted'));
  const atTarget = await store.list(p, { revision: target });
  assert.equal(atTarget.kvs.find((k) => k.key === `${p}churn`)?.value.toString(), '15');
  await store.close();
  const reopened = SqliteStore.open({ path, compaction: false });
  try {
    assert.equal(await reopened.compactedRevision(), target);
    assert.equal((await reopened.get(`${p}churn`))?.value.toString(), '20');
    assert.equal(await reopened.count(p), 21);
  } finally {
    await reopened.close();
  }
});

/** Runs `program` (an ES module) in a fresh node with `nodeArgs`; resolves to its stdout. */
function runNode(nodeArgs: string[], program: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--input-type=module', '-e', program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`node exited with ${code}: ${err}`))));
  });
}

test('sqlite writer thread: starts when tsx is registered in the main thread only (as bin/k8ts.mjs does) and when node has V8 flags', { timeout: 60_000 }, async () => {
  const storeModule = JSON.stringify(new URL('../../src/storage/sqlite/sqlite-store.ts', import.meta.url).href);
  const useStore = (path: string) => `
    const { SqliteStore, writerThreadStarted } = await import(${storeModule});
    const store = SqliteStore.open({ path: ${JSON.stringify(path)}, compaction: false, writerThread: true });
    await writerThreadStarted(store);
    const kv = await store.create('/registry/started/k', Buffer.from('v'));
    await store.close();
    console.log('written at ' + kv.modRevision);`;
  const registered = `import { register } from 'tsx/esm/api'; register(); ${useStore(join(dir, `store${++n}.db`))}`;
  assert.match(await runNode([], registered), /written at 1/);
  assert.match(await runNode(['--max-old-space-size=512', '--import', 'tsx'], useStore(join(dir, `store${++n}.db`))), /written at 1/);
});

storeConformance('sqlite (writer thread)', {
  open: async () => {
    const store = SqliteStore.open({ path: join(dir, `store${++n}.db`), ttlSweepIntervalMs: 200, compaction: false, writerThread: true });
    await writerThreadStarted(store);
    return store;
  },
  close: (store) => store.close(),
});
