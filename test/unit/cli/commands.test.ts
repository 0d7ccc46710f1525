import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../../src/cli/commands.ts';
import { serverFlags, toControlPlaneConfig } from '../../../src/cli/server-flags.ts';
import { parseFlags } from '../../../src/cli/flags.ts';
import { homedir } from 'node:os';
import { join } from 'node:path';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

test('k8ts with no command prints the command list', async () => {
  const res = await run();
  assert.equal(res.code, 0);
  for (const name of ['server', 'apiserver', 'controller-manager', 'scheduler', 'sim', 'version', 'help']) assert.match(res.out, new RegExp(`\\n  ${name} +\\S`));
});

test('an unknown command is refused with the list of commands', async () => {
  const res = await run('serve');
  assert.equal(res.code, 2);
  assert.equal(res.err, 'k8ts: unknown command "serve" (did you mean "server"?); commands: server, apiserver, controller-manager, scheduler, sim, version, help\n');
});

test('server --help prints every flag with its default and exits 0', async () => {
  const res = await run('server', '--help');
  assert.equal(res.code, 0);
  for (const name of Object.keys(serverFlags)) assert.match(res.out, new RegExp(`--${name}\\b`));
  assert.match(res.out, /--port N +HTTPS port of the API server\. \(default 6443\)/);
  assert.match(res.out, /--data-dir DIR +.*\(default ~\/\.k8ts\)/);
  assert.match(res.out, /--service-cluster-ip-range CIDR +.*\(default "10\.96\.0\.0\/12"\)/);
  assert.equal((await run('help', 'apiserver')).out, (await run('apiserver', '-h')).out);
});

test('server refuses an unknown flag with a suggestion and exit code 2', async () => {
  const res = await run('server', '--prot', '1');
  assert.equal(res.code, 2);
  assert.equal(res.err, 'k8ts server: unknown flag --prot (did you mean --port?)\n');
});

test('server refuses a port out of range', async () => {
  const res = await run('server', '--port', '70000');
  assert.equal(res.code, 2);
  assert.equal(res.err, 'k8ts server: invalid value "70000" for --port: must be a port number from 0 to 65535 (0 picks a free port)\n');
  assert.equal((await run('apiserver', '--insecure-port=-1')).code, 2);
});

test('server refuses a bad CIDR, bind address, node port range and endpoint', async () => {
  const cidr = await run('server', '--service-cluster-ip-range', '10.96.0.0/33');
  assert.equal(cidr.code, 2);
  assert.equal(cidr.err, 'k8ts server: invalid value "10.96.0.0/33" for --service-cluster-ip-range: prefix length must be 0-32 (e.g. 10.96.0.0/12)\n');
  assert.match((await run('server', '--service-cluster-ip-range', 'ten')).err, /missing "\/<prefix length>"/);
  assert.match((await run('server', '--bind-address', 'localhost')).err, /--bind-address: must be an IP address/);
  assert.match((await run('server', '--service-node-port-range', '32767-30000')).err, /--service-node-port-range: must be a range of ports LOW-HIGH/);
  assert.match((await run('server', '--datastore-endpoint', 'etcd:2379')).err, /not an etcd endpoint URL \(e\.g\. http:\/\/127\.0\.0\.1:2379\)/);
  assert.match((await run('server', '--sim-nodes', '-3')).err, /--sim-nodes: must be 0 or more/);
});

test('version prints the package version', async () => {
  const res = await run('version');
  assert.equal(res.code, 0);
  assert.match(res.out, /^k8ts v\d+\.\d+\.\d+ \(node v\d+/);
});

test('server flags become a control plane configuration', () => {
  const parsed = parseFlags({ name: 'k8ts server', summary: '', flags: serverFlags }, [
    '--data-dir', '/var/lib/k8ts', '--port', '0', '--bind-address', '127.0.0.1',
    '--datastore-endpoint', 'http://a:2379', '--datastore-endpoint', 'http://b:2379', '--tls-san', 'api.example.test',
  ]);
  assert.equal(parsed.help, false);
  if (parsed.help) return;
  assert.deepEqual(toControlPlaneConfig(parsed.values), {
    dataDir: '/var/lib/k8ts',
    port: 0,
    bindAddress: '127.0.0.1',
    datastoreEndpoints: ['http://a:2379', 'http://b:2379'],
    serviceClusterIPRange: '10.96.0.0/12',
    serviceNodePortRange: '30000-32767',
    insecurePort: 0,
    tokenAuthFile: '/var/lib/k8ts/tokens.csv',
    tlsSans: ['api.example.test'],
    simNodes: 0,
  });
  const defaults = parseFlags({ name: 'k8ts server', summary: '', flags: serverFlags }, []);
  if (!defaults.help) assert.equal(toControlPlaneConfig(defaults.values).dataDir, join(homedir(), '.k8ts'));
});
