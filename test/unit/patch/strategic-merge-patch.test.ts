import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyStrategicMergePatch,
  createThreeWayStrategicMergePatch,
  createTwoWayStrategicMergePatch,
} from '../../../src/api/patch/strategic-merge-patch.ts';
import { StatusError } from '../../../src/api/errors.ts';
import type { JsonObject } from '../../../src/api/patch/json-value.ts';
import { podMeta } from './pod-patch-meta.ts';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

function config(containers: JsonObject[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { containers, ...extra },
  };
}

/** What the API server holds after a client-side apply of `cfg`: annotation, defaults, status. */
function live(cfg: JsonObject): JsonObject {
  const obj = structuredClone(cfg) as any;
  obj.metadata.annotations = { [LAST_APPLIED]: JSON.stringify(cfg) };
  obj.metadata.uid = 'u-1';
  obj.spec.restartPolicy = 'Always';
  for (const c of obj.spec.containers) c.imagePullPolicy = 'IfNotPresent';
  obj.status = { phase: 'Running' };
  return obj;
}

/** The patch kubectl apply computes: last-applied vs new config (with its annotation) vs live. */
function applyPatch(lastApplied: JsonObject, next: JsonObject, current: JsonObject): JsonObject {
  const modified = structuredClone(next) as any;
  modified.metadata.annotations = { [LAST_APPLIED]: JSON.stringify(next) };
  return createThreeWayStrategicMergePatch(lastApplied, modified, current, podMeta);
}

function annotationPatch(next: JsonObject): JsonObject {
  return { annotations: { [LAST_APPLIED]: JSON.stringify(next) } };
}

test('kubectl apply that adds a field sends only the addition', () => {
  const v1 = config([{ name: 'web', image: 'nginx:1' }]);
  const v2 = config([{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }]);
  (v2.metadata as any).labels.tier = 'front';
  const current = live(v1);
  const patch = applyPatch(v1, v2, current);
  assert.deepEqual(patch, {
    metadata: { ...annotationPatch(v2), labels: { tier: 'front' } },
    spec: {
      '$setElementOrder/containers': [{ name: 'web' }],
      containers: [{ name: 'web', ports: [{ containerPort: 80 }] }],
    },
  });
  const result = applyStrategicMergePatch(current, patch, podMeta) as any;
  assert.deepEqual(result.spec.containers, [{ name: 'web', image: 'nginx:1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80 }] }]);
  assert.deepEqual(result.metadata.labels, { app: 'web', tier: 'front' });
  assert.equal(result.spec.restartPolicy, 'Always');
  assert.deepEqual(result.status, { phase: 'Running' });
});

test('kubectl apply that changes an image sends the container by name with $setElementOrder', () => {
  const v1 = config([{ name: 'web', image: 'nginx:1' }]);
  const v2 = config([{ name: 'web', image: 'nginx:2' }]);
  const current = live(v1);
  const patch = applyPatch(v1, v2, current);
  assert.deepEqual(patch, {
    metadata: annotationPatch(v2),
    spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ image: 'nginx:2', name: 'web' }] },
  });
  const result = applyStrategicMergePatch(current, patch, podMeta) as any;
  assert.deepEqual(result.spec.containers, [{ name: 'web', image: 'nginx:2', imagePullPolicy: 'IfNotPresent' }]);
});

test('kubectl apply that removes a container sends a $patch: delete item', () => {
  const v1 = config([
    { name: 'web', image: 'nginx:1' },
    { name: 'log', image: 'busybox' },
  ]);
  const v2 = config([{ name: 'web', image: 'nginx:1' }]);
  const current = live(v1);
  const patch = applyPatch(v1, v2, current);
  assert.deepEqual(patch, {
    metadata: annotationPatch(v2),
    spec: {
      '$setElementOrder/containers': [{ name: 'web' }],
      containers: [{ $patch: 'delete', name: 'log' }],
    },
  });
  const result = applyStrategicMergePatch(current, patch, podMeta) as any;
  assert.deepEqual(result.spec.containers, [{ name: 'web', image: 'nginx:1', imagePullPolicy: 'IfNotPresent' }]);
});

test('kubectl apply that removes an env var deletes it by name inside its container', () => {
  const env = [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ];
  const v1 = config([{ name: 'web', image: 'nginx:1', env }]);
  const v2 = config([{ name: 'web', image: 'nginx:1', env: [env[0]] }]);
  const current = live(v1);
  const patch = applyPatch(v1, v2, current);
  assert.deepEqual(patch, {
    metadata: annotationPatch(v2),
    spec: {
      '$setElementOrder/containers': [{ name: 'web' }],
      containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }] }],
    },
  });
  const result = applyStrategicMergePatch(current, patch, podMeta) as any;
  assert.deepEqual(result.spec.containers[0].env, [{ name: 'A', value: '1' }]);
  assert.equal(result.spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

test('kubectl apply that reorders containers sends only $setElementOrder', () => {
  const a = { name: 'a', image: 'x' };
  const b = { name: 'b', image: 'y' };
  const v1 = config([a, b]);
  const v2 = config([b, a]);
  const current = live(v1);
  const patch = applyPatch(v1, v2, current);
  assert.deepEqual(patch, {
    metadata: annotationPatch(v2),
    spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] },
  });
  const result = applyStrategicMergePatch(current, patch, podMeta) as any;
  assert.deepEqual(
    result.spec.containers.map((c: any) => c.name),
    ['b', 'a'],
  );
  assert.equal(result.spec.containers[0].imagePullPolicy, 'IfNotPresent');
});

test('kubectl apply deletes fields dropped from the config but leaves fields set by others', () => {
  const v1 = config([{ name: 'web', image: 'nginx:1' }], { nodeSelector: { disk: 'ssd' } });
  const v2 = config([{ name: 'web', image: 'nginx:1' }]);
  const current = live(v1) as any;
  current.metadata.labels.owner = 'someone-else';
  current.spec.containers.push({ name: 'injected', image: 'proxy' });
  const patch = applyPatch(v1, v2, current);
  // The live list differs from the config (an injected container), so the order is re-sent.
  assert.deepEqual(patch, {
    metadata: annotationPatch(v2),
    spec: { nodeSelector: null, '$setElementOrder/containers': [{ name: 'web' }] },
  });
  const result = applyStrategicMergePatch(current, patch, podMeta) as any;
  assert.equal(result.spec.nodeSelector, undefined);
  assert.equal(result.metadata.labels.owner, 'someone-else');
  assert.deepEqual(
    result.spec.containers.map((c: any) => c.name),
    ['web', 'injected'],
  );
});

test('applying the same config twice yields only the unchanged annotation, i.e. an empty diff', () => {
  const v1 = config([{ name: 'web', image: 'nginx:1' }]);
  assert.deepEqual(applyPatch(v1, v1, live(v1)), {});
});

test('containers merge by name: patched items update in place, server-only items keep their place', () => {
  const current = { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b', image: '2' }, { name: 'c', image: '3' }] } };
  const out = applyStrategicMergePatch(current, { spec: { containers: [{ name: 'b', image: 'new' }] } }, podMeta);
  assert.deepEqual(out.spec.containers, [
    { name: 'a', image: '1' },
    { name: 'b', image: 'new' },
    { name: 'c', image: '3' },
  ]);
});

test('a new merge-list item without $setElementOrder goes before server-only items, as upstream', () => {
  const current = { spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
  const out = applyStrategicMergePatch(current, { spec: { containers: [{ name: 'c' }] } }, podMeta);
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['c', 'a', 'b']);
});

test('$setElementOrder places new and existing items in the given order', () => {
  const current = { spec: { containers: [{ name: 'a' }, { name: 'b' }] } };
  const out = applyStrategicMergePatch(
    current,
    { spec: { '$setElementOrder/containers': [{ name: 'a' }, { name: 'c' }, { name: 'b' }], containers: [{ name: 'c' }] } },
    podMeta,
  );
  assert.deepEqual(out.spec.containers.map((c) => c.name), ['a', 'c', 'b']);
});

test('ports merge by containerPort and env by name inside a merged container', () => {
  const current = {
    spec: {
      containers: [
        { name: 'web', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
      ],
    },
  };
  const out = applyStrategicMergePatch(
    current,
    {
      spec: {
        containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '2' }] }],
      },
    },
    podMeta,
  );
  assert.deepEqual(out.spec.containers[0], {
    name: 'web',
    ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
    env: [{ name: 'A', value: '2' }],
  });
});

test('status conditions merge by type', () => {
  const current = {
    status: {
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False' },
      ],
    },
  };
  const out = applyStrategicMergePatch(current, { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, podMeta);
  assert.deepEqual(out.status.conditions, [
    { type: 'PodScheduled', status: 'True' },
    { type: 'Ready', status: 'True' },
  ]);
});

test('finalizers merge as a set and $deleteFromPrimitiveList removes entries', () => {
  const current = { metadata: { finalizers: ['a', 'b'] } };
  const added = applyStrategicMergePatch(current, { metadata: { finalizers: ['b', 'c'] } }, podMeta);
  assert.deepEqual([...added.metadata.finalizers].sort(), ['a', 'b', 'c']);
  const removed = applyStrategicMergePatch(current, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, podMeta);
  assert.deepEqual(removed.metadata.finalizers, ['b']);
});

test('two-way diff of a primitive merge list emits $deleteFromPrimitiveList and $setElementOrder', () => {
  const patch = createTwoWayStrategicMergePatch({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { finalizers: ['b', 'c'] } }, podMeta);
  assert.deepEqual(patch, {
    metadata: {
      finalizers: ['c'],
      '$deleteFromPrimitiveList/finalizers': ['a'],
      '$setElementOrder/finalizers': ['b', 'c'],
    },
  });
  assert.deepEqual(applyStrategicMergePatch({ metadata: { finalizers: ['a', 'b'] } }, patch, podMeta), { metadata: { finalizers: ['b', 'c'] } });
});

test('tolerations have no merge strategy and are replaced whole', () => {
  const current = { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } };
  const out = applyStrategicMergePatch(current, { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } }, podMeta);
  assert.deepEqual(out.spec.tolerations, [{ key: 'b', operator: 'Exists' }]);
});

test('switching a volume source sends $retainKeys and clears the old source', () => {
  const original = { spec: { volumes: [{ name: 'data', emptyDir: {} }] } };
  const modified = { spec: { volumes: [{ name: 'data', configMap: { name: 'cm' } }] } };
  const patch = createTwoWayStrategicMergePatch(original, modified, podMeta);
  assert.deepEqual(patch, {
    spec: {
      '$setElementOrder/volumes': [{ name: 'data' }],
      volumes: [{ name: 'data', configMap: { name: 'cm' }, emptyDir: null, $retainKeys: ['configMap', 'name'] }],
    },
  });
  // A live object that gained a defaulted field the config never had still loses the old source.
  const current = { spec: { volumes: [{ name: 'data', emptyDir: { medium: '' } }] } };
  assert.deepEqual(applyStrategicMergePatch(current, patch, podMeta), modified);
});

test('$retainKeys keeps only the listed keys of a map', () => {
  const current = { spec: { volumes: [{ name: 'v', hostPath: { path: '/x' }, emptyDir: {} }] } };
  const out = applyStrategicMergePatch(current, { spec: { volumes: [{ name: 'v', $retainKeys: ['name', 'hostPath'] }] } }, podMeta);
  assert.deepEqual(out.spec.volumes, [{ name: 'v', hostPath: { path: '/x' } }]);
});

test('a patch setting a key missing from $retainKeys is a 400', () => {
  assert.throws(
    () => applyStrategicMergePatch({ spec: { volumes: [{ name: 'v' }] } }, { spec: { volumes: [{ name: 'v', secret: {}, $retainKeys: ['name'] }] } }, podMeta),
    (e: unknown) => e instanceof StatusError && e.code === 400 && e.message === 'invalid patch format of retainKeys',
  );
});

test('$patch: replace on a map replaces it whole', () => {
  const out = applyStrategicMergePatch({ metadata: { labels: { a: '1', b: '2' } } }, { metadata: { labels: { c: '3', $patch: 'replace' } } }, podMeta);
  assert.deepEqual(out.metadata.labels, { c: '3' });
});

test('$patch: delete on a map removes its contents', () => {
  const out = applyStrategicMergePatch({ spec: { nodeSelector: { a: '1' }, restartPolicy: 'Always' } }, { spec: { nodeSelector: { $patch: 'delete' } } }, podMeta);
  assert.deepEqual(out.spec, { nodeSelector: {}, restartPolicy: 'Always' });
});

test('$patch: replace in a merge list replaces the list', () => {
  const current = { spec: { containers: [{ name: 'a', image: '1' }, { name: 'b' }] } };
  const out = applyStrategicMergePatch(current, { spec: { containers: [{ name: 'c' }, { $patch: 'replace' }] } }, podMeta);
  assert.deepEqual(out.spec.containers, [{ name: 'c' }]);
});

test('$patch: delete in a list item deletes the item with that key', () => {
  const current = { metadata: { ownerReferences: [{ uid: '1', name: 'x' }, { uid: '2', name: 'y' }] } };
  const out = applyStrategicMergePatch(current, { metadata: { ownerReferences: [{ uid: '1', $patch: 'delete' }] } }, podMeta);
  assert.deepEqual(out.metadata.ownerReferences, [{ uid: '2', name: 'y' }]);
});

test('$patch: merge on a map merges as usual', () => {
  const out = applyStrategicMergePatch({ metadata: { labels: { a: '1' } } }, { metadata: { labels: { b: '2', $patch: 'merge' } } }, podMeta);
  assert.deepEqual(out.metadata.labels, { a: '1', b: '2' });
});

test('null deletes a field and nested maps merge recursively', () => {
  const out = applyStrategicMergePatch(
    { metadata: { labels: { a: '1', b: '2' } }, spec: { nodeName: 'n1' } },
    { metadata: { labels: { a: null, c: '3' } }, spec: { nodeName: null } },
    podMeta,
  );
  assert.deepEqual(out, { metadata: { labels: { b: '2', c: '3' } }, spec: {} });
});

test('without meta a strategic merge patch behaves like a JSON merge patch', () => {
  const current = { spec: { containers: [{ name: 'a', image: '1' }], x: { y: 1 } } };
  const out = applyStrategicMergePatch(current, { spec: { containers: [{ name: 'b' }], x: { z: 2 } } }, undefined);
  assert.deepEqual(out, { spec: { containers: [{ name: 'b' }], x: { y: 1, z: 2 } } });
});

test('cordon: {"spec":{"unschedulable":true}} on an unknown field just sets it', () => {
  const out = applyStrategicMergePatch({ spec: { podCIDR: '10.0.0.0/24' } }, { spec: { unschedulable: true } }, podMeta);
  assert.deepEqual(out, { spec: { podCIDR: '10.0.0.0/24', unschedulable: true } });
});

test('a merge-list item without its merge key is rejected', () => {
  assert.throws(
    () => applyStrategicMergePatch({ spec: { containers: [{ name: 'a' }] } }, { spec: { containers: [{ image: 'x' }] } }, podMeta),
    (e: unknown) => e instanceof StatusError && /does not contain declared merge key: name/.test(e.message),
  );
});

test('an unknown $patch directive is rejected', () => {
  assert.throws(
    () => applyStrategicMergePatch({ metadata: { labels: {} } }, { metadata: { labels: { $patch: 'frob' } } }, podMeta),
    (e: unknown) => e instanceof StatusError && /unknown patch type: frob/.test(e.message),
  );
});

test('applying and creating patches never mutates the inputs', () => {
  const original = config([{ name: 'web', image: 'nginx:1', env: [{ name: 'A', value: '1' }] }]);
  const modified = config([{ name: 'web', image: 'nginx:2' }]);
  const current = live(original);
  const snapshot = JSON.stringify([original, modified, current]);
  const patch = createThreeWayStrategicMergePatch(original, modified, current, podMeta);
  const patchSnapshot = JSON.stringify(patch);
  createTwoWayStrategicMergePatch(original, modified, podMeta);
  applyStrategicMergePatch(current, patch, podMeta);
  assert.equal(JSON.stringify([original, modified, current]), snapshot);
  assert.equal(JSON.stringify(patch), patchSnapshot);
});

test('a two-way patch reproduces the modified object when applied to the original', () => {
  const original = config(
    [
      { name: 'a', image: '1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], ports: [{ containerPort: 80 }] },
      { name: 'b', image: '2' },
    ],
    { tolerations: [{ key: 'k' }], volumes: [{ name: 'v', emptyDir: {} }] },
  );
  const modified = config(
    [
      { name: 'c', image: '3' },
      { name: 'a', image: '1b', env: [{ name: 'Y', value: '3' }], ports: [{ containerPort: 80 }, { containerPort: 443 }] },
    ],
    { volumes: [{ name: 'v', hostPath: { path: '/d' } }], restartPolicy: 'Never' },
  );
  const patch = createTwoWayStrategicMergePatch(original, modified, podMeta);
  assert.deepEqual(applyStrategicMergePatch(original, patch, podMeta), modified);
});

test('deleting and adding in one patch keeps server-only items where upstream puts them', () => {
  const current = { spec: { containers: [{ name: 'a' }, { name: 'b', image: 'x' }, { name: 'sidecar', image: 'y' }] } };
  const patch = {
    spec: {
      '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }],
      containers: [{ name: 'c' }, { name: 'a', $patch: 'delete' }],
    },
  };
  const out = applyStrategicMergePatch(current, patch, podMeta);
  assert.deepEqual(out.spec.containers, [{ name: 'b', image: 'x' }, { name: 'sidecar', image: 'y' }, { name: 'c' }]);
});
