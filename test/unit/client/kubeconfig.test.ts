import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromParts, loadKubeconfig } from '../../../src/client/kubeconfig.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('kubeconfig current-context selects the cluster server, inline CA and client certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  try {
    const path = join(dir, 'config');
    writeFileSync(path, `apiVersion: v1
kind: Config
current-context: main
clusters:
- name: other
  cluster: { server: https://10.0.0.1:6443 }
- name: local
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: ${b64('CA PEM')}
contexts:
- name: main
  context: { cluster: local, user: admin, namespace: team }
- name: alt
  context: { cluster: other, user: robot }
users:
- name: admin
  user:
    client-certificate-data: ${b64('CERT PEM')}
    client-key-data: ${b64('KEY PEM')}
- name: robot
  user:
    token: abc123
`);
    const cfg = loadKubeconfig(path);
    assert.deepEqual(cfg, { server: 'https://127.0.0.1:6443', ca: 'CA PEM', cert: 'CERT PEM', key: 'KEY PEM', namespace: 'team' });
    const alt = loadKubeconfig(path, { context: 'alt' });
    assert.deepEqual(alt, { server: 'https://10.0.0.1:6443', token: 'abc123' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kubeconfig file references resolve relative to the kubeconfig and insecure-skip-tls-verify is honoured', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), 'CA FROM FILE');
    writeFileSync(join(dir, 'client.crt'), 'CERT FROM FILE');
    writeFileSync(join(dir, 'client.key'), 'KEY FROM FILE');
    writeFileSync(join(dir, 'kc.yaml'), `current-context: c
clusters: [{ name: k, cluster: { server: 'https://h:1', certificate-authority: ca.crt, insecure-skip-tls-verify: true } }]
contexts: [{ name: c, context: { cluster: k, user: u } }]
users: [{ name: u, user: { client-certificate: client.crt, client-key: ${join(dir, 'client.key')} } }]
`);
    const cfg = loadKubeconfig(join(dir, 'kc.yaml'));
    assert.equal(cfg.ca, 'CA FROM FILE');
    assert.equal(cfg.cert, 'CERT FROM FILE');
    assert.equal(cfg.key, 'KEY FROM FILE');
    assert.equal(cfg.insecureSkipTLSVerify, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a kubeconfig whose context is missing is an error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
  try {
    writeFileSync(join(dir, 'kc'), 'current-context: gone\ncontexts: []\n');
    assert.throws(() => loadKubeconfig(join(dir, 'kc')), /context "gone" not found/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('configFromParts takes the parts as given and trims the trailing slash', () => {
  assert.deepEqual(configFromParts({ server: 'http://127.0.0.1:8080/', token: 't' }), { server: 'http://127.0.0.1:8080', token: 't' });
  assert.throws(() => configFromParts({ server: '' }));
});
