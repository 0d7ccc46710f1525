import { test } from 'node:test';
import { SchedulerCore } from '../../../src/scheduler/scheduler-core.ts';
import { makeNode, makePod } from './helpers.ts';

test('micro-benchmark: 1,000 pods onto 5,000 nodes in memory (prints pods/s)', () => {
  const core = new SchedulerCore();
  for (let i = 0; i < 5000; i++) core.onNodeAdd(makeNode(`n${i}`, { labels: { 'topology.kubernetes.io/zone': `z${i % 3}` } }));
  const start = performance.now();
  let placed = 0;
  for (let i = 0; i < 1000; i++) {
    const out = core.scheduleOne(makePod(`p${i}`, { cpu: '100m', memory: '100Mi' }));
    if ('node' in out) placed++;
  }
  const secs = (performance.now() - start) / 1000;
  console.log(`scheduler core: ${placed} pods on 5000 nodes in ${secs.toFixed(2)} s = ${(placed / secs).toFixed(0)} pods/s`);
});
