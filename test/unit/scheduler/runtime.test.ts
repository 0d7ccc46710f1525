import assert from 'node:assert/strict';
import { test } from 'node:test';
import { numFeasibleNodesToFind } from '../../../src/scheduler/framework/runtime.ts';
import { parseSchedulerConfig } from '../../../src/scheduler/config.ts';
import { SchedulerCore } from '../../../src/scheduler/scheduler-core.ts';
import { makeNode, makePod } from './helpers.ts';

test('percentage of nodes to score: all below 100 nodes, adaptive 50 - n/125 with a 5 % floor, at least 100', () => {
  assert.equal(numFeasibleNodesToFind(undefined, 50), 50);
  assert.equal(numFeasibleNodesToFind(undefined, 100), 100);
  assert.equal(numFeasibleNodesToFind(undefined, 1000), 420);
  assert.equal(numFeasibleNodesToFind(undefined, 5000), 500);
  assert.equal(numFeasibleNodesToFind(undefined, 10000), 500);
  assert.equal(numFeasibleNodesToFind(10, 500), 100);
  assert.equal(numFeasibleNodesToFind(30, 5000), 1500);
  assert.equal(numFeasibleNodesToFind(100, 5000), 5000);
});

test('filtering stops after enough feasible nodes and the next pod starts where it stopped', () => {
  const core = new SchedulerCore({ config: parseSchedulerConfig('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npercentageOfNodesToScore: 10\n') });
  for (let i = 0; i < 1000; i++) core.onNodeAdd(makeNode(`n${i}`));
  const a = core.scheduleOne(makePod('a'));
  assert.ok('node' in a);
  assert.equal(a.feasibleNodes, 100);
  assert.equal(a.evaluatedNodes, 100);
});

test('ties spread: identical empty nodes receive pods spread over them', () => {
  const core = new SchedulerCore();
  for (let i = 0; i < 4; i++) core.onNodeAdd(makeNode(`n${i}`));
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const out = core.scheduleOne(makePod(`p${i}`, { cpu: '100m', memory: '100Mi' }));
    assert.ok('node' in out);
    seen.add(out.node);
  }
  assert.equal(seen.size, 4);
});

test('a profile with a custom schedulerName takes only its pods', () => {
  const cfg = parseSchedulerConfig(
    'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n- schedulerName: other\n  plugins:\n    score:\n      disabled: [{name: "*"}]\n',
  );
  const core = new SchedulerCore({ config: cfg });
  assert.ok(core.responsibleFor(makePod('a', { spec: { schedulerName: 'other' } })));
  assert.ok(!core.responsibleFor(makePod('b', { spec: { schedulerName: 'nobody' } })));
  assert.deepEqual(core.frameworks.get('other')!.pluginNames('score'), []);
  assert.deepEqual(
    [...core.frameworks.get('default-scheduler')!.scoreWeights()],
    [['TaintToleration', 3], ['NodeAffinity', 2], ['NodeResourcesFit', 1], ['PodTopologySpread', 2], ['InterPodAffinity', 2], ['NodeResourcesBalancedAllocation', 1], ['ImageLocality', 1]],
  );
});
