import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, type Pki } from '../../../src/apiserver/auth/pki.ts';
import { configFromParts, loadKubeconfig } from '../../../src/client/kubeconfig.ts';
import { RestClient } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';

let dir: string;
let pki: Pki;
let server: https.Server;
let url: string;

// Answers who the caller is: the client certificate's CN and the Authorization header.
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'client-tls-'));
  pki = await ensurePki(dir, { hostname: 'localhost' });
  server = https.createServer({ cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    const authorized = (req.socket as TLSSocket).authorized;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ metadata: { name: 'who' }, cn: authorized ? peer.subject?.CN : undefined, auth: req.headers.authorization ?? null, socket: `${req.socket.remotePort}` }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

type Who = { cn?: string; auth: string | null; socket: string };

test('https with the cluster CA and a client certificate authenticates as that certificate', async () => {
  const c = new RestClient(configFromParts({ server: url, ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey }));
  try {
    const who = await c.get<Who>(resources.namespaces, 'x');
    assert.equal(who.cn, 'kubernetes-admin');
    assert.equal(who.auth, null);
  } finally {
    c.close();
  }
});

test('requests reuse one keep-alive connection', async () => {
  const c = new RestClient(configFromParts({ server: url, ca: pki.caCert, token: 'tok' }));
  try {
    const a = await c.get<Who>(resources.namespaces, 'x');
    const b = await c.get<Who>(resources.namespaces, 'y');
    assert.equal(a.auth, 'Bearer tok');
    assert.equal(a.socket, b.socket);
  } finally {
    c.close();
  }
});

test('a server certificate not signed by the configured CA is refused unless verification is skipped', async () => {
  const other = await ensurePki(join(dir, 'other'), { hostname: 'localhost' });
  const strict = new RestClient(configFromParts({ server: url, ca: other.caCert }));
  const insecure = new RestClient(configFromParts({ server: url, insecureSkipTLSVerify: true }));
  try {
    await assert.rejects(strict.get(resources.namespaces, 'x'), /self[- ]signed|unable to verify|certificate/i);
    const who = await insecure.get<Who>(resources.namespaces, 'x');
    assert.equal(who.cn, undefined);
  } finally {
    strict.close();
    insecure.close();
  }
});

test('a kubeconfig with file references drives an https client end to end', async () => {
  const kc = join(dir, 'kubeconfig');
  writeFileSync(kc, `current-context: t
clusters: [{ name: c, cluster: { server: '${url}', certificate-authority: pki/ca.crt } }]
contexts: [{ name: t, context: { cluster: c, user: u } }]
users: [{ name: u, user: { client-certificate: pki/admin.crt, client-key: pki/admin.key } }]
`);
  const c = new RestClient(loadKubeconfig(kc));
  try {
    assert.equal((await c.get<Who>(resources.namespaces, 'x')).cn, 'kubernetes-admin');
  } finally {
    c.close();
  }
});
