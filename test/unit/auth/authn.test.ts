import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isStatusError } from '../../../src/api/errors.ts';
import { createAuthenticator } from '../../../src/apiserver/auth/authn.ts';
import { writeKubeconfig } from '../../../src/apiserver/auth/kubeconfig.ts';
import { ensurePki, issueClientCertificate, type Pki } from '../../../src/apiserver/auth/pki.ts';
import { loadTokenFile, parseTokenFile } from '../../../src/apiserver/auth/token-file.ts';

let dir: string;
let pki: Pki;
let foreign: Pki;
let server: Server;
let port: number;
/** Users the test server saw on /version, in order. */
const versionCallers: Array<string | null> = [];

/** A server shaped like the API server: asks for, but does not require, a client certificate. */
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k8ts-authn-'));
  pki = await ensurePki(join(dir, 'cluster'), { hostname: 'node-a' });
  foreign = await ensurePki(join(dir, 'other'), { hostname: 'node-a' });
  await writeFile(join(dir, 'tokens.csv'), 'secret-token,alice,uid-1,"dev,ops"\n');
  const authenticate = createAuthenticator({ caPem: pki.caCert, tokens: await loadTokenFile(join(dir, 'tokens.csv')) });
  server = createServer(
    { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      try {
        const user = authenticate(req);
        if (new URL(req.url!, 'https://x').pathname === '/version') {
          versionCallers.push(user?.name ?? null);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0-k8ts', platform: 'linux/amd64', seenUser: user?.name ?? null }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ user: user ?? null }));
      } catch (err) {
        assert.ok(isStatusError(err, 'Unauthorized'));
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify(err.toStatus()));
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

function get(opts: { cert?: string; key?: string; token?: string; authorization?: string }): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.authorization) headers.authorization = opts.authorization;
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/api', ca: pki.caCert, cert: opts.cert, key: opts.key, headers, agent: false, servername: 'localhost' },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the admin client certificate authenticates as kubernetes-admin in system:masters', async () => {
  const res = await get({ cert: pki.adminCert, key: pki.adminKey });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.user, { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
});

test('a client certificate from another CA is refused with 401 Unauthorized', async () => {
  const res = await get({ cert: foreign.adminCert, key: foreign.adminKey });
  assert.equal(res.status, 401);
  assert.equal(res.body.reason, 'Unauthorized');
  assert.equal(res.body.message, 'Unauthorized');
});

test('a certificate from the cluster CA without the client-auth usage is refused', async () => {
  const res = await get({ cert: pki.serverCert, key: pki.serverKey });
  assert.equal(res.status, 401);
});

test('a certificate with several organizations yields several groups', async () => {
  const issued = await issueClientCertificate(pki, { name: 'bob', groups: ['team-a', 'team-b'] });
  const res = await get(issued);
  assert.deepEqual(res.body.user, { name: 'bob', groups: ['team-a', 'team-b', 'system:authenticated'] });
});

test('a bearer token from the token file authenticates as its user', async () => {
  const res = await get({ token: 'secret-token' });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.user, { name: 'alice', uid: 'uid-1', groups: ['dev', 'ops', 'system:authenticated'] });
});

test('an unknown bearer token is refused with 401', async () => {
  const res = await get({ token: 'wrong' });
  assert.equal(res.status, 401);
  assert.equal(res.body.kind, 'Status');
  assert.equal(res.body.code, 401);
});

test('an empty bearer token is refused with 401', async () => {
  const res = await get({ authorization: 'Bearer  token-after-two-spaces' });
  assert.equal(res.status, 401);
});

test('a good token still wins when a foreign certificate is also offered', async () => {
  const res = await get({ cert: foreign.adminCert, key: foreign.adminKey, token: 'secret-token' });
  assert.equal(res.status, 200);
  assert.equal(res.body.user.name, 'alice');
});

test('a request with no credentials is anonymous (no user, no error)', async () => {
  const res = await get({});
  assert.equal(res.status, 200);
  assert.equal(res.body.user, null);
});

test('a non-bearer Authorization scheme is not a credential this server checks', async () => {
  const res = await get({ authorization: 'Basic YWxpY2U6cHc=' });
  assert.equal(res.status, 200);
  assert.equal(res.body.user, null);
});

test('token files follow the upstream CSV format', () => {
  const tokens = parseTokenFile('t1,alice,1,"a,b"\n\nt2,bob,,\r\n"t,3",carol,3\n,skipped,4\n');
  assert.deepEqual(tokens.get('t1'), { name: 'alice', uid: '1', groups: ['a', 'b'] });
  assert.deepEqual(tokens.get('t2'), { name: 'bob', groups: [''] });
  assert.deepEqual(tokens.get('t,3'), { name: 'carol', uid: '3', groups: [] });
  assert.equal(tokens.size, 3);
  assert.throws(() => parseTokenFile('only,two\n'), /at least 3 columns/);
});

test('a missing token file means no tokens', async () => {
  assert.equal((await loadTokenFile(join(dir, 'absent.csv'))).size, 0);
});

test('kubectl accepts the generated kubeconfig and certificates', { skip: !existsSync('/usr/bin/kubectl') && 'kubectl not installed' }, async () => {
  const kubeconfig = await writeKubeconfig(join(dir, 'cluster'), {
    server: `https://127.0.0.1:${port}`,
    caPem: pki.caCert,
    certPem: pki.adminCert,
    keyPem: pki.adminKey,
  });
  const cacheDir = join(dir, 'kube-cache');
  versionCallers.length = 0;
  const { stdout } = await promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'version', '-o', 'json'], {
    env: { ...process.env, KUBECACHEDIR: cacheDir, HOME: dir },
    timeout: 60_000,
  });
  const version = JSON.parse(stdout);
  assert.equal(version.serverVersion.gitVersion, 'v1.32.0-k8ts');
  assert.ok(versionCallers.length > 0);
  assert.ok(versionCallers.every((name) => name === 'kubernetes-admin'), versionCallers.join(','));
});

test('kubectl refuses the server when the kubeconfig trusts another CA', { skip: !existsSync('/usr/bin/kubectl') && 'kubectl not installed' }, async () => {
  const kubeconfig = await writeKubeconfig(join(dir, 'other'), {
    server: `https://127.0.0.1:${port}`,
    caPem: foreign.caCert,
    certPem: pki.adminCert,
    keyPem: pki.adminKey,
  });
  await assert.rejects(
    promisify(execFile)('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, 'version', '-o', 'json', '--request-timeout=10s'], {
      env: { ...process.env, KUBECACHEDIR: join(dir, 'kube-cache-2'), HOME: dir },
      timeout: 60_000,
    }),
    (err: Error & { stderr?: string }) => /certificate signed by unknown authority|x509/.test(err.stderr ?? ''),
  );
});
