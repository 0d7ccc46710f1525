import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ApiServerOptions, RunningApiServer } from '../../../src/apiserver/options.ts';
import { openStore } from '../../../src/storage/open.ts';
import type { Store } from '../../../src/storage/store.ts';
import { startControlPlane, waitForReady, type Component, type ControlPlaneConfig, type ControlPlaneDeps } from '../../../src/cli/server.ts';
import { ensurePki } from '../../../src/apiserver/auth/pki.ts';

/** Stands in for the real API server: serves /readyz, and /whoami through the given authenticator. */
async function fakeApiServer(opts: ApiServerOptions, events: string[], seen: ApiServerOptions[]): Promise<RunningApiServer> {
  seen.push(opts);
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url === '/readyz') {
      res.end('ok');
      return;
    }
    try {
      const user = opts.authenticate?.(req);
      res.end(JSON.stringify({ user: user?.name ?? null }));
    } catch {
      res.statusCode = 401;
      res.end();
    }
  };
  const listen = async (server: Server | import('node:http').Server, port: number, host: string) => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
    return (server.address() as AddressInfo).port;
  };
  const server = createHttpsServer({ ...opts.tls!, requestCert: true, rejectUnauthorized: false }, handler);
  const port = await listen(server, opts.port, opts.host ?? '127.0.0.1');
  const insecure = opts.insecurePort === undefined ? undefined : createHttpServer(handler);
  const insecurePort = insecure ? await listen(insecure, opts.insecurePort!, '127.0.0.1') : undefined;
  events.push(`apiserver started${insecure ? ' with insecure listener' : ''}`);
  opts.log?.(`listening on https://${opts.host}:${port}`);
  return {
    url: `https://${opts.host}:${port}`,
    port,
    insecureUrl: insecure ? `http://127.0.0.1:${insecurePort}` : undefined,
    close: async () => {
      for (const s of [server, insecure]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
      events.push('apiserver closed');
    },
  };
}

function harness(events: string[]) {
  const seen: ApiServerOptions[] = [];
  const deps: ControlPlaneDeps = {
    openStore: async (o) => {
      events.push(`store opened ${JSON.stringify(o)}`);
      const store: Store = await openStore({ ...o, compaction: false });
      const close = store.close.bind(store);
      store.close = async () => {
        await close();
        events.push('store closed');
      };
      return store;
    },
    startApiServer: (o) => fakeApiServer(o, events, seen),
  };
  return { deps, seen };
}

function config(dataDir: string, extra: Partial<ControlPlaneConfig> = {}): ControlPlaneConfig {
  return {
    dataDir,
    port: 0,
    bindAddress: '127.0.0.1',
    datastoreEndpoints: [],
    serviceClusterIPRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    insecurePort: 0,
    tokenAuthFile: join(dataDir, 'tokens.csv'),
    tlsSans: [],
    simNodes: 0,
    ...extra,
  };
}

function component(name: string, events: string[]): Component {
  return {
    name,
    start: async (ctx) => {
      events.push(`${name} started (kubeconfig ${existsSync(ctx.kubeconfigPath) ? 'present' : 'missing'})`);
      return { stop: async () => void events.push(`${name} stopped`) };
    },
  };
}

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-server-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('the control plane opens the store in the data dir, makes certificates, serves TLS and writes the kubeconfig', async (t) => {
  const dir = join(await tempDir(t), 'data');
  const events: string[] = [];
  const lines: string[] = [];
  const { deps, seen } = harness(events);
  const plane = await startControlPlane(config(dir), [component('scheduler', events), component('controller-manager', events)], (l) => lines.push(l), deps);
  try {
    assert.ok(existsSync(join(dir, 'state.db')));
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.equal(seen[0]!.host, '127.0.0.1');
    assert.equal(seen[0]!.tls?.cert, plane.pki.serverCert);
    assert.equal(typeof seen[0]!.authenticate, 'function');

    const kubeconfig = parse(await readFile(plane.kubeconfigPath, 'utf8'));
    assert.equal(plane.kubeconfigPath, join(dir, 'kubeconfig.yaml'));
    assert.equal(kubeconfig.clusters[0].cluster.server, `https://127.0.0.1:${plane.apiServer.port}`);

    assert.match(lines[0]!, /^store: opened SQLite .*state\.db \(revision \d+\)$/);
    assert.match(lines[1]!, /^certificates: generated ca, server, admin in .*pki$/);
    assert.ok(lines.includes(`apiserver: listening on ${plane.apiServer.url}`));
    assert.ok(lines.includes('apiserver: ready'));
    assert.deepEqual(events.slice(1), [
      'apiserver started',
      'scheduler started (kubeconfig present)',
      'controller-manager started (kubeconfig present)',
    ]);
  } finally {
    await plane.stop();
  }
  assert.deepEqual(events.slice(-4), ['controller-manager stopped', 'scheduler stopped', 'apiserver closed', 'store closed']);
  await plane.stop(); // idempotent
  assert.equal(events.filter((e) => e === 'store closed').length, 1);
});

test('the authenticator given to the API server knows the admin certificate', async (t) => {
  const dir = await tempDir(t);
  const events: string[] = [];
  const { deps } = harness(events);
  const plane = await startControlPlane(config(dir), [], () => {}, deps);
  t.after(() => plane.stop());
  const { request } = await import('node:https');
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(`${plane.apiServer.url}/whoami`, { ca: plane.pki.caCert, cert: plane.pki.adminCert, key: plane.pki.adminKey, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(JSON.parse(body), { user: 'kubernetes-admin' });
});

test('a restart reuses the certificates and the store', async (t) => {
  const dir = await tempDir(t);
  const first = await startControlPlane(config(dir), [], () => {}, harness([]).deps);
  const caCert = first.pki.caCert;
  await first.stop();
  const lines: string[] = [];
  const second = await startControlPlane(config(dir), [], (l) => lines.push(l), harness([]).deps);
  await second.stop();
  assert.equal(second.pki.caCert, caCert);
  assert.ok(lines.some((l) => /^certificates: reusing /.test(l)));
});

test('--insecure-port asks the API server for a plain HTTP loopback listener', async (t) => {
  const dir = await tempDir(t);
  const probe = createHttpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const freePort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));

  const events: string[] = [];
  const { deps, seen } = harness(events);
  const plane = await startControlPlane(config(dir, { insecurePort: freePort }), [], () => {}, deps);
  await plane.stop();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.insecurePort, freePort);
  assert.deepEqual(events.slice(1), ['apiserver started with insecure listener', 'apiserver closed', 'store closed']);
});

test('without --insecure-port no plain HTTP listener is asked for', async (t) => {
  const dir = await tempDir(t);
  const { deps, seen } = harness([]);
  const plane = await startControlPlane(config(dir), [], () => {}, deps);
  await plane.stop();
  assert.equal(seen[0]!.insecurePort, undefined);
});

test('a component that fails to start shuts down everything already started', async (t) => {
  const dir = await tempDir(t);
  const events: string[] = [];
  const failing: Component = { name: 'broken', start: async () => Promise.reject(new Error('cannot start')) };
  await assert.rejects(startControlPlane(config(dir), [component('scheduler', events), failing], () => {}, harness(events).deps), /cannot start/);
  assert.deepEqual(events.slice(-3), ['scheduler stopped', 'apiserver closed', 'store closed']);
});

test('waiting for readiness gives up with the last /readyz answer', async (t) => {
  const dir = await tempDir(t);
  const pki = await ensurePki(dir, { hostname: 'node-a' });
  const server = createHttpsServer({ key: pki.serverKey, cert: pki.serverCert }, (_req, res) => {
    res.statusCode = 500;
    res.end('[-]etcd failed');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await assert.rejects(waitForReady(url, pki, 400), /did not become ready within 0\.4s \(\/readyz: HTTP 500\)/);
});
