// The component commands as separate processes, the way upstream's binaries are run:
// `k8ts apiserver`, then `k8ts controller-manager`, `k8ts scheduler` and `k8ts sim` joining
// it through its kubeconfig, driven by the real kubectl; and `k8ts server` passing
// --node-monitor-grace-period to the controller manager it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = new URL('../../', import.meta.url).pathname;
const KUBECTL = '/usr/bin/kubectl';
const skip = !existsSync(KUBECTL) && `${KUBECTL} is not installed`;

interface K8tsProcess {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

function k8ts(args: string[]): K8tsProcess {
  const child = spawn(process.execPath, [join(root, 'bin/k8ts.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => ({ stdout, stderr }),
    async waitForOutput(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout + stderr)) {
        if (child.exitCode !== null) throw new Error(`k8ts ${args[0]} exited ${child.exitCode} before printing ${pattern}:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`k8ts ${args[0]} did not print ${pattern} within ${timeoutMs / 1000}s:\n${stderr}`);
        await sleep(100);
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function kubectlIn(dir: string, kubeconfig: string) {
  return async (...args: string[]): Promise<string> => {
    const { stdout } = await promisify(execFile)(KUBECTL, ['--kubeconfig', kubeconfig, ...args], {
      env: { PATH: process.env.PATH, HOME: dir, KUBECACHEDIR: join(dir, 'kubecache') },
      timeout: 60_000,
    });
    return stdout;
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000}s${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

test('a deployment rolls out on an apiserver joined by separate controller-manager, scheduler and sim processes', { skip, timeout: 85_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-components-'));
  const processes: K8tsProcess[] = [];
  t.after(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  });

  const apiserver = k8ts(['apiserver', '--data-dir', join(dir, 'data'), '--port', '0', '--bind-address', '127.0.0.1']);
  processes.push(apiserver);
  await apiserver.waitForOutput(/^export KUBECONFIG=/m, 60_000);
  const kubeconfig = join(dir, 'data', 'kubeconfig.yaml');
  assert.equal(apiserver.output().stdout, `export KUBECONFIG=${kubeconfig}\n`);

  const metricsPort = await freePort();
  const controllerManager = k8ts(['controller-manager', '--kubeconfig', kubeconfig, '--controllers', '*,-garbagecollector', '--concurrent-deployment-syncs', '2']);
  const scheduler = k8ts(['scheduler', '--kubeconfig', kubeconfig, '--port', String(metricsPort)]);
  const sim = k8ts(['sim', '--kubeconfig', kubeconfig, '--nodes', '2', '--node-name-prefix', 'worker']);
  processes.push(controllerManager, scheduler, sim);
  await Promise.all([
    controllerManager.waitForOutput(/became leader/, 60_000),
    scheduler.waitForOutput(/^scheduler: started$/m, 60_000),
    sim.waitForOutput(/^sim-nodes: started$/m, 60_000),
  ]);

  const kubectl = kubectlIn(dir, kubeconfig);
  assert.deepEqual((await kubectl('get', 'nodes', '-o', 'name')).trim().split('\n').sort(), ['node/worker-0', 'node/worker-1']);
  await kubectl('create', 'deployment', 'x', '--image=nginx', '--replicas=2');
  const rollout = await kubectl('rollout', 'status', 'deployment/x', '--timeout=45s');
  assert.match(rollout, /deployment "x" successfully rolled out/);
  const pods = JSON.parse(await kubectl('get', 'pods', '-l', 'app=x', '-o', 'json')).items as { spec: { nodeName?: string }; status: { phase: string } }[];
  assert.equal(pods.length, 2);
  for (const pod of pods) {
    assert.match(pod.spec.nodeName ?? '', /^worker-[01]$/);
    assert.equal(pod.status.phase, 'Running');
  }

  const healthz = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
  assert.equal(await healthz.text(), 'ok');
  assert.match(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(), /scheduler_/);

  for (const p of [sim, scheduler, controllerManager, apiserver]) {
    assert.equal(await p.stop('SIGTERM'), 0, p.output().stderr);
    assert.match(p.output().stderr, /SIGTERM: shutting down\nstopped\n$/);
  }
});

test('k8ts server --node-monitor-grace-period 5s taints a node whose heartbeat stopped, and only that one', { skip, timeout: 85_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-grace-'));
  const processes: K8tsProcess[] = [];
  t.after(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  });

  const server = k8ts([
    'server', '--data-dir', join(dir, 'data'), '--port', '0', '--bind-address', '127.0.0.1',
    '--sim-nodes', '2', '--sim-heartbeat-interval', '1s', '--node-monitor-grace-period', '5s', '--node-monitor-period', '1s',
  ]);
  processes.push(server);
  await server.waitForOutput(/^export KUBECONFIG=/m, 60_000);
  const kubeconfig = join(dir, 'data', 'kubeconfig.yaml');
  const kubectl = kubectlIn(dir, kubeconfig);

  // The in-process nodes cannot be silenced from outside; a node of a separate sim process can.
  const doomed = k8ts(['sim', '--kubeconfig', kubeconfig, '--nodes', '1', '--node-name-prefix', 'doomed', '--first-node-index', '10', '--heartbeat-interval', '1s']);
  processes.push(doomed);
  await doomed.waitForOutput(/^sim-nodes: started$/m, 60_000);

  const taintsOf = async (node: string): Promise<string[]> => {
    const taints = JSON.parse(await kubectl('get', 'node', node, '-o', 'jsonpath={.spec.taints}') || '[]') as { key: string; effect: string }[];
    return taints.map((taint) => `${taint.key}:${taint.effect}`).sort();
  };
  // Healthy for longer than the grace period with 1 s heartbeats: never tainted.
  await sleep(7_000);
  assert.deepEqual(await taintsOf('doomed-10'), []);

  await doomed.stop('SIGKILL');
  const killedAt = Date.now();
  const taints = await until(
    'the unreachable taint on doomed-10',
    async () => {
      const found = await taintsOf('doomed-10');
      return found.includes('node.kubernetes.io/unreachable:NoSchedule') ? found : undefined;
    },
    30_000,
  );
  const seconds = (Date.now() - killedAt) / 1000;
  assert.ok(seconds >= 4, `tainted after ${seconds}s, before the 5s grace period ran out`);
  assert.ok(taints.every((taint) => taint.startsWith('node.kubernetes.io/unreachable:')), taints.join(','));
  const ready = await kubectl('get', 'node', 'doomed-10', '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}');
  assert.equal(ready, 'Unknown');
  for (const healthy of ['sim-node-0', 'sim-node-1']) assert.deepEqual(await taintsOf(healthy), [], healthy);

  assert.equal(await server.stop('SIGTERM'), 0, server.output().stderr);
});
