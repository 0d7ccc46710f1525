// The real `k8ts server` process: starts, prints the KUBECONFIG line, serves kubectl with the
// generated kubeconfig, refuses anonymous requests, and exits 0 on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const root = new URL('../../../', import.meta.url).pathname;
const apiServerLoads = await import('../../../src/apiserver/server.ts').then(
  () => true,
  () => false,
);

test('k8ts server serves kubectl with the kubeconfig it writes and stops on SIGTERM', { skip: !apiServerLoads && 'src/apiserver/server.ts does not load yet', timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-process-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [join(root, 'bin/k8ts.mjs'), 'server', '--data-dir', join(dir, 'data'), '--port', '0', '--bind-address', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const deadline = Date.now() + 60_000;
  while (!stdout.includes('export KUBECONFIG=') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const kubeconfigPath = join(dir, 'data', 'kubeconfig.yaml');
  assert.equal(stdout, `export KUBECONFIG=${kubeconfigPath}\n`, stderr);
  assert.match(stderr, /^store: opened SQLite /m);
  assert.match(stderr, /^certificates: generated ca, server, admin in /m);
  assert.match(stderr, /^apiserver: listening on https:\/\/127\.0\.0\.1:\d+$/m);

  const server = parse(await readFile(kubeconfigPath, 'utf8')).clusters[0].cluster.server as string;
  const anonymous = await new Promise<number>((resolve, reject) => {
    const req = request(`${server}/api`, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(anonymous, 401);

  if (existsSync('/usr/bin/kubectl')) {
    const { stdout: readyz } = await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfigPath, 'get', '--raw', '/readyz'], {
      env: { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
      timeout: 60_000,
    });
    assert.equal(readyz.trim(), 'ok');
  }

  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /SIGTERM: shutting down\nstopped\n$/);
});
