// Pure arithmetic of the Deployment controller (no API server needed).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Deployment, ReplicaSet } from '../../src/api/types/apps-v1.ts';
import {
  computeHash,
  deploymentTimedOut,
  equalIgnoreHash,
  findActiveOrLatest,
  maxUnavailableOf,
  newRSNewReplicas,
  proportion,
  resolveFenceposts,
  safeEncodeString,
} from '../../src/controllers/deployment-util.ts';
import { scaledValue } from '../../src/controllers/controller-utils.ts';

function d(replicas: number, maxSurge?: number | string, maxUnavailable?: number | string): Deployment {
  return {
    metadata: { name: 'd', generation: 1 },
    spec: {
      replicas,
      selector: { matchLabels: { a: 'b' } },
      template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } },
    },
  };
}

function rs(name: string, replicas: number, created: string, annotations: Record<string, string> = {}): ReplicaSet {
  return { metadata: { name, creationTimestamp: created, annotations }, spec: { replicas, selector: {} } };
}

test('percentages scale with rounding up for surge and down for unavailability', () => {
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue(4, 10, false), 4);
  assert.throws(() => scaledValue('abc', 10, true), /invalid value for IntOrString/);
  assert.deepEqual(resolveFenceposts(d(10, '25%', '25%')), { maxSurge: 3, maxUnavailable: 2 });
  // Both zero is not allowed to stall a rollout: unavailable becomes 1.
  assert.deepEqual(resolveFenceposts(d(3, '10%', '10%')), { maxSurge: 1, maxUnavailable: 0 });
  assert.deepEqual(resolveFenceposts(d(3, 0, 0)), { maxSurge: 0, maxUnavailable: 1 });
  assert.equal(maxUnavailableOf(d(2, 0, 5)), 2, 'capped at replicas');
});

test('the new ReplicaSet grows only within replicas + maxSurge', () => {
  const dep = d(10, 3, 2);
  const old = rs('old', 10, '2024-01-01T00:00:00Z');
  const fresh = rs('new', 0, '2024-01-02T00:00:00Z');
  assert.equal(newRSNewReplicas(dep, [old, fresh], fresh), 3);
  old.spec!.replicas = 8;
  fresh.spec!.replicas = 3;
  assert.equal(newRSNewReplicas(dep, [old, fresh], fresh), 5);
  old.spec!.replicas = 0;
  fresh.spec!.replicas = 9;
  assert.equal(newRSNewReplicas(dep, [old, fresh], fresh), 10, 'never above replicas');
});

test('the pod-template-hash is stable, changes with the template or collisionCount, and ignores the hash label', () => {
  const t = d(1).spec!.template;
  const h = computeHash(t);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  assert.equal(computeHash(structuredClone(t)), h);
  const other = structuredClone(t);
  other.spec!.containers[0].image = 'j';
  assert.notEqual(computeHash(other), h);
  assert.notEqual(computeHash(t, 1), h);
  const labelled = structuredClone(t);
  labelled.metadata!.labels!['pod-template-hash'] = h;
  assert.ok(equalIgnoreHash(labelled, t));
  assert.ok(!equalIgnoreHash(other, t));
  // Empty and absent are the same, as apimachinery's semantic equality.
  assert.ok(equalIgnoreHash({ ...t, metadata: { ...t.metadata, annotations: {} } }, t));
  // Upstream encodes the decimal digits of the FNV sum: '0' → '4' … so hashes use ten letters only.
  assert.equal(safeEncodeString('0123456789'), '456789bcdf');
  assert.match(h, /^[456789bcdf]+$/);
});

test('with two active ReplicaSets a scale is proportional to their annotated sizes', () => {
  const dep = d(20, 3, 2);
  const a = rs('a', 8, '2024-01-01T00:00:00Z', { 'deployment.kubernetes.io/max-replicas': '13' });
  const b = rs('b', 5, '2024-01-02T00:00:00Z', { 'deployment.kubernetes.io/max-replicas': '13' });
  // 23 allowed, 13 now: 10 to add, about 8/13 and 5/13 of it.
  assert.equal(proportion(a, dep, 10, 0), 6);
  assert.equal(proportion(b, dep, 10, 6), 4);
  assert.equal(findActiveOrLatest(b, [a]), undefined);
  a.spec!.replicas = 0;
  assert.equal(findActiveOrLatest(b, [a]), b);
});

test('a progressing deployment times out only after progressDeadlineSeconds without progress', () => {
  const dep = d(1);
  dep.spec!.progressDeadlineSeconds = 10;
  const at = (iso: string) => ({ conditions: [{ type: 'Progressing', status: 'True' as const, reason: 'ReplicaSetUpdated', lastUpdateTime: iso }] });
  const now = Date.parse('2024-01-01T00:00:30Z');
  assert.equal(deploymentTimedOut(dep, at('2024-01-01T00:00:25Z'), now), false);
  assert.equal(deploymentTimedOut(dep, at('2024-01-01T00:00:15Z'), now), true);
  assert.equal(deploymentTimedOut(dep, { conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastUpdateTime: '2020-01-01T00:00:00Z' }] }, now), false);
});
