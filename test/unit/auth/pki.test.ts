import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, issueClientCertificate, pkiPaths } from '../../../src/apiserver/auth/pki.ts';

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const DAY = 24 * 60 * 60 * 1000;

test('first start generates a CA, a serving and an admin certificate, keys with mode 0600', async (t) => {
  const dir = await tempDir(t);
  const pki = await ensurePki(dir, { hostname: 'node-a' });
  assert.deepEqual(pki.generated, ['ca', 'server', 'admin']);
  const paths = pkiPaths(dir);
  for (const key of [paths.caKey, paths.serverKey, paths.adminKey]) {
    assert.equal((await stat(key)).mode & 0o777, 0o600, key);
  }
  const ca = new X509Certificate(pki.caCert);
  assert.equal(ca.ca, true);
  const caYears = (Date.parse(ca.validTo) - Date.now()) / (365 * DAY);
  assert.ok(caYears > 9.9 && caYears < 10.1, `CA lifetime ${caYears} years`);
  const admin = new X509Certificate(pki.adminCert);
  assert.equal(admin.subject, 'CN=kubernetes-admin\nO=system:masters');
  assert.ok(admin.verify(ca.publicKey));
  assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  const server = new X509Certificate(pki.serverCert);
  assert.ok(server.verify(ca.publicKey));
  assert.equal(await readFile(paths.serverCert, 'utf8'), pki.serverCert);
});

test('the serving certificate carries the cluster names, loopback, the service IP and the hostname', async (t) => {
  const dir = await tempDir(t);
  const pki = await ensurePki(dir, { hostname: 'node-a', extraSans: ['192.0.2.7', 'api.example.test'] });
  const sans = new X509Certificate(pki.serverCert).subjectAltName!.split(', ');
  for (const want of [
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'DNS:node-a',
    'DNS:api.example.test',
    'IP Address:127.0.0.1',
    'IP Address:0:0:0:0:0:0:0:1',
    'IP Address:10.96.0.1',
    'IP Address:192.0.2.7',
  ]) {
    assert.ok(sans.includes(want), `missing ${want} in ${sans.join(', ')}`);
  }
});

test('a second start reuses every file', async (t) => {
  const dir = await tempDir(t);
  const first = await ensurePki(dir, { hostname: 'node-a' });
  const second = await ensurePki(dir, { hostname: 'node-a' });
  assert.deepEqual(second.generated, []);
  assert.equal(second.caCert, first.caCert);
  assert.equal(second.serverKey, first.serverKey);
  assert.equal(second.adminCert, first.adminCert);
});

test('expired leaf certificates are reissued by the same CA', async (t) => {
  const dir = await tempDir(t);
  const first = await ensurePki(dir, { hostname: 'node-a' });
  const later = await ensurePki(dir, { hostname: 'node-a', now: new Date(Date.now() + 400 * DAY) });
  assert.deepEqual(later.generated, ['server', 'admin']);
  assert.equal(later.caCert, first.caCert);
  assert.notEqual(later.serverCert, first.serverCert);
  assert.ok(new X509Certificate(later.serverCert).verify(new X509Certificate(first.caCert).publicKey));
});

test('a missing admin key regenerates only the admin certificate', async (t) => {
  const dir = await tempDir(t);
  const first = await ensurePki(dir, { hostname: 'node-a' });
  await rm(pkiPaths(dir).adminKey);
  const second = await ensurePki(dir, { hostname: 'node-a' });
  assert.deepEqual(second.generated, ['admin']);
  assert.equal(second.serverCert, first.serverCert);
});

test('a replaced CA makes both leaf certificates be reissued', async (t) => {
  const dir = await tempDir(t);
  await ensurePki(dir, { hostname: 'node-a' });
  await rm(pkiPaths(dir).caKey);
  const second = await ensurePki(dir, { hostname: 'node-a' });
  assert.deepEqual(second.generated, ['ca', 'server', 'admin']);
});

test('a new service range or hostname reissues the serving certificate', async (t) => {
  const dir = await tempDir(t);
  await ensurePki(dir, { hostname: 'node-a' });
  const moved = await ensurePki(dir, { hostname: 'node-a', serviceClusterIPRange: '10.43.0.0/16' });
  assert.deepEqual(moved.generated, ['server']);
  assert.match(new X509Certificate(moved.serverCert).subjectAltName!, /IP Address:10\.43\.0\.1/);
  const renamed = await ensurePki(dir, { hostname: 'node-b', serviceClusterIPRange: '10.43.0.0/16' });
  assert.deepEqual(renamed.generated, ['server']);
});

test('issued client certificates name the user and groups', async (t) => {
  const dir = await tempDir(t);
  const pki = await ensurePki(dir, { hostname: 'node-a' });
  const issued = await issueClientCertificate(pki, { name: 'system:kube-scheduler', groups: ['a', 'b'] });
  const cert = new X509Certificate(issued.cert);
  assert.equal(cert.subject, 'CN=system:kube-scheduler\nO=a\nO=b');
  assert.ok(cert.verify(new X509Certificate(pki.caCert).publicKey));
});

test('openssl verifies the generated certificates against the CA', { skip: !existsSync('/usr/bin/openssl') && 'openssl not installed' }, async (t) => {
  const dir = await tempDir(t);
  await ensurePki(dir, { hostname: 'node-a' });
  const paths = pkiPaths(dir);
  const out = execFileSync('openssl', ['verify', '-CAfile', paths.caCert, paths.serverCert, paths.adminCert], { encoding: 'utf8' });
  assert.equal(out, `${paths.serverCert}: OK\n${paths.adminCert}: OK\n`);
  const purpose = execFileSync('openssl', ['verify', '-CAfile', paths.caCert, '-purpose', 'sslclient', paths.adminCert], { encoding: 'utf8' });
  assert.match(purpose, /OK/);
  // the private key files parse and match their certificates
  const keyPub = execFileSync('openssl', ['pkey', '-in', paths.serverKey, '-pubout'], { encoding: 'utf8' });
  const certPub = execFileSync('openssl', ['x509', '-in', paths.serverCert, '-noout', '-pubkey'], { encoding: 'utf8' });
  assert.equal(keyPub, certPub);
});
