import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { isStoreError } from '../../src/storage/store.ts';
import { storeConformance } from './conformance.ts';

const dir = mkdtempSync(join(tmpdir(), 'k8ts-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeConformance('sqlite', {
  open: async () => SqliteStore.open({ path: join(dir, `store${++n}.db`), ttlSweepIntervalMs: 200, compaction: false }),
  close: (store) => store.close(),
});

test('sqlite: an in-memory store works through openStore', async () => {
  const store = await openStore({ sqlitePath: ':memory:' });
  const kv = await store.create('/registry/a', Buffer.from('x'));
  assert.equal((await store.get('/registry/a'))?.modRevision, kv.modRevision);
  await store.close();
});

test('sqlite: a reopened file keeps values, revisions and the compacted revision', async () => {
  const path = join(dir, 'reopen.db');
  const first = SqliteStore.open({ path, compaction: false });
  const a = await first.create('/registry/a', Buffer.from('1'));
  const a2 = await first.update('/registry/a', Buffer.from('2'), a.modRevision);
  await first.compact(a2.modRevision);
  await first.close();
  const second = SqliteStore.open({ path, compaction: false });
  assert.equal(await second.currentRevision(), a2.modRevision);
  assert.equal(await second.compactedRevision(), a2.modRevision);
  const got = await second.get('/registry/a');
  assert.equal(got?.value.toString(), '2');
  assert.equal(got?.createRevision, a.modRevision);
  const b = await second.create('/registry/b', Buffer.from('3'));
  assert.ok(b.modRevision > a2.modRevision);
  await second.close();
});

test('sqlite: a file that is not a database is refused with Corrupt naming the path, and left untouched', async () => {
  const path = join(dir, 'garbage.db');
  const garbage = Buffer.from('this is not an SQLite database, just some bytes '.repeat(200));
  writeFileSync(path, garbage);
  await assert.rejects(openStore({ sqlitePath: path }), (err) => {
    assert.ok(isStoreError(err, 'Corrupt'), String(err));
    assert.ok(err.message.includes(path));
    return true;
  });
  assert.ok(readFileSync(path).equals(garbage), 'the file is unchanged');
});

test('sqlite: an unreadable path is refused with Corrupt naming the path', async () => {
  const path = join(dir, 'a-directory');
  mkdirSync(path);
  await assert.rejects(openStore({ sqlitePath: path }), (err) => {
    assert.ok(isStoreError(err, 'Corrupt'), String(err));
    assert.ok(err.message.includes(path));
    return true;
  });
});

test('sqlite: periodic compaction keeps the last revisions and forgets older history', async () => {
  const store = SqliteStore.open({ path: ':memory:', compaction: { intervalMs: 50, keepRevisions: 10 } });
  let kv = await store.create('/registry/churn', Buffer.from('0'));
  for (let i = 1; i <= 40; i++) kv = await store.update('/registry/churn', Buffer.from(String(i)), kv.modRevision);
  const deadline = Date.now() + 5000;
  while ((await store.compactedRevision()) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const compacted = await store.compactedRevision();
  assert.ok(compacted > 0 && compacted <= kv.modRevision - 10, `compacted at ${compacted}, newest ${kv.modRevision}`);
  assert.equal((await store.get('/registry/churn'))?.value.toString(), '40');
  await store.close();
});
