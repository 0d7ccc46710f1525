// The workload controllers driven by the real kubectl, with the scheduler and three
// simulated nodes: DaemonSet (also on a node added later), StatefulSet, Job with
// TTL-after-finished, and `kubectl create job --from=cronjob/…`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestCluster, mustKubectl, type TestCluster } from '../helpers/cluster.ts';
import { builtinComponents } from '../../src/embed/components.ts';

let c: TestCluster;
before(async () => {
  c = await startTestCluster({ components: await builtinComponents({ controllers: true, scheduler: true, simNodes: 3 }) });
});
after(async () => {
  await c?.stop();
});

const apply = (obj: unknown) => mustKubectl(c, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
const json = async (args: string[]) => JSON.parse(await mustKubectl(c, [...args, '-o', 'json']));

async function eventually(what: string, check: () => Promise<boolean>, ms = 40_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

const template = (app: string, extra: any = {}) => ({
  metadata: { labels: { app }, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...(extra.spec ?? {}) },
});

test('a DaemonSet runs one pod per node, also on a node added later', async () => {
  await apply({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } });
  await mustKubectl(c, ['rollout', 'status', 'daemonset/agent', '--timeout=40s']);
  const pods = (await json(['get', 'pods', '-l', 'app=agent'])).items;
  assert.deepEqual(pods.map((p: any) => p.spec.nodeName).sort(), ['sim-node-0', 'sim-node-1', 'sim-node-2']);
  await apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'late-node', labels: { 'kubernetes.io/hostname': 'late-node' } } });
  await eventually('a pod for the new node', async () => {
    const ds = await json(['get', 'daemonset', 'agent']);
    const items = (await json(['get', 'pods', '-l', 'app=agent'])).items;
    return ds.status.desiredNumberScheduled === 4 && items.some((p: any) => JSON.stringify(p.spec.affinity ?? {}).includes('late-node'));
  });
});

test('a StatefulSet comes up as web-0, web-1, web-2', async () => {
  await apply({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: { serviceName: 'web', replicas: 3, selector: { matchLabels: { app: 'web' } }, template: template('web') },
  });
  await mustKubectl(c, ['rollout', 'status', 'statefulset/web', '--timeout=60s']);
  const pods = (await json(['get', 'pods', '-l', 'app=web'])).items;
  assert.deepEqual(pods.map((p: any) => p.metadata.name).sort(), ['web-0', 'web-1', 'web-2']);
  assert.ok(pods.every((p: any) => p.status.phase === 'Running'));
  // OrderedReady: each pod was created after the one before it was Running.
  const created = (n: string) => Date.parse(pods.find((p: any) => p.metadata.name === n).metadata.creationTimestamp);
  assert.ok(created('web-0') <= created('web-1') && created('web-1') <= created('web-2'));
});

test('a Job completes and its TTL removes it', async () => {
  await apply({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'once' },
    spec: {
      completions: 2,
      parallelism: 2,
      ttlSecondsAfterFinished: 1,
      template: template('once', { annotations: { 'sim.k8ts.io/run-seconds': '1' }, spec: { restartPolicy: 'Never' } }),
    },
  });
  await mustKubectl(c, ['wait', '--for=condition=Complete', 'job/once', '--timeout=40s']);
  await mustKubectl(c, ['wait', '--for=delete', 'job/once', '--timeout=40s']);
});

test('kubectl create job --from=cronjob makes a Job owned by the CronJob', async () => {
  await mustKubectl(c, ['create', 'cronjob', 'tick', '--image=busybox', '--schedule=0 0 1 1 *', '--', 'date']);
  await mustKubectl(c, ['create', 'job', 'tick-now', '--from=cronjob/tick']);
  const job = await json(['get', 'job', 'tick-now']);
  assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
  assert.equal(job.metadata.ownerReferences[0].name, 'tick');
  assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
});
