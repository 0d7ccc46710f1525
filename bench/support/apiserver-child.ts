// Child process for the apiserver benchmark: runs either the real API server (TLS, SQLite)
// or the bare node:https floor, prints one JSON line {url, pid} when listening, and then
// answers on stdin "rss" with its resident set size and "cpu" with its CPU time so far (µs).

import https from 'node:https';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openStore } from '../../src/storage/open.ts';
import { startApiServer } from '../../src/apiserver/server.ts';
import { createAuthenticator } from '../../src/apiserver/auth/authn.ts';

const [mode, dataDir] = process.argv.slice(2);
/** A bearer token for load generators that send no client certificate (wrk). */
const BENCH_TOKEN = 'bench-admin-token';
// gc() for the idle RSS figure, without --expose-gc on the command line (worker threads refuse that flag).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const pki = {
  key: readFileSync(join(dataDir, 'pki', 'apiserver.key'), 'utf8'),
  cert: readFileSync(join(dataDir, 'pki', 'apiserver.crt'), 'utf8'),
  ca: readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'),
};

let url: string;
if (mode === 'floor') {
  const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Success', code: 201 });
  const server = https.createServer({ ...pki, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 65_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `https://127.0.0.1:${(server.address() as any).port}`;
} else {
  const store = await openStore({ sqlitePath: join(dataDir, 'state.db') });
  const running = await startApiServer({ store, port: 0, tls: pki, authenticate: createAuthenticator({ caPem: pki.ca, tokens: new Map([[BENCH_TOKEN, { name: 'bench-admin', groups: ['system:masters'] }]]) }) });
  url = running.url;
}
console.log(JSON.stringify({ url, pid: process.pid }));
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === 'rss') {
    gc();
    console.log(JSON.stringify({ rss: process.memoryUsage().rss }));
  } else if (line.trim() === 'cpu') {
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ cpuMicros: user + system }));
  }
});
// Exit normally on SIGTERM, so a --cpu-prof profile gets written.
process.on('SIGTERM', () => process.exit(0));
