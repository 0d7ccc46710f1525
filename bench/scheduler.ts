// `npm run bench -- scheduler`: kube-scheduler's scheduler_perf workloads, reproduced
// through a real API server on SQLite:
// - SchedulingBasic/5000Nodes_10000Pods: 5,000 nodes, 1,000 initial pods, 10,000 measured
//   pods (pod-default: 100m cpu, 500Mi memory). kube-scheduler's CI threshold: 680 pods/s;
//   a local run of kube-scheduler reaches ~1,150 pods/s.
// - TopologySpreading/5000Nodes_5000Pods: nodes in 3 zones, 5,000 initial pods, 5,000
//   measured pods with a zone spread constraint (maxSkew 5, DoNotSchedule); threshold 460.
// - SchedulingPodAntiAffinity/5000Nodes_2000Pods: 1,000 initial and 2,000 measured pods with
//   required anti-affinity on kubernetes.io/hostname (upstream's template); threshold 60.
//
// Three processes, as in a cluster: the API server (SQLite, plain HTTP on loopback); the
// simulated nodes plus the pod creator (a load generator that registers the nodes, keeps
// their leases renewed and creates pods); and the scheduler (this process), which watches
// and POSTs pods/binding like kube-scheduler. Throughput = measured pods / (first measured
// pod created → last measured pod bound).
//
// As in scheduler_perf the nodes do not heartbeat during the main runs; two variants of
// SchedulingBasic show the rest: +heartbeats (every node renews its Lease every 10 s, as
// kubelets do: 500 more writes a second) and +backlog (all measured pods exist before the
// scheduler starts on them, so pod creation does not pace it).
//
// Environment: BENCH_WORKLOADS=spread,antiaffinity,basic-heartbeats,basic-backlog,basic
// (default: all), BENCH_NODES, BENCH_POD_SCALE (e.g. 0.1 for a quick run),
// BENCH_CREATE_CONCURRENCY (default 30, as scheduler_perf).
// The last line is SchedulingBasic against kube-scheduler's CI threshold.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { configFromParts } from '../src/client/kubeconfig.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { resources } from '../src/client/resources.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { SchedulerCore } from '../src/scheduler/scheduler-core.ts';
import { buildNode } from '../src/sim/node-template.ts';
import { Limiter } from '../src/sim/limiter.ts';
import { SimNodes } from '../src/sim/sim-nodes.ts';

const CI_THRESHOLD = 680;
const LOCAL_KUBE_SCHEDULER = 1150;
const NODES = Number(process.env.BENCH_NODES ?? 5000);
// scheduler_perf creates pods with 30 workers (test/utils CreatePod).
const CREATE_CONCURRENCY = Number(process.env.BENCH_CREATE_CONCURRENCY ?? 30);
/** Scales every workload's pod counts (for quick local runs). */
const POD_SCALE = Number(process.env.BENCH_POD_SCALE ?? 1);

interface Workload {
  key: string;
  name: string;
  initPods: number;
  measurePods: number;
  threshold: number;
  initTemplate: string;
  measureTemplate: string;
  /** Nodes renew their leases every 10 s during the run (scheduler_perf's nodes do not). */
  heartbeats?: boolean;
  /** The measured pods are all created before the scheduler starts on them. */
  backlog?: boolean;
}

const WORKLOADS: Workload[] = [
  { key: 'basic', name: 'SchedulingBasic/5000Nodes_10000Pods', initPods: 1000, measurePods: 10_000, threshold: 680, initTemplate: 'default', measureTemplate: 'default' },
  {
    key: 'basic-heartbeats',
    name: 'SchedulingBasic/5000Nodes_10000Pods+heartbeats',
    initPods: 1000,
    measurePods: 10_000,
    threshold: 680,
    initTemplate: 'default',
    measureTemplate: 'default',
    heartbeats: true,
  },
  {
    key: 'basic-backlog',
    name: 'SchedulingBasic/5000Nodes_10000Pods+backlog',
    initPods: 1000,
    measurePods: 10_000,
    threshold: 680,
    initTemplate: 'default',
    measureTemplate: 'default',
    backlog: true,
  },
  { key: 'spread', name: 'TopologySpreading/5000Nodes_5000Pods', initPods: 5000, measurePods: 5000, threshold: 460, initTemplate: 'default', measureTemplate: 'spread' },
  { key: 'antiaffinity', name: 'SchedulingPodAntiAffinity/5000Nodes_2000Pods', initPods: 1000, measurePods: 2000, threshold: 60, initTemplate: 'antiaffinity', measureTemplate: 'antiaffinity' },
];

function podTemplate(kind: string, namespace: string, name: string): Record<string, unknown> {
  const container = {
    name: 'pause',
    image: 'registry.k8s.io/pause:3.10',
    ports: [{ containerPort: 80 }],
    resources: { limits: { cpu: '100m', memory: '500Mi' }, requests: { cpu: '100m', memory: '500Mi' } },
  };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } as Record<string, unknown>, spec: { containers: [container] } as Record<string, unknown> };
  if (kind === 'spread') {
    pod.metadata.labels = { color: 'blue' };
    pod.spec.topologySpreadConstraints = [
      { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } },
    ];
  } else if (kind === 'antiaffinity') {
    pod.metadata.labels = { color: 'green' };
    pod.spec.affinity = {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-test', 'sched-setup'] },
        ],
      },
    };
  }
  return pod;
}

// ---- child processes: a line of JSON in, a line of JSON out ----

interface Child {
  proc: ChildProcess;
  first: Promise<any>;
  ask(msg: unknown): Promise<any>;
  stop(): Promise<void>;
}

function startChild(args: string[]): Child {
  // BENCH_CHILD_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the children.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', new URL(import.meta.url).pathname, '--child', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const waiters: ((v: any) => void)[] = [];
  lines.on('line', (l) => {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      process.stderr.write(`${l}\n`);
      return;
    }
    waiters.shift()?.(v);
  });
  const first = new Promise<any>((r) => waiters.push(r));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    first,
    ask: (msg) =>
      new Promise((r) => {
        waiters.push(r);
        proc.stdin!.write(`${JSON.stringify(msg)}\n`);
      }),
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

function reply(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

async function apiServerChild(dir: string): Promise<void> {
  const { openStore } = await import('../src/storage/open.ts');
  const { startApiServer } = await import('../src/apiserver/server.ts');
  const store = await openStore({ sqlitePath: join(dir, 'state.db') });
  const server = await startApiServer({ store, port: 0 });
  reply({ url: server.url });
  process.on('SIGTERM', async () => {
    await server.close();
    await store.close();
    process.exit(0);
  });
  for await (const line of createInterface({ input: process.stdin })) {
    const op = (JSON.parse(line) as { op: string }).op;
    if (op === 'cpu') reply(cpuSeconds());
    else if (op === 'elu') reply(performance.eventLoopUtilization());
  }
}

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The simulated nodes and the pod creator, driven by the parent. */
async function loadChild(url: string): Promise<void> {
  const client = new RestClient(configFromParts({ server: url }), { component: 'bench-load' });
  let sim: SimNodes | undefined;
  const creator = new Limiter(CREATE_CONCURRENCY);
  const input = createInterface({ input: process.stdin });
  process.on('SIGTERM', async () => {
    await sim?.stop();
    process.exit(0);
  });
  reply({ ready: true });
  for await (const line of input) {
    const msg = JSON.parse(line) as { op: string; [k: string]: any };
    if (msg.op === 'nodes') {
      const t0 = performance.now();
      sim = new SimNodes({ client, count: msg.count, managePods: false, heartbeatIntervalMs: msg.heartbeats ? 10_000 : 3_600_000, concurrency: 32 });
      await sim.start();
      reply({ seconds: (performance.now() - t0) / 1000 });
    } else if (msg.op === 'namespaces') {
      for (const name of msg.names as string[]) await client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
      reply({ ok: true });
    } else if (msg.op === 'pods') {
      const t0 = performance.now();
      let errors = 0;
      await Promise.all(
        Array.from({ length: msg.count as number }, (_, i) =>
          creator.run(() => client.create(resources.pods, podTemplate(msg.template, msg.namespace, `${msg.prefix}-${i}`) as never).catch(() => errors++)),
        ),
      );
      reply({ seconds: (performance.now() - t0) / 1000, errors });
    } else if (msg.op === 'stats') {
      reply({ ...(sim?.stats ?? {}) });
    } else if (msg.op === 'cpu') {
      reply(cpuSeconds());
    }
  }
}

// ---- the benchmark ----

/**
 * The scheduling algorithm alone, for scale: SchedulerCore with the same nodes and pods in
 * memory, bindings that succeed at once, no API server. What is left of each pod's time in
 * the workloads below is the API round trips and the watch.
 */
async function algorithmAlone(nodes: number, pods: number): Promise<number> {
  const core = new SchedulerCore({ registryDeps: { bind: async () => {}, bindVolumes: async () => {} } });
  for (let i = 0; i < nodes; i++) {
    const node = buildNode(`node-${i}`, i, {}, '10.128.0.0/9') as unknown as Parameters<SchedulerCore['onNodeAdd']>[0];
    node.metadata.uid = `node-uid-${i}`;
    core.onNodeAdd(node);
  }
  core.queue.run();
  for (let i = 0; i < pods; i++) {
    const pod = podTemplate('default', 'sched-1', `alone-${i}`) as unknown as Parameters<SchedulerCore['onPodAdd']>[0];
    pod.metadata.uid = `pod-uid-${i}`;
    pod.spec.schedulerName = 'default-scheduler';
    core.onPodAdd(pod);
  }
  const t0 = performance.now();
  for (let i = 0; i < pods; i++) {
    const r = await core.runOnce();
    if (!r || !('node' in r.outcome)) throw new Error(`algorithm alone: pod ${i} was not scheduled: ${JSON.stringify(r?.outcome)}`);
    await r.binding;
  }
  const rate = pods / ((performance.now() - t0) / 1000);
  core.queue.close();
  return rate;
}

async function waitBound(scheduler: Scheduler, target: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (scheduler.metrics.bound < target) {
    if (performance.now() > deadline) throw new Error(`only ${scheduler.metrics.bound}/${target} pods bound within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now();
}

async function runWorkload(w: Workload): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-sched-'));
  const api = startChild(['apiserver', dir]);
  const { url } = await api.first;
  const load = startChild(['load', url]);
  await load.first;
  const client = new RestClient(configFromParts({ server: url }), { component: 'scheduler' });
  let scheduler: Scheduler | undefined;
  try {
    const reg = await load.ask({ op: 'nodes', count: NODES, heartbeats: !!w.heartbeats });
    console.log(`${w.name}: ${NODES} simulated nodes registered in ${reg.seconds.toFixed(1)} s (${(NODES / reg.seconds).toFixed(0)} nodes/s, node + lease each)`);
    if (w.heartbeats) {
      // The heartbeats alone: kubelets renew every 10 s, so 5,000 nodes need 500 renewals a second.
      const before = await load.ask({ op: 'stats' });
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 20_000));
      const after = await load.ask({ op: 'stats' });
      const rate = (after.leaseRenewals - before.leaseRenewals) / ((performance.now() - t) / 1000);
      console.log(`${w.name}: idle cluster: ${rate.toFixed(0)} lease renewals/s (${NODES} nodes every 10 s need ${(NODES / 10).toFixed(0)}/s), ${after.errors} heartbeat errors`);
    }
    await load.ask({ op: 'namespaces', names: ['sched-0', 'sched-1'] });
    scheduler = new Scheduler({ client, leaderElection: false });
    await scheduler.start();

    const init = await load.ask({ op: 'pods', count: w.initPods, template: w.initTemplate, namespace: 'sched-0', prefix: 'init' });
    await waitBound(scheduler, w.initPods, 300_000);
    console.log(`${w.name}: ${w.initPods} initial pods created in ${init.seconds.toFixed(1)} s and bound`);

    let t0: number;
    let tEnd: number;
    let created: { seconds: number; errors: number };
    const cpu = async () => ({ api: (await api.ask({ op: 'cpu' })) as number, load: (await load.ask({ op: 'cpu' })) as number, scheduler: cpuSeconds() });
    let cpu0 = await cpu();
    let elu0 = await api.ask({ op: 'elu' });
    const measure = { op: 'pods', count: w.measurePods, template: w.measureTemplate, namespace: 'sched-1', prefix: 'measured' };
    if (w.backlog) {
      await scheduler.stop();
      created = await load.ask(measure);
      const tSync = performance.now();
      scheduler = new Scheduler({ client, leaderElection: false });
      await scheduler.start();
      t0 = performance.now();
      cpu0 = await cpu();
      elu0 = await api.ask({ op: 'elu' });
      console.log(`${w.name}: a new scheduler synced ${NODES} nodes and ${w.initPods + w.measurePods} pods in ${((t0 - tSync) / 1000).toFixed(1)} s`);
      tEnd = await waitBound(scheduler, w.measurePods, 600_000);
    } else {
      t0 = performance.now();
      const measured = load.ask(measure);
      tEnd = await waitBound(scheduler, w.initPods + w.measurePods, 600_000);
      created = await measured;
    }
    const secs = (tEnd - t0) / 1000;
    const rate = w.measurePods / secs;
    const cpu1 = await cpu();
    const elu1 = await api.ask({ op: 'elu' });
    // The share of the time the API server's event loop was not waiting for work (CPU, and blocking calls such as SQLite's fsync).
    const apiLoopBusy = (elu1.active - elu0.active) / (elu1.active - elu0.active + elu1.idle - elu0.idle);
    const share = (k: keyof typeof cpu0) => `${k} ${(cpu1[k] - cpu0[k]).toFixed(1)} s (${((100 * (cpu1[k] - cpu0[k])) / secs).toFixed(0)}%)`;
    console.log(`${w.name}: CPU used while measured pods were scheduled (${secs.toFixed(1)} s on 2 cores): ${share('api')}, ${share('scheduler')}, ${share('load')}; API server event loop busy ${(100 * apiLoopBusy).toFixed(0)}%`);
    const attempts = Object.fromEntries(scheduler.metrics.attempts);
    const stats = await load.ask({ op: 'stats' });
    console.log(
      `${w.name}: ${w.measurePods} measured pods bound in ${secs.toFixed(2)} s = ${rate.toFixed(0)} pods/s ` +
        `(creation took ${created.seconds.toFixed(2)} s, ${created.errors} errors; attempts ${JSON.stringify(attempts)}; ` +
        `lease renewals during the run ${stats.leaseRenewals ?? 0}) — kube-scheduler threshold ${w.threshold} pods/s → ${(rate / w.threshold).toFixed(2)}×`,
    );
    return rate;
  } finally {
    await scheduler?.stop();
    client.close();
    await load.stop();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  const wanted = (process.env.BENCH_WORKLOADS ?? WORKLOADS.map((w) => w.key).join(',')).split(',').map((s) => s.trim());
  const results = new Map<string, number>();
  console.log(`scheduler bench: ${NODES} simulated nodes; pods created ${CREATE_CONCURRENCY} at a time`);
  const alonePods = Math.round(10_000 * POD_SCALE);
  const alone = await algorithmAlone(NODES, alonePods);
  console.log(`scheduling algorithm alone (SchedulerCore in memory, no API): ${alonePods} pods onto ${NODES} nodes at ${alone.toFixed(0)} pods/s (${(1000 / alone).toFixed(3)} ms per pod)`);
  // SchedulingBasic last, so the closing line is its figure.
  for (const w of [...WORKLOADS.filter((x) => x.key !== 'basic'), WORKLOADS[0]!]) {
    if (!wanted.includes(w.key)) continue;
    const scaled = { ...w, initPods: Math.round(w.initPods * POD_SCALE), measurePods: Math.round(w.measurePods * POD_SCALE) };
    results.set(w.key, await runWorkload(scaled));
  }
  console.log('kube-scheduler published: SchedulingBasic CI threshold 680 pods/s, local ~1,150 pods/s; TopologySpreading threshold 460; SchedulingPodAntiAffinity threshold 60');
  const basic = results.get('basic');
  if (basic !== undefined) {
    console.log(`SchedulingBasic: ${(basic / LOCAL_KUBE_SCHEDULER).toFixed(2)} of a local kube-scheduler run (~${LOCAL_KUBE_SCHEDULER} pods/s)`);
    console.log(`scheduler: ${basic.toFixed(0)} pods/s (${(basic / CI_THRESHOLD).toFixed(2)} of kube-scheduler's ${CI_THRESHOLD} pods/s CI threshold)`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  const [role, arg] = process.argv.slice(3);
  if (role === 'apiserver') await apiServerChild(arg!);
  else if (role === 'load') await loadChild(arg!);
}
