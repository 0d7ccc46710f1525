// `npm run bench -- controllers`: the controller manager at scale, beside the scheduler's own
// throughput measured in the same run.
// - baseline: BENCH_REPLICAS bare pods created directly (16 in flight), scheduled and run by
//   simulated nodes: pods/s from the first creation to the last pod Running;
// - scale-up: a Deployment scaled from 0 to BENCH_REPLICAS replicas: the Deployment and
//   ReplicaSet controllers create the pods, the scheduler binds them, the simulated kubelets
//   run them; pods/s until the deployment reports every replica updated and available;
// - rolling update: a new image for all of them (maxSurge/maxUnavailable 25%): pods/s until
//   the rollout is complete again.
// The baseline's pods have no owner; the Deployment's do, so the scheduler's default
// spreading (PodTopologySpread system defaults, by owner selector) works on them: a gap
// between "all pods exist" (printed) and "all available" is scheduling and running, not the
// controllers.
// Each phase runs on a fresh cluster of three processes: the API server (SQLite, plain HTTP on
// loopback); the simulated nodes with the scheduler; and the controller manager (this
// process, every controller on, no leader election).
//
// Environment: BENCH_REPLICAS (default 10000), BENCH_NODES (default 500), BENCH_ROLLING=0 to
// skip the rolling update, BENCH_CONTROLLERS (`--controllers`, default `*`), BENCH_BASELINE=0 to
// skip the bare-pod baseline (quick runs only: no ratio is printed), BENCH_CHILD_NODE_ARGS (node
// flags for the child processes, e.g. `--cpu-prof`), BENCH_PROGRESS (seconds between status
// lines while a phase runs). The last line is the scale-up figure
// against the baseline.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { Deployment, ReplicaSet } from '../src/api/types/apps-v1.ts';
import type { Pod } from '../src/api/types/core-v1.ts';
import { SharedInformerFactory } from '../src/client/cache/informer-factory.ts';
import { configFromParts } from '../src/client/kubeconfig.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { resources } from '../src/client/resources.ts';
import { ControllerManager } from '../src/controllers/controller-manager.ts';
import { Limiter } from '../src/sim/limiter.ts';

const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 10_000);
const NODES = Number(process.env.BENCH_NODES ?? 500);
const ROLLING = process.env.BENCH_ROLLING !== '0';
const BASELINE = process.env.BENCH_BASELINE !== '0';
/** BENCH_PROGRESS=<seconds>: print the deployment's status this often while waiting. */
const PROGRESS_MS = Number(process.env.BENCH_PROGRESS ?? 0) * 1000;
/** `--controllers` for the controller manager under test. */
const CONTROLLERS = process.env.BENCH_CONTROLLERS ?? '*';
const PHASE_TIMEOUT_MS = 900_000;

function container(image: string) {
  return {
    name: 'app',
    image,
    resources: { requests: { cpu: '10m', memory: '16Mi' } },
  };
}

// ---- child processes: one JSON line when ready ----

interface Child {
  first: Promise<any>;
  stop(): Promise<void>;
}

function startChild(args: string[]): Child {
  // BENCH_CHILD_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the children.
  const nodeArgs = (process.env.BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', new URL(import.meta.url).pathname, '--child', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const first = new Promise<any>((resolve) => lines.once('line', (l) => resolve(JSON.parse(l))));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    first,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

async function apiServerChild(dir: string): Promise<void> {
  const { openStore } = await import('../src/storage/open.ts');
  const { startApiServer } = await import('../src/apiserver/server.ts');
  const store = await openStore({ sqlitePath: join(dir, 'state.db') });
  const server = await startApiServer({ store, port: 0 });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.on('SIGTERM', async () => {
    await server.close();
    await store.close();
    process.exit(0);
  });
}

/** Simulated nodes that run the pods bound to them, and the scheduler that binds them. */
async function clusterChild(url: string, nodes: number): Promise<void> {
  const { SimNodes } = await import('../src/sim/sim-nodes.ts');
  const { Scheduler } = await import('../src/scheduler/scheduler.ts');
  const simClient = new RestClient(configFromParts({ server: url }), { component: 'sim-nodes' });
  const schedClient = new RestClient(configFromParts({ server: url }), { component: 'scheduler' });
  const sim = new SimNodes({ client: simClient, count: nodes, managePods: true, concurrency: 64 });
  const t0 = performance.now();
  await sim.start();
  const scheduler = new Scheduler({ client: schedClient, leaderElection: false });
  await scheduler.start();
  process.stdout.write(`${JSON.stringify({ registeredSeconds: (performance.now() - t0) / 1000 })}\n`);
  process.on('SIGTERM', async () => {
    await scheduler.stop();
    await sim.stop();
    process.exit(0);
  });
}

// ---- phases ----

interface Cluster {
  url: string;
  client: RestClient;
  stop(): Promise<void>;
}

async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-bench-ctrl-'));
  const api = startChild(['apiserver', dir]);
  const { url } = await api.first;
  const cluster = startChild(['cluster', url, String(NODES)]);
  const { registeredSeconds } = await cluster.first;
  console.log(`controllers bench: ${NODES} simulated nodes registered in ${registeredSeconds.toFixed(1)} s`);
  const client = new RestClient(configFromParts({ server: url }), { component: 'bench' });
  return {
    url,
    client,
    stop: async () => {
      client.close();
      await cluster.stop();
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves when `count` pods in the namespace are Running (seen through a watch). */
function runningPods(client: RestClient, namespace: string, count: number): { done: Promise<number>; stop(): Promise<void> } {
  const factory = new SharedInformerFactory(client);
  const informer = factory.informerFor<Pod>(resources.pods, { namespace });
  const running = new Set<string>();
  let resolve!: (t: number) => void;
  const done = new Promise<number>((r) => (resolve = r));
  const check = (p: Pod) => {
    if (p.status?.phase === 'Running') running.add(p.metadata!.uid!);
    if (running.size >= count) resolve(performance.now());
  };
  informer.addEventHandler({ onAdd: check, onUpdate: (_o, p) => check(p) });
  informer.run();
  return { done, stop: () => factory.stop() };
}

/** Counts the writes to the namespace's Deployments and ReplicaSets (status included), seen through watches. */
function writeCounter(client: RestClient, namespace: string): { take(): string; stop(): Promise<void> } {
  const factory = new SharedInformerFactory(client);
  const counts = { deployments: 0, replicasets: 0 };
  for (const kind of ['deployments', 'replicasets'] as const) {
    const informer = factory.informerFor(resources[kind], { namespace });
    informer.addEventHandler({ onUpdate: (o, n) => void (o.metadata?.resourceVersion !== n.metadata?.resourceVersion && counts[kind]++) });
    informer.run();
  }
  return {
    take: () => {
      const line = `${counts.replicasets} ReplicaSet writes, ${counts.deployments} Deployment writes`;
      counts.deployments = counts.replicasets = 0;
      return line;
    },
    stop: () => factory.stop(),
  };
}

async function baseline(): Promise<number> {
  const c = await startCluster();
  try {
    await c.client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'baseline' } });
    const watch = runningPods(c.client, 'baseline', REPLICAS);
    const limiter = new Limiter(16);
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: REPLICAS }, (_, i) =>
        limiter.run(() =>
          c.client.create(resources.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${i}`, namespace: 'baseline' }, spec: { containers: [container('app:1')] } } as Pod),
        ),
      ),
    );
    const tEnd = await withTimeout(watch.done, 'baseline pods Running');
    await watch.stop();
    const secs = (tEnd - t0) / 1000;
    const rate = REPLICAS / secs;
    console.log(`baseline: ${REPLICAS} bare pods created, scheduled and Running in ${secs.toFixed(1)} s = ${rate.toFixed(0)} pods/s`);
    return rate;
  } finally {
    await c.stop();
  }
}

async function deploymentPhases(): Promise<{ scaleUp: number; rolling?: number }> {
  const c = await startCluster();
  const manager = new ControllerManager({ client: c.client, leaderElect: false, controllers: CONTROLLERS });
  manager.start();
  try {
    const ns = 'bench';
    await c.client.create(resources.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'scale', namespace: ns },
      spec: { replicas: 0, selector: { matchLabels: { app: 'scale' } }, template: { metadata: { labels: { app: 'scale' } }, spec: { containers: [container('app:1')] } } },
    };
    await c.client.create(resources.deployments, d, { namespace: ns });
    await waitComplete(c.client, ns, 'scale', 0, '1');
    const writes = writeCounter(c.client, ns);
    await new Promise((r) => setTimeout(r, 500));
    writes.take();

    const t0 = performance.now();
    await c.client.patch(resources.deployments, 'scale', 'merge', { spec: { replicas: REPLICAS } }, { namespace: ns });
    const tUp = await waitComplete(c.client, ns, 'scale', REPLICAS, '1');
    const upSecs = (tUp - t0) / 1000;
    const scaleUp = REPLICAS / upSecs;
    console.log(`  ${writes.take()}`);
    console.log(`scale-up: Deployment 0 → ${REPLICAS} replicas, all available in ${upSecs.toFixed(1)} s = ${scaleUp.toFixed(0)} pods/s`);
    if (!ROLLING) {
      await writes.stop();
      return { scaleUp };
    }

    const t1 = performance.now();
    await c.client.patch(resources.deployments, 'scale', 'strategic', { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } }, { namespace: ns });
    const tRoll = await waitComplete(c.client, ns, 'scale', REPLICAS, '2');
    const rollSecs = (tRoll - t1) / 1000;
    const rolling = REPLICAS / rollSecs;
    console.log(`  ${writes.take()}`);
    await writes.stop();
    console.log(`rolling update: ${REPLICAS} pods replaced (maxSurge 25%, maxUnavailable 25%) in ${rollSecs.toFixed(1)} s = ${rolling.toFixed(0)} pods/s`);
    return { scaleUp, rolling };
  } finally {
    await manager.stop();
    await c.stop();
  }
}

/** Polls until the deployment is complete at `replicas` on `revision`; answers the time it was seen. */
async function waitComplete(client: RestClient, ns: string, name: string, replicas: number, revision: string): Promise<number> {
  const t0 = performance.now();
  const deadline = t0 + PHASE_TIMEOUT_MS;
  let last = '';
  let allCreatedAt: number | undefined;
  let lastProgress = t0;
  for (;;) {
    const d = await client.get<Deployment>(resources.deployments, name, { namespace: ns });
    const s = d.status ?? {};
    const observed = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && d.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision;
    const complete =
      observed &&
      (s.updatedReplicas ?? 0) === replicas &&
      (s.replicas ?? 0) === replicas &&
      (s.availableReplicas ?? 0) === replicas;
    if (allCreatedAt === undefined && replicas > 0 && observed && (s.replicas ?? 0) === replicas && (s.updatedReplicas ?? 0) === replicas) {
      allCreatedAt = performance.now();
      console.log(`  all ${replicas} pods of revision ${revision} exist after ${((allCreatedAt - t0) / 1000).toFixed(1)} s (${s.availableReplicas ?? 0} available)`);
    }
    if (complete) return performance.now();
    last = `replicas ${s.replicas ?? 0}, updated ${s.updatedReplicas ?? 0}, available ${s.availableReplicas ?? 0}`;
    if (PROGRESS_MS > 0 && performance.now() - lastProgress >= PROGRESS_MS) {
      lastProgress = performance.now();
      const rsList = await client.list<ReplicaSet>(resources.replicasets, { namespace: ns });
      const perRS = rsList.items
        .filter((rs) => (rs.spec?.replicas ?? 0) > 0 || (rs.status?.replicas ?? 0) > 0)
        .map((rs) => `rev ${rs.metadata?.annotations?.['deployment.kubernetes.io/revision']}: ${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} (${rs.status?.availableReplicas ?? 0} available)`);
      console.log(`  ${((lastProgress - t0) / 1000).toFixed(0)} s: ${last}; ${perRS.join(', ')}`);
    }
    if (performance.now() > deadline) throw new Error(`deployment not complete within ${PHASE_TIMEOUT_MS / 1000} s (${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), PHASE_TIMEOUT_MS)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function main(): Promise<void> {
  console.log(`controllers bench: ${REPLICAS} replicas on ${NODES} simulated nodes, --controllers '${CONTROLLERS}'`);
  const base = BASELINE ? await baseline() : undefined;
  const { scaleUp, rolling } = await deploymentPhases();
  if (base === undefined) return;
  if (rolling !== undefined) console.log(`rolling update: ${rolling.toFixed(0)} pods/s (${(rolling / base).toFixed(2)} of the bare-pod baseline)`);
  console.log(`controllers: ${scaleUp.toFixed(0)} pods/s (${(scaleUp / base).toFixed(2)} of ${base.toFixed(0)} pods/s scheduling + running bare pods)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  const [role, a, b] = process.argv.slice(3);
  if (role === 'apiserver') await apiServerChild(a!);
  else if (role === 'cluster') await clusterChild(a!, Number(b));
}
