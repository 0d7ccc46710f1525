// `npm run bench -- startup`: how fast the embeddable control plane is ready.
// Each round starts a fresh process (as a test file does under `node --test`) that imports
// 'k8ts', calls startControlPlane() (defaults: SQLite in memory, HTTPS, client-certificate
// kubeconfig) and reports the time from the call to ready, then stops and starts a second
// one in the same process. Rounds alternate with a bare `node -e "0"` start, so both see
// the same machine load. Median of 5. The certificates come from the per-user cache (a
// warm-up round fills it); one extra round with an empty cache shows the cost of issuing them.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROUNDS = 5;

interface ChildTimes {
  /** import 'k8ts' */
  importMs: number;
  /** First startControlPlane() in the process: call → resolved (API server ready). */
  coldMs: number;
  /** A second one in the same process. */
  warmMs: number;
  /** A third, with storage: 'temp-file' (a SQLite file with synchronous=FULL). */
  warmTempFileMs: number;
}

export async function main(): Promise<void> {
  const bare: number[] = [];
  const bareTsx: number[] = [];
  const runs: ChildTimes[] = [];
  const spawnToReady: number[] = [];

  await measureChild(); // warm-up: fills the certificate cache and the tsx transform cache
  for (let round = 0; round < ROUNDS; round++) {
    bare.push(await timeProcess(['-e', '0']));
    bareTsx.push(await timeProcess(['--import', 'tsx', '-e', '0']));
    const { times, spawnToReadyMs } = await measureChild();
    spawnToReady.push(spawnToReadyMs);
    runs.push(times);
  }
  const emptyCacheDir = await mkdtemp(join(tmpdir(), 'k8ts-bench-startup-'));
  let issuing: ChildTimes;
  try {
    issuing = (await measureChild({ TMPDIR: emptyCacheDir })).times;
  } finally {
    await rm(emptyCacheDir, { recursive: true, force: true });
  }

  const cold = median(runs.map((r) => r.coldMs));
  const nodeStart = median(bare);
  const line = (label: string, ms: number) => console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms`);
  console.log(`embedded control plane start, median of ${ROUNDS} fresh processes (defaults: SQLite in memory, HTTPS, client-cert kubeconfig)`);
  line("import { startControlPlane } from 'k8ts'", median(runs.map((r) => r.importMs)));
  line('startControlPlane() → ready, first in the process', cold);
  line('startControlPlane() → ready, second in the same process', median(runs.map((r) => r.warmMs)));
  line("startControlPlane({ storage: 'temp-file' }) → ready, third", median(runs.map((r) => r.warmTempFileMs)));
  line('spawn → ready (node + tsx + import + first start)', median(spawnToReady));
  line('startControlPlane() → ready, first, certificates not cached', issuing.coldMs);
  line('baseline: node -e "0" (spawn → exit)', nodeStart);
  line('baseline: node --import tsx -e "0" (spawn → exit)', median(bareTsx));
  console.log(`startup: ${cold.toFixed(0)} ms to ready (${(cold / nodeStart).toFixed(2)} of a bare node start)`);
}

function timeProcess(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(' ')} exited with ${code}`))));
  });
}

/** The child prints `ready` when its first control plane is up, then its times as JSON. */
function measureChild(env: Record<string, string> = {}): Promise<{ times: ChildTimes; spawnToReadyMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let spawnToReadyMs = NaN;
    const child = spawn(process.execPath, ['--import', 'tsx', new URL(import.meta.url).pathname, '--child'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (Number.isNaN(spawnToReadyMs) && out.startsWith('ready\n')) spawnToReadyMs = performance.now() - started;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`startup child exited with ${code}: ${out}`));
      try {
        resolve({ times: JSON.parse(out.trim().split('\n').pop()!) as ChildTimes, spawnToReadyMs });
      } catch (err) {
        reject(new Error(`startup child printed no times: ${out} (${(err as Error).message})`));
      }
    });
  });
}

async function child(): Promise<void> {
  const importStarted = performance.now();
  const { startControlPlane } = await import('k8ts');
  const importMs = performance.now() - importStarted;

  const coldStarted = performance.now();
  const first = await startControlPlane();
  const coldMs = performance.now() - coldStarted;
  process.stdout.write('ready\n');
  await first.stop();

  const warmStarted = performance.now();
  const second = await startControlPlane();
  const warmMs = performance.now() - warmStarted;
  await second.stop();

  const tempFileStarted = performance.now();
  const third = await startControlPlane({ storage: 'temp-file' });
  const warmTempFileMs = performance.now() - tempFileStarted;
  await third.stop();

  console.log(JSON.stringify({ importMs, coldMs, warmMs, warmTempFileMs } satisfies ChildTimes));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--child') {
  await child();
}
