// The default writer for a SQLite file: commits without SQLite's fsync and acknowledges a
// batch only after its own fsync of the WAL, started after that commit, has finished.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../src/storage/sqlite/schema.ts';
import { WalSyncWriter, type SyncFile } from '../../src/storage/sqlite/wal-sync-writer.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { Checkpointer } from '../../src/storage/sqlite/checkpointer.ts';
import { isStoreError, type StoreError } from '../../src/storage/store.ts';
import type { WriteOp } from '../../src/storage/sqlite/log-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-wal-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A syncFile whose fsyncs finish only when the test says so. */
function heldSyncs() {
  const pending: ((err: NodeJS.ErrnoException | null) => void)[] = [];
  const syncFile: SyncFile = (_fd, done) => pending.push(done);
  return { syncFile, pending };
}

function open(syncFile: SyncFile, onFailure: (e: StoreError) => void = () => {}) {
  const path = join(dir, `wal${++n}.db`);
  const db = openDatabase(path);
  return { db, path, writer: new WalSyncWriter(db, path, onFailure, { syncFile }) };
}

const create = (key: string, size = 10): WriteOp => ({ kind: 'create', key, value: Buffer.alloc(size, 'x') });
const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

test('a batch is acknowledged only once an fsync started after its commit has finished', async () => {
  const syncs = heldSyncs();
  const { db, writer } = open(syncs.syncFile);
  const first = writer.writeBatch([create('/a')]);
  assert.equal(syncs.pending.length, 1);
  assert.equal(await settled(first), false, 'acknowledged before the fsync finished');
  // The commit itself is in the database already (visible to this connection).
  assert.equal(db.prepare("SELECT COUNT(*) FROM kine WHERE name = '/a'").pluck().get(), 1);
  syncs.pending.shift()!(null);
  const outcomes = await first;
  assert.equal(outcomes[0]!.ok, true);
  await writer.close();
  db.close();
});

test('batches committed while an fsync runs share the next one, in order', async () => {
  const syncs = heldSyncs();
  const { db, writer } = open(syncs.syncFile);
  const order: string[] = [];
  const a = writer.writeBatch([create('/a')]).then(() => order.push('a'));
  const b = writer.writeBatch([create('/b')]).then(() => order.push('b'));
  const c = writer.writeBatch([create('/c')]).then(() => order.push('c'));
  assert.equal(syncs.pending.length, 1, 'one fsync at a time');
  syncs.pending.shift()!(null);
  await a;
  assert.deepEqual(order, ['a']);
  assert.equal(syncs.pending.length, 1, 'b and c wait for one more fsync, started after their commits');
  assert.equal(await settled(b), false);
  syncs.pending.shift()!(null);
  await Promise.all([b, c]);
  assert.deepEqual(order, ['a', 'b', 'c']);
  assert.equal(syncs.pending.length, 0);
  await writer.close();
  db.close();
});

test('a failed fsync fails the waiting batches and every later one, and reports it', async () => {
  const syncs = heldSyncs();
  let reported: StoreError | undefined;
  const { db, writer } = open(syncs.syncFile, (e) => (reported = e));
  const first = writer.writeBatch([create('/a')]);
  const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  syncs.pending.shift()!(eio);
  await assert.rejects(first, (e: unknown) => isStoreError(e, 'Unavailable') && /fsync of its write-ahead log failed: EIO/.test((e as Error).message));
  assert.ok(reported && isStoreError(reported, 'Unavailable'));
  await assert.rejects(writer.writeBatch([create('/b')]), (e: unknown) => isStoreError(e, 'Unavailable'));
  await writer.close();
  db.close();
});

test('a thread of its own checkpoints the WAL into the database file, and the WAL is empty after close', async () => {
  const { db, path, writer } = open((fd, done) => done(null));
  const before = statSync(path).size;
  // About 6 MB of values: more than one checkpoint's worth.
  for (let i = 0; i < 60; i++) await writer.writeBatch([create(`/big/${i}`, 100_000)]);
  for (let i = 0; i < 500 && writer.checkpointer.completed === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(writer.checkpointer.completed > 0, 'the checkpoint thread never completed a checkpoint');
  assert.ok(statSync(path).size > before + 1_000_000, 'nothing was checkpointed into the database file');
  await writer.close();
  assert.equal(statSync(`${path}-wal`).size, 0, 'the WAL was not checkpointed on close');
  db.close();
});

test('while writes never pause, the WAL is started again once its file passes the size limit', async () => {
  const path = join(dir, `wal${++n}.db`);
  const db = openDatabase(path);
  const writer = new WalSyncWriter(db, path, () => {}, { walSizeLimit: 8_000_000 });
  // 77 MB of values, each batch committed as soon as the last is on disk: every checkpoint
  // beside the commits leaves frames behind, so without a checkpoint that holds the commits
  // SQLite never starts the WAL again (it grew to 77 MB here).
  const value = Buffer.alloc(24_000, 'v');
  try {
    for (let b = 0; b < 200; b++) {
      await writer.writeBatch(Array.from({ length: 16 }, (_, i): WriteOp => ({ kind: 'create', key: `/registry/x/${b}-${i}`, value })));
    }
    const wal = statSync(`${path}-wal`).size;
    assert.ok(wal < 40_000_000, `the WAL grew to ${(wal / 1e6).toFixed(1)} MB`);
  } finally {
    await writer.close();
    db.close();
  }
});

test('when the checkpoint thread cannot run, checkpoints happen on the calling thread', async () => {
  let here = 0;
  const checkpointer = new Checkpointer(join(dir, 'no-such-dir', 'x.db'), () => here++);
  await checkpointer.run();
  assert.equal(here, 1);
  assert.equal(checkpointer.besideCommits, false);
  void checkpointer.run();
  assert.equal(here, 2, 'after the thread failed, a checkpoint runs at once on this thread');
  await checkpointer.close();
});

test('a store on a file uses it: writes are acknowledged, survive reopening, and close cleanly', async () => {
  const path = join(dir, `store${++n}.db`);
  const store = SqliteStore.open({ path, compaction: false });
  const kvs = await Promise.all(Array.from({ length: 200 }, (_, i) => store.create(`/registry/x/${i}`, Buffer.from(`v${i}`))));
  assert.equal(new Set(kvs.map((kv) => kv.modRevision)).size, 200);
  await store.close();
  const again = SqliteStore.open({ path, compaction: false });
  assert.equal((await again.list('/registry/x/')).kvs.length, 200);
  await again.close();
});
