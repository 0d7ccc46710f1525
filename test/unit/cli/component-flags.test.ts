// Flags of `k8ts controller-manager`, `k8ts scheduler`, `k8ts sim` and the controller-manager
// flags of `k8ts server`: parsing, refusal of bad values, and what they become as component options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/commands.ts';
import { controllerManagerSettings } from '../../../src/cli/component-commands.ts';
import {
  controllerManagerCommandFlags,
  kubeconfigFrom,
  schedulerCommandFlags,
  simCommandFlags,
  toClientLimits,
  toSchedulerOptions,
  toSimNodesOptions,
  zoneNames,
} from '../../../src/cli/component-flags.ts';
import { CONCURRENCY_DEFAULTS } from '../../../src/cli/controller-manager-flags.ts';
import { parseDuration, parseFlags, type CommandSpec, type FlagSpecs, type FlagValues } from '../../../src/cli/flags.ts';
import { serverFlags } from '../../../src/cli/server-flags.ts';
import { CONCURRENCY_FLAGS, CONTROLLERS } from '../../../src/controllers/controller-manager.ts';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function parse<S extends FlagSpecs>(name: string, flags: S, argv: string[]): FlagValues<S> {
  const parsed = parseFlags({ name, summary: '', flags } as CommandSpec<S>, argv);
  assert.equal(parsed.help, false);
  return (parsed as { values: FlagValues<S> }).values;
}

test('durations are read in Go syntax as milliseconds and anything else is refused', () => {
  assert.equal(parseDuration('50s'), 50_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('50'), undefined);
  assert.equal(parseDuration(''), undefined);
  assert.equal(parseDuration('5 s'), undefined);
});

test('controller-manager flags become node lifecycle settings, pod GC threshold and worker counts', async () => {
  const values = parse('k8ts controller-manager', controllerManagerCommandFlags, [
    '--controllers', '*,-garbagecollector',
    '--node-monitor-grace-period', '5s',
    '--node-monitor-period=1s',
    '--node-startup-grace-period', '1m30s',
    '--node-eviction-rate', '0.5',
    '--terminated-pod-gc-threshold', '10',
    '--concurrent-deployment-syncs', '7',
    '--concurrent-gc-syncs=30',
    '--leader-elect=false',
  ]);
  assert.equal(values['leader-elect'], false);
  assert.deepEqual(toClientLimits(values), {});
  assert.deepEqual(toClientLimits(parse('k8ts controller-manager', controllerManagerCommandFlags, ['--kube-api-qps', '20'])), { qps: 20, burst: 30 });
  const settings = await controllerManagerSettings('k8ts controller-manager', values);
  assert.equal(settings.controllers, '*,-garbagecollector');
  assert.deepEqual(settings.config, {
    nodeMonitorPeriodMs: 1_000,
    nodeMonitorGracePeriodMs: 5_000,
    nodeStartupGracePeriodMs: 90_000,
    nodeEvictionRate: 0.5,
    secondaryNodeEvictionRate: 0.01,
    unhealthyZoneThreshold: 0.55,
    largeClusterSizeThreshold: 50,
    terminatedPodGCThreshold: 10,
  });
  assert.equal(settings.workers.deployment, 7);
  assert.equal(settings.workers.garbagecollector, 30);
  assert.equal(settings.workers.replicaset, 5);
});

test('the --concurrent-*-syncs flags are exactly the controller manager\'s, with its default worker counts', () => {
  assert.deepEqual(Object.keys(CONCURRENCY_DEFAULTS).sort(), Object.keys(CONCURRENCY_FLAGS).sort());
  for (const [flagName, { controller, workers }] of Object.entries(CONCURRENCY_DEFAULTS)) {
    assert.equal(controller, CONCURRENCY_FLAGS[flagName], flagName);
    assert.equal(CONTROLLERS.find((c) => c.name === controller)?.workers, workers, flagName);
  }
});

test('server takes the controller-manager flags too', () => {
  for (const name of ['controllers', 'node-monitor-grace-period', 'node-eviction-rate', 'terminated-pod-gc-threshold', 'concurrent-deployment-syncs']) {
    assert.ok(name in serverFlags, name);
  }
  const values = parse('k8ts server', serverFlags, ['--sim-nodes', '2', '--node-monitor-grace-period', '5s', '--sim-heartbeat-interval', '1s']);
  assert.equal(values['node-monitor-grace-period'], 5_000);
  assert.equal(values['sim-heartbeat-interval'], 1_000);
});

test('an unknown controller, a bad duration or rate and a misspelt flag are refused in one line with exit code 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'k8ts-cli-'));
  try {
    const kubeconfig = join(dir, 'kubeconfig.yaml');
    await writeFile(kubeconfig, 'apiVersion: v1\nkind: Config\n');
    const controllers = await run('controller-manager', '--kubeconfig', kubeconfig, '--controllers', '*,-foo');
    assert.equal(controllers.code, 2);
    assert.match(controllers.err, /^k8ts controller-manager: invalid value "\*,-foo" for --controllers: "foo" is not in the list of known controllers \(known: replicaset, /);
    assert.equal((await run('server', '--controllers', 'bar')).code, 2);

    const duration = await run('controller-manager', '--node-monitor-grace-period', '50');
    assert.deepEqual(duration, {
      code: 2,
      out: '',
      err: 'k8ts controller-manager: invalid value "50" for --node-monitor-grace-period: must be a duration such as 50s, 1m30s or 500ms\n',
    });
    assert.equal((await run('server', '--node-monitor-period', '0s')).err, 'k8ts server: invalid value "0s" for --node-monitor-period: must be longer than 0 (e.g. 5s)\n');
    assert.equal((await run('controller-manager', '--node-eviction-rate', 'fast')).err, 'k8ts controller-manager: invalid value "fast" for --node-eviction-rate: must be a number (e.g. 0.1)\n');
    assert.equal(
      (await run('controller-manager', '--unhealthy-zone-threshold', '2')).err,
      'k8ts controller-manager: invalid value "2" for --unhealthy-zone-threshold: must be from 0 to 1 (e.g. 0.55)\n',
    );
    assert.equal((await run('scheduler', '--leader-elct')).err, 'k8ts scheduler: unknown flag --leader-elct (did you mean --leader-elect?)\n');
    assert.equal((await run('sim', '--nodes', '0')).err, 'k8ts sim: invalid value "0" for --nodes: must be more than 0\n');
    assert.equal((await run('sim', '--cpu', 'four')).err, 'k8ts sim: invalid value "four" for --cpu: must be a quantity (e.g. 4, 500m, 32Gi)\n');
    assert.equal((await run('sim', '--cluster-cidr', '10.0.0.0/25')).err, 'k8ts sim: invalid value "10.0.0.0/25" for --cluster-cidr: must be an IPv4 range of /24 or wider (e.g. 10.128.0.0/9)\n');
    assert.equal((await run('sim', '--node-name-prefix', 'Sim_Node')).code, 2);
    assert.equal((await run('sim', '--node-labels', 'novalue')).code, 2);
    assert.equal((await run('scheduler', '--config', join(dir, 'absent.yaml'))).err, `k8ts scheduler: invalid value "${join(dir, 'absent.yaml')}" for --config: no such file\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing kubeconfig is refused with how to get one', async () => {
  const res = await run('scheduler', '--kubeconfig', '/nonexistent/kubeconfig.yaml');
  assert.deepEqual(res, {
    code: 2,
    out: '',
    err: 'k8ts scheduler: no kubeconfig at /nonexistent/kubeconfig.yaml (start `k8ts apiserver` first, or pass --kubeconfig FILE)\n',
  });
  assert.throws(() => kubeconfigFrom('', 'k8ts sim', { KUBECONFIG: '/nowhere/a:/nowhere/b', HOME: '/' }), /no kubeconfig at \/nowhere\/a /);
});

test('--help of each component command lists its flags with upstream defaults', async () => {
  const cm = await run('controller-manager', '--help');
  assert.equal(cm.code, 0);
  assert.match(cm.out, /--node-monitor-grace-period DURATION +.*\(default 50s\)/);
  assert.match(cm.out, /--node-startup-grace-period DURATION +.*\(default 1m0s\)/);
  assert.match(cm.out, /--node-eviction-rate NUMBER +.*\(default 0\.1\)/);
  assert.match(cm.out, /--concurrent-gc-syncs N +.*\(default 20\)/);
  assert.match(cm.out, /--leader-elect +.*\(default true\)/);
  const scheduler = await run('help', 'scheduler');
  for (const name of Object.keys(schedulerCommandFlags)) assert.match(scheduler.out, new RegExp(`--${name}\\b`));
  const sim = await run('sim', '-h');
  for (const name of Object.keys(simCommandFlags)) assert.match(sim.out, new RegExp(`--${name}\\b`));
});

test('scheduler flags become the scheduler component options', () => {
  assert.deepEqual(toSchedulerOptions(parse('k8ts scheduler', schedulerCommandFlags, ['--leader-elect-lease-duration', '30s', '--leader-elect-resource-name', 'second'])), {
    configPath: undefined,
    leaderElection: { namespace: 'kube-system', name: 'second', leaseDurationMs: 30_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
    port: 10251,
    bindAddress: '127.0.0.1',
  });
  const config = new URL(import.meta.url).pathname;
  const off = toSchedulerOptions(parse('k8ts scheduler', schedulerCommandFlags, ['--leader-elect=false', '--port', '0', '--config', config]));
  assert.equal(off.leaderElection, false);
  assert.equal(off.port, undefined);
  assert.equal(off.configPath, config);
});

test('sim flags become simulated node options: count, names, zones, labels, taints, heartbeat', () => {
  const options = toSimNodesOptions(
    parse('k8ts sim', simCommandFlags, [
      '--nodes', '4', '--node-name-prefix', 'edge', '--first-node-index', '100', '--zones', '2',
      '--node-labels', 'disktype=ssd,tier=web', '--register-with-taints', 'dedicated=sim:NoSchedule', '--register-with-taints', 'gpu:NoExecute',
      '--heartbeat-interval', '1s', '--max-pods', '20', '--cpu', '8',
    ]),
  );
  assert.equal(options.count, 4);
  assert.equal(options.namePrefix, 'edge');
  assert.equal(options.firstIndex, 100);
  assert.equal(options.heartbeatIntervalMs, 1_000);
  assert.deepEqual(options.shape.zones, ['zone-a', 'zone-b']);
  assert.deepEqual(options.shape.labels, { disktype: 'ssd', tier: 'web' });
  assert.deepEqual(options.shape.taints, [
    { key: 'dedicated', value: 'sim', effect: 'NoSchedule' },
    { key: 'gpu', effect: 'NoExecute' },
  ]);
  assert.equal(options.shape.pods, 20);
  assert.equal(options.shape.cpu, '8');
  assert.deepEqual(zoneNames(0), []);
  assert.equal(zoneNames(30)[29], 'zone-29');
});
