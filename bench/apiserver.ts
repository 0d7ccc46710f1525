// `npm run bench -- apiserver`: the API server on SQLite over HTTPS, in a child process.
// - create 10,000 pods with 64 concurrent clients → pods/s, p50/p99, against the HTTP floor
//   (a bare node:https server answering 201, same TLS, same load) measured in the same run;
// - the raw store's write rate at 64 writers (reported);
// - list 10,000 pods as JSON and as a Table;
// - 1,000 concurrent watchers → p99 delay from write to delivery;
// - RSS of the server idle after start.
// The last line is the ratio against the HTTP floor.

import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import type { ClientRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensurePki } from '../src/apiserver/auth/pki.ts';
import { openStore } from '../src/storage/open.ts';

const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const CONCURRENCY = 64;
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 1000);
const WATCH_WRITES = 50;

interface Child {
  proc: ChildProcess;
  url: string;
  ask(line: string): Promise<any>;
  stop(): void;
}

async function startChild(mode: 'server' | 'floor', dataDir: string): Promise<Child> {
  // BENCH_PROFILE=<dir>: write a CPU profile of each child there (inspect with Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // BENCH_SERVER_NODE_ARGS, e.g. "--trace-gc": more Node flags for the API server child only.
  const extra = mode === 'server' ? (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const proc = spawn(process.execPath, [...profile, ...extra, '--import', 'tsx', join(import.meta.dirname, 'support', 'apiserver-child.ts'), mode, dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: proc.stdout! });
  const queue: ((v: any) => void)[] = [];
  let first: ((v: any) => void) | undefined;
  const ready = new Promise<any>((r) => (first = r));
  lines.on('line', (l) => {
    let v: any;
    try {
      v = JSON.parse(l);
    } catch {
      return;
    }
    if (first) {
      const f = first;
      first = undefined;
      f(v);
    } else queue.shift()?.(v);
  });
  const { url } = await ready;
  return {
    proc,
    url,
    ask: (line) => new Promise((r) => {
      queue.push(r);
      proc.stdin!.write(`${line}\n`);
    }),
    stop: () => proc.kill('SIGTERM'),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function request(agent: https.Agent, url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url + path, { method, agent, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface LoadResult {
  rate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  /** TLS connections opened during the measured run (0 when every client was warmed up). */
  newConnections: number;
}

/**
 * Opens the load's CONCURRENCY keep-alive connections before it is measured, as long-lived
 * clients (kubectl, controllers, informers) hold theirs: CONCURRENCY simultaneous GETs of
 * /version make the agent open one TLS connection each, which the load then reuses.
 */
async function warmConnections(agent: https.Agent, url: string): Promise<number> {
  await Promise.all(Array.from({ length: CONCURRENCY }, () => request(agent, url, 'GET', '/version')));
  return Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0);
}

function describeLoad(r: LoadResult): string {
  return `p50 ${r.p50.toFixed(1)} ms, p90 ${r.p90.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, new connections during the run ${r.newConnections}`;
}

async function createLoad(agent: https.Agent, url: string, path: string, n: number, bodyOf: (i: number) => string): Promise<LoadResult> {
  const latencies: number[] = [];
  let newConnections = 0;
  const connect = agent.createConnection;
  agent.createConnection = function (this: https.Agent, ...args: any[]) {
    newConnections++;
    return (connect as (...a: any[]) => any).apply(this, args);
  } as typeof agent.createConnection;
  let next = 0;
  let errors = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        const s = performance.now();
        const r = await request(agent, url, 'POST', path, bodyOf(i));
        latencies.push(performance.now() - s);
        if (r.status !== 201) errors++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  agent.createConnection = connect;
  latencies.sort((a, b) => a - b);
  return {
    rate: n / secs,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? NaN,
    errors,
    newConnections,
  };
}

function podBody(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${i}`, labels: { app: 'bench', shard: String(i % 10) } },
    spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
}

async function rawStoreRate(dir: string): Promise<number> {
  const store = await openStore({ sqlitePath: join(dir, 'raw-store.db'), compaction: false });
  const value = Buffer.from(podBody(0));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= PODS) return;
        await store.create(`/registry/pods/default/raw-${i}`, value);
      }
    }),
  );
  const rate = PODS / ((performance.now() - t0) / 1000);
  await store.close();
  return rate;
}

async function timeIt(f: () => Promise<unknown>, runs = 5): Promise<{ median: number }> {
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)] };
}

async function watchDelay(agent: https.Agent, url: string): Promise<{ p50: number; p99: number; delivered: number }> {
  const list = JSON.parse((await request(agent, url, 'GET', '/api/v1/namespaces/default/configmaps?limit=1')).text);
  const rv = list.metadata.resourceVersion;
  const writeTimes = new Map<string, number>();
  const delays: number[] = [];
  const streams: ClientRequest[] = [];
  let expected = 0;
  let resolveAll!: () => void;
  const allDone = new Promise<void>((r) => (resolveAll = r));
  const watchAgent = new https.Agent({ ...agent.options, keepAlive: true, maxSockets: Infinity });
  await Promise.all(
    Array.from({ length: WATCHERS }, () =>
      new Promise<void>((resolve, reject) => {
        const req = https.request(`${url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, { agent: watchAgent }, (res) => {
          let buf = '';
          res.on('data', (chunk) => {
            const now = performance.now();
            buf += chunk;
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              const name = /"name":"(wd-\d+)"/.exec(line)?.[1];
              const t = name ? writeTimes.get(name) : undefined;
              if (t !== undefined) {
                delays.push(now - t);
                if (delays.length >= expected) resolveAll();
              }
            }
          });
          resolve();
        });
        req.on('error', reject);
        req.end();
        streams.push(req);
      }),
    ),
  );
  expected = WATCHERS * WATCH_WRITES;
  for (let i = 0; i < WATCH_WRITES; i++) {
    const name = `wd-${i}`;
    writeTimes.set(name, performance.now());
    await request(agent, url, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { i: String(i) } }));
    await new Promise((r) => setTimeout(r, 20));
  }
  await Promise.race([allDone, new Promise((r) => setTimeout(r, 30_000))]);
  for (const s of streams) s.destroy();
  watchAgent.destroy();
  delays.sort((a, b) => a - b);
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), delivered: delays.length };
}

export async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-apiserver-'));
  const pki = await ensurePki(dir);
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
  const children: Child[] = [];
  try {
    const floorChild = await startChild('floor', dir);
    children.push(floorChild);
    const floorWarm = await warmConnections(agent, floorChild.url);
    console.log(`each run below first opens its ${CONCURRENCY} keep-alive TLS connections (${CONCURRENCY} concurrent GET /version; ${floorWarm} open for the floor), then measures ${PODS} creates over them`);
    const floorCpu0 = await floorChild.ask('cpu');
    const floor = await createLoad(agent, floorChild.url, '/api/v1/namespaces/default/pods', PODS, podBody);
    const floorCpu = ((await floorChild.ask('cpu')).cpuMicros - floorCpu0.cpuMicros) / PODS;
    floorChild.stop();
    agent.destroy();
    console.log(`HTTP floor (bare node:https, fixed 201): ${floor.rate.toFixed(0)} req/s, ${describeLoad(floor)}, server CPU ${floorCpu.toFixed(0)} µs/request`);

    const raw = await rawStoreRate(dir);
    console.log(`raw store (SQLite backend, 64 writers): ${raw.toFixed(0)} writes/s`);

    const server = await startChild('server', dir);
    children.push(server);
    await new Promise((r) => setTimeout(r, 1000));
    const idle = await server.ask('rss');
    console.log(`server RSS idle after start: ${(idle.rss / 1024 / 1024).toFixed(1)} MB (target <= 150 MB)`);

    const agent2 = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
    const serverWarm = await warmConnections(agent2, server.url);
    const serverCpu0 = await server.ask('cpu');
    const create = await createLoad(agent2, server.url, '/api/v1/namespaces/default/pods', PODS, podBody);
    const serverCpu = ((await server.ask('cpu')).cpuMicros - serverCpu0.cpuMicros) / PODS;
    console.log(
      `create ${PODS} pods, ${CONCURRENCY} clients (${serverWarm} connections warmed): ${create.rate.toFixed(0)} pods/s, ${describeLoad(create)} (target p99 <= 50 ms), errors ${create.errors}, server CPU ${serverCpu.toFixed(0)} µs/create (all threads)`,
    );

    const listJson = await timeIt(() => request(agent2, server.url, 'GET', '/api/v1/namespaces/default/pods'));
    const listTable = await timeIt(() =>
      request(agent2, server.url, 'GET', '/api/v1/namespaces/default/pods', undefined, { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' }),
    );
    const listCache = await timeIt(() => request(agent2, server.url, 'GET', '/api/v1/namespaces/default/pods?resourceVersion=0'));
    console.log(`list ${PODS} pods: JSON ${listJson.median.toFixed(0)} ms, Table ${listTable.median.toFixed(0)} ms, JSON from watch cache (resourceVersion=0) ${listCache.median.toFixed(0)} ms (medians of 5)`);

    const wd = await watchDelay(agent2, server.url);
    console.log(`${WATCHERS} watchers x ${WATCH_WRITES} writes: delivered ${wd.delivered}, delay p50 ${wd.p50.toFixed(1)} ms, p99 ${wd.p99.toFixed(1)} ms (target <= 100 ms)`);
    const after = await server.ask('rss');
    console.log(`server RSS after the run: ${(after.rss / 1024 / 1024).toFixed(1)} MB`);
    agent2.destroy();
    console.log(`apiserver: ${create.rate.toFixed(0)} pods/s created over HTTPS (${(create.rate / floor.rate).toFixed(2)} of the bare node:https floor)`);
  } finally {
    for (const c of children) c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
