// The simulator's pure pieces: pod CIDRs, the kubelet's restart decisions and crash-loop
// backoff, and the limiter that bounds its requests.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Limiter } from '../../src/sim/limiter.ts';
import { buildNode, nodeIPFor, podCIDRFor } from '../../src/sim/node-template.ts';
import { afterExit, crashLoopBackoffMs, exitCodeOf, runDurationMs, type SimPod } from '../../src/sim/pod-status.ts';

test('pod CIDRs are consecutive /24s of the cluster CIDR and run out at its size', () => {
  assert.equal(podCIDRFor(0, '10.128.0.0/9'), '10.128.0.0/24');
  assert.equal(podCIDRFor(1, '10.128.0.0/9'), '10.128.1.0/24');
  assert.equal(podCIDRFor(256, '10.128.0.0/9'), '10.129.0.0/24');
  assert.equal(podCIDRFor(4999, '10.128.0.0/9'), '10.147.135.0/24');
  assert.equal(podCIDRFor(3, '10.244.7.9/16'), '10.244.3.0/24');
  assert.throws(() => podCIDRFor(256, '10.244.0.0/16'), /only 256 \/24 subnets/);
  assert.equal(nodeIPFor(0), '172.16.0.1');
  assert.equal(nodeIPFor(300), '172.16.1.45');
});

test('a node spreads over the zones by index and carries its taints', () => {
  const zones = [0, 1, 2, 3].map((i) => buildNode(`n${i}`, i, {}, '10.128.0.0/9').metadata.labels['topology.kubernetes.io/zone']);
  assert.deepEqual(zones, ['zone-a', 'zone-b', 'zone-c', 'zone-a']);
  const tainted = buildNode('t', 0, { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], labels: { 'kubernetes.io/os': 'windows' } }, '10.128.0.0/9');
  assert.deepEqual(tainted.spec.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
  assert.equal(tainted.metadata.labels['kubernetes.io/os'], 'windows');
});

function podWith(restartPolicy: string | undefined, annotations: Record<string, string> = {}): SimPod {
  return { metadata: { name: 'p', annotations }, spec: { restartPolicy, containers: [{ name: 'c' }] } };
}

test('exits follow the restart policy as the kubelet does', () => {
  assert.equal(afterExit(podWith('Never'), 0), 'Succeeded');
  assert.equal(afterExit(podWith('Never'), 2), 'Failed');
  assert.equal(afterExit(podWith('OnFailure'), 0), 'Succeeded');
  assert.equal(afterExit(podWith('OnFailure'), 1), 'restart');
  assert.equal(afterExit(podWith('Always'), 0), 'restart');
  assert.equal(afterExit(podWith(undefined), 0), 'restart');
});

test('the first restart is immediate, then 10 s doubling up to 5 minutes', () => {
  assert.deepEqual([1, 2, 3, 4, 7, 20].map(crashLoopBackoffMs), [0, 10_000, 20_000, 40_000, 300_000, 300_000]);
});

test('run-seconds and exit-code annotations are read, bad values ignored', () => {
  assert.equal(runDurationMs(podWith('Never', { 'sim.k8ts.io/run-seconds': '1.5' })), 1500);
  assert.equal(runDurationMs(podWith('Never', { 'sim.k8ts.io/run-seconds': 'soon' })), undefined);
  assert.equal(runDurationMs(podWith('Never')), undefined);
  assert.equal(exitCodeOf(podWith('Never', { 'sim.k8ts.io/exit-code': '7' })), 7);
  assert.equal(exitCodeOf(podWith('Never')), 0);
});

test('the limiter never runs more than its limit at once and runs everything', async () => {
  const limiter = new Limiter(3);
  let active = 0;
  let peak = 0;
  const done: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limiter.run(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, i % 3));
        active--;
        done.push(i);
      }),
    ),
  );
  assert.equal(peak, 3);
  assert.equal(done.length, 20);
  assert.equal(limiter.pending, 0);
});
