import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../../../src/scheduler/framework/cycle-state.ts';
import { SchedulerCore } from '../../../../src/scheduler/scheduler-core.ts';
import { makeNode, makePod } from '../helpers.ts';

function cluster(zones: string[][]): SchedulerCore {
  const core = new SchedulerCore();
  zones.forEach((nodes, z) => nodes.forEach((n) => core.onNodeAdd(makeNode(n, { labels: { 'topology.kubernetes.io/zone': `z${z}` } }))));
  return core;
}

test('InterPodAffinity: required anti-affinity on hostname keeps replicas on different nodes', () => {
  const core = cluster([['a', 'b', 'c']]);
  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } };
  const nodes = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const out = core.scheduleOne(makePod(`w${i}`, { labels: { app: 'web' }, spec: { affinity: anti } }));
    assert.ok('node' in out, JSON.stringify(out));
    nodes.add(out.node);
  }
  assert.equal(nodes.size, 3);
  const fourth = core.scheduleOne(makePod('w3', { labels: { app: 'web' }, spec: { affinity: anti } }));
  assert.ok('unschedulable' in fourth);
  assert.match(fourth.unschedulable, /^0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules\./);
});

test("InterPodAffinity: existing pods' anti-affinity repels a matching incoming pod", () => {
  const core = cluster([['a', 'b']]);
  core.onPodAdd(makePod('guard', { nodeName: 'a', spec: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { noisy: 'yes' } }, topologyKey: 'kubernetes.io/hostname' }] } } } }));
  for (let i = 0; i < 4; i++) {
    const out = core.scheduleOne(makePod(`n${i}`, { labels: { noisy: 'yes' } }));
    assert.ok('node' in out);
    assert.equal(out.node, 'b');
  }
});

test('InterPodAffinity: required affinity follows the zone of matching pods; the first of a group may go anywhere', () => {
  const core = cluster([['a1', 'a2'], ['b1', 'b2']]);
  const aff = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'db' } }, topologyKey: 'topology.kubernetes.io/zone' }] } };
  const first = core.scheduleOne(makePod('db0', { labels: { app: 'db' }, spec: { affinity: aff } }));
  assert.ok('node' in first);
  const zoneOf = (n: string) => n[0];
  for (let i = 1; i < 5; i++) {
    const out = core.scheduleOne(makePod(`db${i}`, { labels: { app: 'db' }, spec: { affinity: aff } }));
    assert.ok('node' in out);
    assert.equal(zoneOf(out.node), zoneOf(first.node));
  }
  const stranger = core.scheduleOne(makePod('x', { spec: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'none' } }, topologyKey: 'topology.kubernetes.io/zone' }] } } } }));
  assert.ok('unschedulable' in stranger);
  assert.match(stranger.unschedulable, /4 node\(s\) didn't match pod affinity rules/);
});

test('PodTopologySpread DoNotSchedule keeps zone skew within maxSkew', () => {
  const core = cluster([['a1', 'a2'], ['b1']]);
  const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }];
  const perZone = new Map<string, number>();
  for (let i = 0; i < 6; i++) {
    const out = core.scheduleOne(makePod(`s${i}`, { labels: { app: 's' }, spec: { topologySpreadConstraints: tsc } }));
    assert.ok('node' in out);
    const z = out.node[0]!;
    perZone.set(z, (perZone.get(z) ?? 0) + 1);
    const counts = [...perZone.values()];
    assert.ok(Math.max(...counts) - (perZone.size < 2 ? 0 : Math.min(...counts)) <= 1);
  }
  assert.deepEqual([perZone.get('a'), perZone.get('b')], [3, 3]);
});

test('PodTopologySpread: a node missing the topology label is unresolvable; minDomains forces the global minimum to 0', () => {
  const core = new SchedulerCore();
  core.onNodeAdd(makeNode('nolabel'));
  core.onNodeAdd(makeNode('z1', { labels: { 'topology.kubernetes.io/zone': 'z1' } }));
  const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', minDomains: 2, labelSelector: { matchLabels: { app: 'm' } } }];
  const first = core.scheduleOne(makePod('m0', { labels: { app: 'm' }, spec: { topologySpreadConstraints: tsc } }));
  assert.ok('node' in first);
  assert.equal(first.node, 'z1');
  const second = core.scheduleOne(makePod('m1', { labels: { app: 'm' }, spec: { topologySpreadConstraints: tsc } }));
  assert.ok('unschedulable' in second);
  assert.match(
    second.unschedulable,
    /^0\/2 nodes are available: 1 node\(s\) didn't match pod topology spread constraints, 1 node\(s\) didn't match pod topology spread constraints \(missing required label\)\./,
  );
});

test('PodTopologySpread ScheduleAnyway prefers the zone with fewer matching pods', () => {
  const core = cluster([['a1'], ['b1']]);
  for (let i = 0; i < 3; i++) core.onPodAdd(makePod(`old${i}`, { nodeName: 'a1', labels: { app: 'y' } }));
  const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: 'y' } } }];
  const out = core.scheduleOne(makePod('new', { labels: { app: 'y' }, spec: { topologySpreadConstraints: tsc } }));
  assert.ok('node' in out);
  assert.equal(out.node, 'b1');
});

test('PodTopologySpread and InterPodAffinity counts follow pods deleted and relabelled on a node (no stale remembered counts)', () => {
  const core = cluster([['a'], ['b']]);
  const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }];
  const spreadPod = (name: string) => makePod(name, { labels: { app: 's' }, spec: { topologySpreadConstraints: tsc } });
  const onB = [makePod('b1', { labels: { app: 's' }, nodeName: 'b' }), makePod('b2', { labels: { app: 's' }, nodeName: 'b' })];
  for (const p of onB) core.onPodAdd(p);
  const s1 = spreadPod('s1');
  const first = core.scheduleOne(s1);
  assert.ok('node' in first && first.node === 'a', JSON.stringify(first));
  // b's pods go away: a=1, b=0, so the next one must go to b.
  for (const p of onB) core.onPodDelete(p);
  const second = core.scheduleOne(spreadPod('s2'));
  assert.ok('node' in second && second.node === 'b', JSON.stringify(second));
  // The pod on a loses the label: a=0, b=1, so the next one must go to a.
  core.onPodUpdate({ ...s1, metadata: { ...s1.metadata, labels: { app: 'other' } }, spec: { ...s1.spec, nodeName: 'a' } });
  const third = core.scheduleOne(spreadPod('s3'));
  assert.ok('node' in third && third.node === 'a', JSON.stringify(third));

  const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'x' } }, topologyKey: 'kubernetes.io/hostname' }] } };
  const antiPod = (name: string) => makePod(name, { labels: { app: 'x' }, spec: { affinity: anti } });
  const both = cluster([['a', 'b']]);
  const xb = makePod('xb', { labels: { app: 'x' }, nodeName: 'b' });
  both.onPodAdd(makePod('xa', { labels: { app: 'x' }, nodeName: 'a' }));
  both.onPodAdd(xb);
  assert.ok('unschedulable' in both.scheduleOne(antiPod('x1')));
  both.onPodDelete(xb);
  const placed = both.scheduleOne(antiPod('x2'));
  assert.ok('node' in placed && placed.node === 'b', JSON.stringify(placed));
});

test('PodTopologySpread: a domain whose only node is relabelled into another zone or removed no longer counts as empty', () => {
  const tsc = [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 's' } } }];
  const spreadPod = (name: string) => makePod(name, { labels: { app: 's' }, spec: { topologySpreadConstraints: tsc } });
  for (const change of ['relabel', 'remove'] as const) {
    const core = cluster([['a1'], ['b1'], ['c1']]);
    for (const n of ['b1', 'b1', 'c1', 'c1']) core.onPodAdd(makePod(`on-${n}-${Math.random()}`, { labels: { app: 's' }, nodeName: n }));
    // z0 is empty: the next pod must go to a1 — and is counted there only while scheduling it.
    const probe = core.frameworkFor(spreadPod('p'))!.schedule(new CycleState(), spreadPod('p'));
    assert.ok(probe.kind === 'scheduled' && probe.node === 'a1', JSON.stringify(probe));
    if (change === 'relabel') core.onNodeUpdate(makeNode('a1', { labels: { 'topology.kubernetes.io/zone': 'z1' } }));
    else core.onNodeDelete(makeNode('a1'));
    // z1 and z2 now hold 2 each (a1 joined z1 empty, or is gone): any node fits a skew of 1.
    const out = core.scheduleOne(spreadPod(`after-${change}`));
    assert.ok('node' in out, `${change}: ${JSON.stringify(out)}`);
  }
});
