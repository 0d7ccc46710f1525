import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulerCache } from '../../../src/scheduler/cache/scheduler-cache.ts';
import { SchedulingQueue } from '../../../src/scheduler/queue/scheduling-queue.ts';
import { SchedulerCore } from '../../../src/scheduler/scheduler-core.ts';
import { makeNode, makePod } from './helpers.ts';

test('activeQ pops higher priority first, then older; backoff doubles from 1 s to at most 10 s', async () => {
  let now = 1000;
  const q = new SchedulingQueue({ now: () => now });
  q.add(makePod('low', { priority: 1 }));
  now++;
  q.add(makePod('high', { priority: 10 }));
  now++;
  q.add(makePod('low2', { priority: 1 }));
  const order = [];
  for (let i = 0; i < 3; i++) order.push((await q.pop())!.pod.metadata.name);
  assert.deepEqual(order, ['high', 'low', 'low2']);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => q.backoffDuration(a)), [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('unschedulable pods move back on a relevant cluster event only, after backoff', async () => {
  let now = 0;
  const q = new SchedulingQueue({ now: () => now, pluginEvents: new Map([['NodeResourcesFit', [{ resource: 'Node', action: 'Add' }]]]) });
  q.add(makePod('p'));
  const qpi = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qpi, q.schedulingCycleNumber, ['NodeResourcesFit']);
  assert.equal(q.pendingPods().unschedulable.length, 1);
  q.moveAllToActiveOrBackoff({ resource: 'PersistentVolume', action: 'Add' });
  assert.equal(q.pendingPods().unschedulable.length, 1);
  q.moveAllToActiveOrBackoff({ resource: 'Node', action: 'Add' });
  assert.equal(q.pendingPods().backoff.length, 1);
  now += 1001;
  q.flushBackoffQCompleted();
  assert.equal(q.pendingPods().active.length, 1);
});

test('unschedulable pods are flushed back after 5 minutes', async () => {
  let now = 0;
  const q = new SchedulingQueue({ now: () => now });
  q.add(makePod('p'));
  const qpi = (await q.pop())!;
  q.addUnschedulableIfNotPresent(qpi, q.schedulingCycleNumber, ['X']);
  now += 4 * 60_000;
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.pendingPods().unschedulable.length, 1);
  now += 61_001;
  q.flushUnschedulablePodsLeftover();
  assert.equal(q.pendingPods().active.length, 1);
});

test('cache: assumed pods count at once, are confirmed by the bound pod, forgotten on failure, expire after the TTL', () => {
  let now = 0;
  const cache = new SchedulerCache(30_000, () => now);
  cache.addNode(makeNode('n'));
  const pod = makePod('p', { cpu: '1', nodeName: 'n' });
  cache.assumePod(pod);
  assert.equal(cache.get('n')!.requested.milliCPU, 1000);
  cache.forgetPod(pod);
  assert.equal(cache.get('n')!.requested.milliCPU, 0);
  cache.assumePod(pod);
  cache.finishBinding(pod);
  now += 30_001;
  assert.deepEqual(cache.cleanupExpiredAssumedPods().map((p) => p.metadata.name), ['p']);
  assert.equal(cache.get('n')!.pods.length, 0);
  cache.assumePod(pod);
  cache.finishBinding(pod);
  cache.addPod(pod);
  now += 60_000;
  assert.equal(cache.cleanupExpiredAssumedPods().length, 0);
  assert.equal(cache.get('n')!.pods.length, 1);
});

test('preemption picks the node where the fewest, lowest-priority victims make room', () => {
  const core = new SchedulerCore();
  core.onNodeAdd(makeNode('a', { cpu: '2' }));
  core.onNodeAdd(makeNode('b', { cpu: '2' }));
  core.onPodAdd(makePod('a-low1', { nodeName: 'a', cpu: '1', priority: 1 }));
  core.onPodAdd(makePod('a-low2', { nodeName: 'a', cpu: '1', priority: 1 }));
  core.onPodAdd(makePod('b-mid', { nodeName: 'b', cpu: '2', priority: 5 }));
  const out = core.scheduleOne(makePod('vip', { cpu: '1', priority: 100 }));
  assert.ok('unschedulable' in out && out.nominated);
  assert.equal(out.nominated.node, 'a');
  assert.equal(out.nominated.victims.length, 1);
  assert.equal(core.queue.nominatedPodsForNode('a').length, 1);
});

test('a pod with preemptionPolicy Never does not preempt', () => {
  const core = new SchedulerCore();
  core.onNodeAdd(makeNode('a', { cpu: '1' }));
  core.onPodAdd(makePod('low', { nodeName: 'a', cpu: '1', priority: 1 }));
  const out = core.scheduleOne(makePod('vip', { cpu: '1', priority: 100, spec: { preemptionPolicy: 'Never' } }));
  assert.ok('unschedulable' in out && !out.nominated);
  assert.equal(out.unschedulable, '0/1 nodes are available: 1 Insufficient cpu. not eligible due to preemptionPolicy=Never.');
});
