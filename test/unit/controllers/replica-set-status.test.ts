import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../src/api/types/core-v1.ts';
import { calculateStatus, type ReplicatedObject } from '../../../src/controllers/replica-set.ts';

function pod(labels: Record<string, string>, readySecondsAgo?: number): Pod {
  const conditions =
    readySecondsAgo === undefined
      ? [{ type: 'Ready', status: 'False' }]
      : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(Date.now() - readySecondsAgo * 1000).toISOString() }];
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels }, status: { phase: 'Running', conditions } };
}

const rs = (minReadySeconds: number): ReplicatedObject => ({
  metadata: { name: 'rs', generation: 3 },
  spec: { replicas: 4, minReadySeconds, template: { metadata: { labels: { app: 'web', tier: 'front' } } } },
});

test('status counts fully-labeled, ready and available pods; minReadySeconds holds back pods ready too recently', () => {
  const pods = [pod({ app: 'web', tier: 'front' }, 60), pod({ app: 'web', tier: 'front', extra: 'x' }, 1), pod({ app: 'web' }, 60), pod({ app: 'web', tier: 'front' })];
  assert.deepEqual(calculateStatus(rs(0), pods), { replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 3 });
  assert.deepEqual(calculateStatus(rs(30), pods), { replicas: 4, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 2, observedGeneration: 3 });
});

test('a ReplicaSet whose template has no labels counts every pod as fully labeled', () => {
  const bare: ReplicatedObject = { metadata: { name: 'rs' }, spec: { replicas: 1, template: {} } };
  assert.equal(calculateStatus(bare, [pod({}), pod({ a: 'b' })]).fullyLabeledReplicas, 2);
});
