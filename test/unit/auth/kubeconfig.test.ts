import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildKubeconfig, clientUrl, writeKubeconfig } from '../../../src/apiserver/auth/kubeconfig.ts';

const input = { server: 'https://127.0.0.1:6443', caPem: 'CA PEM\n', certPem: 'CERT PEM\n', keyPem: 'KEY PEM\n' };

test('the kubeconfig embeds the CA, client certificate and key, and selects the k8ts context', () => {
  const config = parse(buildKubeconfig(input));
  assert.equal(config['current-context'], 'k8ts');
  assert.deepEqual(config.clusters, [
    { name: 'k8ts', cluster: { 'certificate-authority-data': Buffer.from('CA PEM\n').toString('base64'), server: 'https://127.0.0.1:6443' } },
  ]);
  assert.deepEqual(config.contexts, [{ name: 'k8ts', context: { cluster: 'k8ts', user: 'admin' } }]);
  assert.equal(Buffer.from(config.users[0].user['client-certificate-data'], 'base64').toString(), 'CERT PEM\n');
  assert.equal(Buffer.from(config.users[0].user['client-key-data'], 'base64').toString(), 'KEY PEM\n');
});

test('a token-only user gets a token and no certificate', () => {
  const config = parse(buildKubeconfig({ server: input.server, caPem: input.caPem, token: 'abc' }));
  assert.deepEqual(config.users[0].user, { token: 'abc' });
  assert.throws(() => buildKubeconfig({ server: input.server, caPem: input.caPem }), /client certificate and key, or a token/);
});

test('the kubeconfig file is written with mode 0600', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-kubeconfig-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = await writeKubeconfig(dir, input);
  assert.equal(path, join(dir, 'kubeconfig.yaml'));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.equal(await readFile(path, 'utf8'), buildKubeconfig(input));
});

test('a wildcard bind address is reached through loopback', () => {
  assert.equal(clientUrl('https', '0.0.0.0', 6443), 'https://127.0.0.1:6443');
  assert.equal(clientUrl('https', '::', 6443), 'https://[::1]:6443');
  assert.equal(clientUrl('http', '192.0.2.1', 8080), 'http://192.0.2.1:8080');
});
