// The ReplicaSet controller's pure parts: which pods go first, slow-start batches, expectations.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../src/api/types/core-v1.ts';
import { UIDTrackingExpectations } from '../../src/controllers/expectations.ts';
import { podsToDelete, slowStartBatch } from '../../src/controllers/replica-set.ts';

function pod(name: string, o: { node?: string; phase?: string; ready?: boolean; readySince?: string; restarts?: number; created?: string; cost?: number } = {}): Pod {
  return {
    metadata: {
      name,
      creationTimestamp: o.created ?? '2024-01-01T00:00:00Z',
      ...(o.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } } : {}),
    },
    spec: { containers: [{ name: 'c' }], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: o.readySince ?? '2024-01-01T00:00:00Z' }],
      containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0, ready: true, image: 'i', imageID: '' }],
    },
  } as Pod;
}

const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name);

test('surplus pods are chosen as upstream ranks them: unscheduled, pending, not ready, cheap, doubled up, young, restarting, new', () => {
  const pods = [
    pod('running-old', { node: 'n1', created: '2024-01-01T00:00:00Z' }),
    pod('unscheduled', { phase: 'Pending', ready: false }),
    pod('pending', { node: 'n2', phase: 'Pending', ready: false }),
    pod('not-ready', { node: 'n3', ready: false }),
    pod('costly', { node: 'n4', cost: 100 }),
  ];
  assert.deepEqual(names(podsToDelete(pods, 3)), ['unscheduled', 'pending', 'not-ready']);
  assert.deepEqual(names(podsToDelete(pods, 4)).slice(3), ['running-old'], 'a higher deletion cost goes last');

  // Among ready pods on distinct nodes: two on one node go before one alone.
  const spread = [pod('alone', { node: 'a' }), pod('twin-1', { node: 'b' }), pod('twin-2', { node: 'b' })];
  assert.deepEqual(names(podsToDelete(spread, 1)).map((n) => n!.startsWith('twin')), [true]);

  // Pods of sibling ReplicaSets (one Deployment) count too: the node shared with an old pod goes first.
  const own = [pod('on-a', { node: 'a' }), pod('on-b', { node: 'b' })];
  const sibling = pod('old-on-b', { node: 'b' });
  assert.deepEqual(names(podsToDelete(own, 1, [...own, sibling])), ['on-b']);

  const ages = [
    pod('ready-long', { node: 'x', readySince: '2024-01-01T00:00:00Z' }),
    pod('ready-briefly', { node: 'y', readySince: '2024-01-02T00:00:00Z' }),
  ];
  assert.deepEqual(names(podsToDelete(ages, 1)), ['ready-briefly']);
  const restarts = [pod('stable', { node: 'x' }), pod('flaky', { node: 'y', restarts: 4 })];
  assert.deepEqual(names(podsToDelete(restarts, 1)), ['flaky']);
  const created = [pod('older', { node: 'x', created: '2024-01-01T00:00:00Z' }), pod('newer', { node: 'y', created: '2024-01-03T00:00:00Z' })];
  assert.deepEqual(names(podsToDelete(created, 1)), ['newer']);
});

test('slow start creates in batches of 1, 2, 4 … and stops after the first failing batch', async () => {
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => {
    calls++;
  });
  assert.deepEqual(ok, { succeeded: 10 });
  assert.equal(calls, 10);

  calls = 0;
  const failing = await slowStartBatch(20, 1, async () => {
    calls++;
    if (calls === 5) throw new Error('quota exceeded');
  });
  // Batches 1, 2, 4: the fifth call (in the third batch) fails; nothing after that batch runs.
  assert.equal(calls, 7);
  assert.equal(failing.succeeded, 6);
  assert.match(String((failing.error as Error).message), /quota exceeded/);
});

test('expectations hold a key until every creation and each deleted pod has been observed once', () => {
  const e = new UIDTrackingExpectations();
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
  e.expectCreations('ns/rs', 2);
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);

  e.expectPodDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.podDeletionObserved('ns/rs', 'ns/a');
  e.podDeletionObserved('ns/rs', 'ns/a'); // the same pod again (update with deletionTimestamp, then delete)
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.podDeletionObserved('ns/rs', 'ns/other');
  assert.equal(e.satisfiedExpectations('ns/rs'), false);
  e.podDeletionObserved('ns/rs', 'ns/b');
  assert.equal(e.satisfiedExpectations('ns/rs'), true);
});
