// Store benchmark: both backends against same-run baselines (raw better-sqlite3 inserts with
// the same durability, one per transaction; raw etcd3 puts).
import Database from 'better-sqlite3';
import { Etcd3 } from 'etcd3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdStore } from '../src/storage/etcd/etcd-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import type { Store } from '../src/storage/store.ts';
import { startEtcd } from '../test/storage/etcd-server.ts';

const PHASE_MS = 2000;
const VALUE = Buffer.alloc(512, 'x');

interface Figures {
  writes1: number;
  writes64: number;
  getP50: number;
  getP99: number;
  list1000P50: number;
  watchP99: number;
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `writers` loops of `write(i)` for PHASE_MS and returns completed writes per second. */
async function rate(writers: number, write: (i: number) => Promise<unknown> | unknown): Promise<number> {
  let done = 0;
  let next = 0;
  const end = performance.now() + PHASE_MS;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    while (performance.now() < end) {
      await write(next++);
      done++;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

async function measureStore(store: Store, run: string): Promise<Figures> {
  const p = `/registry/bench-${run}`;
  const writes1 = await rate(1, (i) => store.create(`${p}/w1/k${i}`, VALUE));
  const writes64 = await rate(64, (i) => store.create(`${p}/w64/k${i}`, VALUE));

  await Promise.all(Array.from({ length: 1000 }, (_, i) => store.create(`${p}/list/k${String(i).padStart(4, '0')}`, VALUE)));
  const gets: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await store.get(`${p}/list/k${String(i % 1000).padStart(4, '0')}`);
    gets.push(performance.now() - t);
  }
  const lists: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t = performance.now();
    const res = await store.list(`${p}/list/`);
    if (res.kvs.length !== 1000) throw new Error(`list returned ${res.kvs.length} keys, expected 1000`);
    lists.push(performance.now() - t);
  }

  const startedAt = new Map<string, number>();
  const delays: number[] = [];
  const watchers = Array.from({ length: 100 }, () =>
    store.watch(`${p}/watched/`, 0, {
      onEvents: (events) => {
        const now = performance.now();
        for (const e of events) {
          const t = startedAt.get(e.kv.key);
          if (t !== undefined) delays.push(now - t);
        }
      },
      onError: (err) => { throw err; },
    }));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const watchedWrites = 200;
  for (let i = 0; i < watchedWrites; i++) {
    const key = `${p}/watched/k${i}`;
    startedAt.set(key, performance.now());
    await store.create(key, VALUE);
  }
  const deadline = Date.now() + 10_000;
  while (delays.length < watchedWrites * 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  for (const w of watchers) w.cancel();
  if (delays.length < watchedWrites * 100) throw new Error(`only ${delays.length} of ${watchedWrites * 100} watch deliveries arrived`);

  return {
    writes1, writes64,
    getP50: percentile(gets, 50), getP99: percentile(gets, 99),
    list1000P50: percentile(lists, 50),
    watchP99: percentile(delays, 99),
  };
}

function rawSqliteRate(path: string): Promise<number> {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, value BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO kv (name, value) VALUES (?, ?)');
  // Synchronous: every insert is its own transaction and fsync, as an app without group commit does.
  return rate(64, (i) => { insert.run(`/registry/raw/k${i}`, VALUE); }).finally(() => db.close());
}

function print(label: string, f: Figures): void {
  console.log(
    `${label.padEnd(7)} writes/s 1 writer ${f.writes1.toFixed(0).padStart(7)}  64 writers ${f.writes64.toFixed(0).padStart(7)}` +
    `  get p50 ${f.getP50.toFixed(3)} ms p99 ${f.getP99.toFixed(3)} ms  list(1000) p50 ${f.list1000P50.toFixed(2)} ms` +
    `  watch p99 (100 watchers) ${f.watchP99.toFixed(2)} ms`,
  );
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-store-'));
  const etcd = await startEtcd();
  try {
    const rawSqlite = await rawSqliteRate(join(dir, 'raw.db'));
    console.log(`raw better-sqlite3 (WAL, synchronous=FULL, one insert per transaction): ${rawSqlite.toFixed(0)} inserts/s`);
    const sqlite = SqliteStore.open({ path: join(dir, 'store.db'), compaction: false });
    const sqliteFigures = await measureStore(sqlite, 'sqlite');
    await sqlite.close();
    print('sqlite', sqliteFigures);

    const client = new Etcd3({ hosts: [etcd.endpoint] });
    const raw1 = await rate(1, (i) => client.put(`/registry/raw1/k${i}`).value(VALUE).exec());
    const raw64 = await rate(64, (i) => client.put(`/registry/raw64/k${i}`).value(VALUE).exec());
    client.close();
    console.log(`raw etcd3 puts: ${raw1.toFixed(0)}/s with 1 writer, ${raw64.toFixed(0)}/s with 64 writers`);
    const etcdStore = await EtcdStore.connect({ endpoints: [etcd.endpoint], compaction: false });
    const etcdFigures = await measureStore(etcdStore, 'etcd');
    await etcdStore.close();
    print('etcd', etcdFigures);

    console.log(`etcd backend: ${etcdFigures.writes64.toFixed(0)} writes/s (${(etcdFigures.writes64 / raw64).toFixed(2)} of raw etcd3 puts) at 64 writers`);
    console.log(`store: ${sqliteFigures.writes64.toFixed(0)} writes/s (${(sqliteFigures.writes64 / rawSqlite).toFixed(2)} of raw better-sqlite3)`);
  } finally {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
