// The TLS listener speaks HTTP/2 and HTTP/1.1, requires the cluster's client certificate,
// and streams watches over both.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

let c: TestCluster;
let tls: { ca: string; cert: string; key: string };
before(async () => {
  c = await startTestCluster();
  const pki = join(c.dataDir, 'pki');
  tls = {
    ca: await readFile(join(pki, 'ca.crt'), 'utf8'),
    cert: await readFile(join(pki, 'admin.crt'), 'utf8'),
    key: await readFile(join(pki, 'admin.key'), 'utf8'),
  };
});
after(async () => {
  await c?.stop();
});

function h2Get(path: string, creds = true): Promise<{ status: number; body: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(c.url, creds ? tls : { ca: tls.ca });
    session.on('error', reject);
    const req = session.request({ ':path': path });
    let body = '';
    let status = 0;
    req.on('response', (h) => (status = Number(h[':status'])));
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const alpn = (session.socket as any).alpnProtocol;
      session.close();
      resolve({ status, body, alpn });
    });
    req.end();
  });
}

test('HTTP/2 is negotiated over TLS and serves the API', async () => {
  const r = await h2Get('/api/v1/namespaces/default');
  assert.equal(r.alpn, 'h2');
  assert.equal(r.status, 200);
  assert.equal(JSON.parse(r.body).metadata.name, 'default');
});

test('HTTP/1.1 clients are served on the same port', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    https.get(`${c.url}/api/v1/namespaces/default`, { ...tls, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 200);
});

test('a request without the client certificate is 401 Unauthorized', async () => {
  const r = await h2Get('/api/v1/namespaces', false);
  assert.equal(r.status, 401);
  assert.equal(JSON.parse(r.body).reason, 'Unauthorized');
  const health = await h2Get('/healthz', false);
  assert.equal(health.status, 200);
});

test('a watch streams events over HTTP/2 as they happen', async () => {
  const session = http2.connect(c.url, tls);
  const req = session.request({ ':path': '/api/v1/namespaces/default/configmaps?watch=true' });
  let text = '';
  const headers = new Promise<any>((resolve) => req.on('response', resolve));
  req.on('data', (d) => (text += d));
  assert.equal((await headers)[':status'], 200, 'headers arrive before any event');
  const created = await c.kubectl(['create', 'configmap', 'over-h2']);
  assert.equal(created.code, 0, created.stderr);
  const t0 = Date.now();
  while (!text.includes('"over-h2"') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
  req.close();
  session.close();
  assert.match(text, /"type":"ADDED","object":\{.*"name":"over-h2"/);
});
