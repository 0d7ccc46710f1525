import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchedulerCore } from '../../../src/scheduler/scheduler-core.ts';
import { makeNode, makePod } from './helpers.ts';

test('FailedScheduling summary counts reasons per node, sorts them as upstream and appends preemption', () => {
  const core = new SchedulerCore();
  for (let i = 0; i < 3; i++) core.onNodeAdd(makeNode(`w${i}`, { cpu: '1' }));
  for (let i = 0; i < 2; i++) {
    core.onNodeAdd(makeNode(`cp${i}`, { cpu: '8', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }));
  }
  const out = core.scheduleOne(makePod('big', { cpu: '2' }));
  assert.ok('unschedulable' in out);
  assert.equal(
    out.unschedulable,
    '0/5 nodes are available: 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu. ' +
      'preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.',
  );
});

test('all nodes rejected by an unresolvable filter: preemption is not helpful on any', () => {
  const core = new SchedulerCore();
  for (let i = 0; i < 5; i++) core.onNodeAdd(makeNode(`n${i}`, { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }));
  const out = core.scheduleOne(makePod('p'));
  assert.ok('unschedulable' in out);
  assert.equal(
    out.unschedulable,
    '0/5 nodes are available: 5 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
  );
});
