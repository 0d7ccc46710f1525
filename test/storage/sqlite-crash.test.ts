import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { recordWatch } from './conformance.ts';

const writerScript = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));

test('sqlite: every acknowledged write survives kill -9 and a resumed watch sees each later event once', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-crash-'));
  try {
    const path = join(dir, 'crash.db');
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, path, '5000'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<string, number>();
    let lastSeen = 0;
    let finished = false;
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    for await (const line of createInterface({ input: child.stdout! })) {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ack') acked.set(a, Number(b));
      if (kind === 'seen') lastSeen = Number(a);
      if (kind === 'done') finished = true;
      // Kill mid-burst, with writes still in flight.
      if (acked.size === 1500) child.kill('SIGKILL');
    }
    assert.equal(await exited, 'SIGKILL');
    assert.equal(finished, false, 'the child was killed mid-burst');
    assert.ok(acked.size >= 1500 && lastSeen > 0);

    const store = SqliteStore.open({ path, compaction: false });
    try {
      for (const [key, rev] of acked) {
        const kv = await store.get(key);
        assert.ok(kv, `acknowledged ${key} is missing after kill -9`);
        assert.equal(kv.modRevision, rev);
        assert.equal(kv.value.toString(), `value of ${key}`);
      }
      const current = await store.currentRevision();
      const list = await store.list('/registry/crash/');
      assert.equal(list.revision, current);
      assert.equal(await store.count('/registry/crash/'), list.kvs.length);
      assert.ok(list.kvs.length >= acked.size);

      // The log replayed from the start must rebuild exactly what list shows.
      const full = recordWatch(store, '/registry/crash/', 0);
      await full.waitFor((l) => l.events.length >= list.kvs.length);
      full.cancel();
      const revisions = full.events.map((e) => e.kv.modRevision);
      assert.ok(revisions.every((r, i) => i === 0 || r > revisions[i - 1]), 'revisions strictly increase');
      assert.deepEqual(
        full.events.map((e) => `${e.kv.key}@${e.kv.modRevision}`).sort(),
        list.kvs.map((kv) => `${kv.key}@${kv.modRevision}`).sort(),
      );

      // A watcher resuming from the last revision it saw gets every later event exactly once.
      const resumed = recordWatch(store, '/registry/crash/', lastSeen);
      const expected = list.kvs.filter((kv) => kv.modRevision > lastSeen).map((kv) => kv.modRevision).sort((x, y) => x - y);
      const live = await store.create('/registry/crash/after-restart', Buffer.from('live'));
      expected.push(live.modRevision);
      await resumed.waitFor((l) => l.events.length >= expected.length);
      await new Promise((resolve) => setTimeout(resolve, 50));
      resumed.cancel();
      assert.equal(resumed.error, undefined);
      assert.deepEqual(resumed.events.map((e) => e.kv.modRevision), expected);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
