// The embeddable control plane (`import { startControlPlane } from 'k8ts'`): what it serves,
// how it authenticates, where it keeps data, how it stops, and the components it runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startControlPlane, type Component, type EmbeddedControlPlane } from '../../src/index.ts';
import { parseKubeconfig, type ClientConfig } from '../../src/client/kubeconfig.ts';

interface Answer {
  status: number;
  body: any;
}

/** One HTTPS request with whatever credentials the config holds (none when `anonymous`). */
function httpsCall(config: ClientConfig, method: string, path: string, body?: unknown, anonymous = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      config.server + path,
      {
        method,
        ca: config.ca,
        cert: anonymous ? undefined : config.cert,
        key: anonymous ? undefined : config.key,
        agent: false,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* not JSON (e.g. "ok") */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function clientConfig(cp: EmbeddedControlPlane): ClientConfig {
  return parseKubeconfig(cp.kubeconfig, cp.dataDir);
}

async function portRefuses(url: string): Promise<boolean> {
  try {
    await fetch(url.replace('https:', 'http:') + '/readyz', { signal: AbortSignal.timeout(5000) });
    return false;
  } catch (err) {
    return (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
  }
}

const configMap = (name: string, data: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });

test('answers /readyz with 200 as soon as startControlPlane resolves, over HTTPS with the kubeconfig client certificate', async () => {
  const cp = await startControlPlane();
  try {
    assert.match(cp.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const config = clientConfig(cp);
    assert.equal(config.server, cp.url);
    assert.ok(config.ca && config.cert && config.key, 'kubeconfig embeds a CA, a client certificate and its key');
    assert.deepEqual(await httpsCall(config, 'GET', '/readyz'), { status: 200, body: 'ok' });
    const namespaces = await httpsCall(config, 'GET', '/api/v1/namespaces');
    assert.equal(namespaces.status, 200);
    assert.ok(namespaces.body.items.some((ns: any) => ns.metadata.name === 'kube-system'));
    const whoami = await httpsCall(config, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    assert.equal(whoami.status, 201);
    assert.ok(whoami.body.status.userInfo.groups.includes('system:masters'), JSON.stringify(whoami.body));
  } finally {
    await cp.stop();
  }
});

test('the real kubectl works with the kubeconfig file', async () => {
  const cp = await startControlPlane();
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/kubectl',
        ['get', 'namespaces', '-o', 'name'],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cp.dataDir, KUBECONFIG: cp.kubeconfigPath }, timeout: 60_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)),
      ),
    );
    assert.deepEqual(out.trim().split('\n').sort(), ['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
  } finally {
    await cp.stop();
  }
});

test('a request without a client certificate is refused with 401', async () => {
  const cp = await startControlPlane();
  try {
    const answer = await httpsCall(clientConfig(cp), 'GET', '/api/v1/namespaces', undefined, true);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.reason, 'Unauthorized');
  } finally {
    await cp.stop();
  }
});

test('the kubeconfig file holds the kubeconfig string and only its owner may read it', async () => {
  const cp = await startControlPlane();
  try {
    assert.equal(await readFile(cp.kubeconfigPath, 'utf8'), cp.kubeconfig);
    assert.equal(statSync(cp.kubeconfigPath).mode & 0o777, 0o600);
    const doc = parseYaml(cp.kubeconfig);
    assert.equal(doc.kind, 'Config');
    assert.equal(doc.clusters[0].cluster.server, cp.url);
  } finally {
    await cp.stop();
  }
});

test('insecure: true serves plain HTTP where every request is a cluster admin', async () => {
  const cp = await startControlPlane({ insecure: true });
  try {
    assert.match(cp.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const config = clientConfig(cp);
    assert.equal(config.server, cp.url);
    assert.equal(config.cert, undefined);
    const res = await fetch(`${cp.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(configMap('plain')),
    });
    assert.equal(res.status, 201);
  } finally {
    await cp.stop();
  }
});

test('two control planes in one process keep separate data and share the cached CA', async () => {
  const [a, b] = await Promise.all([startControlPlane(), startControlPlane({ storage: 'temp-file' })]);
  try {
    assert.notEqual(a.url, b.url);
    const ca = (cp: EmbeddedControlPlane) => parseYaml(cp.kubeconfig).clusters[0].cluster['certificate-authority-data'];
    assert.equal(ca(a), ca(b));
    assert.equal((await httpsCall(clientConfig(a), 'POST', '/api/v1/namespaces/default/configmaps', configMap('only-in-a'))).status, 201);
    assert.equal((await httpsCall(clientConfig(a), 'GET', '/api/v1/namespaces/default/configmaps/only-in-a')).status, 200);
    assert.equal((await httpsCall(clientConfig(b), 'GET', '/api/v1/namespaces/default/configmaps/only-in-a')).status, 404);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test(
  'storage { sqlitePath } keeps objects across stop() and a new start',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8ts-embed-test-'));
    try {
      const sqlitePath = join(dir, 'kept.db');
      const first = await startControlPlane({ storage: { sqlitePath } });
      assert.equal((await httpsCall(clientConfig(first), 'POST', '/api/v1/namespaces/default/configmaps', configMap('kept', { k: 'v' }))).status, 201);
      await first.stop();
      assert.ok(existsSync(sqlitePath));

      const second = await startControlPlane({ storage: { sqlitePath } });
      try {
        const kept = await httpsCall(clientConfig(second), 'GET', '/api/v1/namespaces/default/configmaps/kept');
        assert.equal(kept.status, 200);
        assert.deepEqual(kept.body.data, { k: 'v' });
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('storage { sqlitePath } writes the given file and leaves it after stop()', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-embed-test-'));
  try {
    const sqlitePath = join(dir, 'kept.db');
    const cp = await startControlPlane({ storage: { sqlitePath } });
    assert.equal((await httpsCall(clientConfig(cp), 'POST', '/api/v1/namespaces/default/configmaps', configMap('kept'))).status, 201);
    await cp.stop();
    assert.ok(statSync(sqlitePath).size > 0);
    assert.equal(existsSync(cp.dataDir), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('by default the store is in memory; storage: temp-file puts a SQLite file in the temp dir', async () => {
  const inMemory = await startControlPlane();
  assert.equal(existsSync(join(inMemory.dataDir, 'state.db')), false);
  await inMemory.stop();

  const onTempFile = await startControlPlane({ storage: 'temp-file' });
  assert.equal((await httpsCall(clientConfig(onTempFile), 'POST', '/api/v1/namespaces/default/configmaps', configMap('on-disk'))).status, 201);
  assert.ok(statSync(join(onTempFile.dataDir, 'state.db')).size > 0);
  await onTempFile.stop();
  assert.equal(existsSync(onTempFile.dataDir), false);
});

test('stop() closes the port and removes the temp dir; a second stop() does nothing', async () => {
  const cp = await startControlPlane();
  assert.equal(await portRefuses(cp.url), false);
  await cp.stop();
  assert.equal(await portRefuses(cp.url), true);
  assert.equal(existsSync(cp.dataDir), false);
  await cp.stop();
});

test('a process that exits without stop() leaves no temp dir behind', async () => {
  const index = new URL('../../src/index.ts', import.meta.url).pathname;
  const script = `
    const { startControlPlane } = await import(${JSON.stringify(index)});
    const a = await startControlPlane();
    const b = await startControlPlane({ storage: 'temp-file' });
    const c = await startControlPlane();
    await c.stop();
    process.stdout.write(JSON.stringify([a.dataDir, b.dataDir]));
    process.exit(0);
  `;
  const dirs = await new Promise<string[]>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(JSON.parse(stdout)),
    ),
  );
  assert.equal(dirs.length, 2);
  for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} removed at exit`);
});

test('a component starts with a context that reaches the API server and stops before the API server does', async () => {
  const calls: string[] = [];
  const probe: Component = {
    name: 'probe',
    async start(ctx) {
      const config = parseKubeconfig(await readFile(ctx.kubeconfigPath, 'utf8'), ctx.config.dataDir);
      calls.push(`start ${(await httpsCall(config, 'GET', '/api/v1/namespaces/default')).status} ${ctx.apiServer.url === config.server}`);
      return {
        async stop() {
          calls.push(`stop ${(await httpsCall(config, 'GET', '/api/v1/namespaces/default')).status}`);
        },
      };
    },
  };
  const cp = await startControlPlane({ components: [probe] });
  await cp.stop();
  assert.deepEqual(calls, ['start 200 true', 'stop 200']);
});

test('a component that fails to start fails startControlPlane and leaves nothing running', async () => {
  let seen: { url: string; dataDir: string } | undefined;
  const broken: Component = {
    name: 'broken',
    async start(ctx) {
      seen = { url: ctx.apiServer.url, dataDir: ctx.config.dataDir };
      throw new Error('broken on purpose');
    },
  };
  await assert.rejects(startControlPlane({ components: [broken] }), /broken on purpose/);
  assert.ok(seen);
  assert.equal(await portRefuses(seen.url), true);
  assert.equal(existsSync(seen.dataDir), false);
});

test('with controllers, the scheduler and simulated nodes, a Deployment gets running pods on the simulated nodes', async () => {
  const cp = await startControlPlane({ controllers: true, scheduler: true, simNodes: 2 });
  try {
    const config = clientConfig(cp);
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    };
    assert.equal((await httpsCall(config, 'POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).status, 201);
    const deadline = Date.now() + 30_000;
    let pods: any[] = [];
    while (Date.now() < deadline) {
      pods = (await httpsCall(config, 'GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).body.items;
      if (pods.length === 3 && pods.every((p) => p.status?.phase === 'Running')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(
      pods.map((p) => p.status?.phase),
      ['Running', 'Running', 'Running'],
      JSON.stringify(pods.map((p) => ({ name: p.metadata.name, node: p.spec.nodeName, phase: p.status?.phase }))),
    );
    const nodes = (await httpsCall(config, 'GET', '/api/v1/nodes')).body.items.map((n: any) => n.metadata.name);
    assert.equal(nodes.length, 2);
    for (const pod of pods) assert.ok(nodes.includes(pod.spec.nodeName), `${pod.metadata.name} on ${pod.spec.nodeName}`);
  } finally {
    await cp.stop();
  }
});

test('in insecure mode the components reach the API server through the plain-HTTP kubeconfig', async () => {
  const cp = await startControlPlane({ insecure: true, simNodes: 1 });
  try {
    const nodes = (await (await fetch(`${cp.url}/api/v1/nodes`)).json()) as { items: Array<{ metadata: { name: string } }> };
    assert.equal(nodes.items.length, 1);
  } finally {
    await cp.stop();
  }
});

test('the README example is exactly the code of test/component/client-node-readme.test.ts', async () => {
  const root = new URL('../../', import.meta.url);
  const readme = await readFile(new URL('README.md', root), 'utf8');
  const section = readme.split('\n## Embedding the control plane in your tests\n')[1];
  assert.ok(section, 'README has the section');
  const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.equal(example, await readFile(new URL('test/component/client-node-readme.test.ts', root), 'utf8'));
});
