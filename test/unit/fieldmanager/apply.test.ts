import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldManager } from '../../../src/apiserver/fieldmanager/field-manager.ts';
import { mergeApplied } from '../../../src/apiserver/fieldmanager/merge.ts';
import { schemaForType } from '../../../src/apiserver/fieldmanager/type-schema.ts';
import { StatusError } from '../../../src/api/errors.ts';

const deploySchema = schemaForType('io.k8s.api.apps.v1.Deployment');
const podSchema = schemaForType('io.k8s.api.core.v1.Pod');

function fm(): FieldManager {
  return new FieldManager(deploySchema, 'apps/v1', true);
}

function deploy(spec: any, extraMeta: any = {}): any {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', ...extraMeta }, spec };
}

function entries(obj: any): Record<string, any> {
  const out: Record<string, any> = {};
  for (const e of obj.metadata.managedFields ?? []) out[`${e.manager}/${e.operation}`] = e;
  return out;
}

test('merge keeps live-only list-map items and follows the configuration order for shared ones', () => {
  const live = { spec: { containers: [{ name: 'a', image: '1' }, { name: 'side', image: 's' }, { name: 'b', image: '2' }] } };
  const config = { spec: { containers: [{ name: 'b', image: '3' }, { name: 'a', image: '1' }, { name: 'new', image: 'n' }] } };
  const merged: any = mergeApplied(live, config, podSchema);
  assert.deepEqual(
    merged.spec.containers.map((c: any) => `${c.name}:${c.image}`),
    ['side:s', 'b:3', 'a:1', 'new:n'],
  );
});

test('merge unions sets, replaces atomic lists and merges ports by containerPort and protocol', () => {
  const live = {
    metadata: { finalizers: ['a'] },
    spec: { containers: [{ name: 'c', command: ['x', 'y'], ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }, { containerPort: 53, protocol: 'UDP' }] }] },
  };
  const config = {
    metadata: { finalizers: ['b'] },
    spec: { containers: [{ name: 'c', command: ['z'], ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'TCP' }] }] },
  };
  const merged: any = mergeApplied(live, config, podSchema);
  assert.deepEqual(merged.metadata.finalizers, ['a', 'b']);
  assert.deepEqual(merged.spec.containers[0].command, ['z']);
  assert.deepEqual(merged.spec.containers[0].ports, [
    { containerPort: 80, protocol: 'TCP', name: 'http', hostPort: 8080 },
    { containerPort: 53, protocol: 'UDP' },
    { containerPort: 53, protocol: 'TCP' },
  ]);
});

test('apply creates with the applier owning what it set', () => {
  const out = fm().apply(undefined, deploy({ replicas: 2 }), { manager: 'a', force: false, subresource: '' });
  assert.equal(out.spec.replicas, 2);
  const e = entries(out)['a/Apply'];
  assert.equal(e.apiVersion, 'apps/v1');
  assert.equal(e.fieldsType, 'FieldsV1');
  assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(e.fieldsV1, { 'f:spec': { 'f:replicas': {} } });
});

test('a second applier changing an owned field conflicts; the same value is shared', () => {
  const m = fm();
  const live = m.apply(undefined, deploy({ replicas: 2, paused: false }), { manager: 'a', force: false, subresource: '' });
  const shared = m.apply(live, deploy({ replicas: 2 }), { manager: 'b', force: false, subresource: '' });
  assert.deepEqual(entries(shared)['b/Apply'].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  assert.deepEqual(entries(shared)['a/Apply'].fieldsV1, { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
  let err: unknown;
  try {
    m.apply(live, deploy({ replicas: 3 }), { manager: 'b', force: false, subresource: '' });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof StatusError);
  assert.equal(err.code, 409);
  assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "a": .spec.replicas');
  assert.deepEqual(err.details?.causes, [{ type: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.replicas' }]);
  const forced = m.apply(live, deploy({ replicas: 3 }), { manager: 'b', force: true, subresource: '' });
  assert.equal(forced.spec.replicas, 3);
  assert.deepEqual(entries(forced)['a/Apply'].fieldsV1, { 'f:spec': { 'f:paused': {} } });
});

test('conflicts with an updater name its apiVersion, and several are listed', () => {
  const m = fm();
  const created = deploy({ replicas: 1, paused: true });
  m.trackUpdate(undefined, created, 'kubectl-client-side-apply', '');
  assert.throws(
    () => m.apply(created, deploy({ replicas: 2, paused: false }), { manager: 'x', force: false, subresource: '' }),
    (e: any) =>
      e.code === 409 &&
      e.message === 'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.paused\n- .spec.replicas',
  );
});

test('a field dropped from the configuration is removed when the applier owned it alone', () => {
  const m = fm();
  const labels = { app: 'web', tier: 'x' };
  let live = m.apply(undefined, deploy({ replicas: 2, paused: true }, { labels }), { manager: 'a', force: false, subresource: '' });
  live = m.apply(live, deploy({ paused: true }, { labels }), { manager: 'b', force: false, subresource: '' });
  live = m.apply(live, deploy({}, { labels: { app: 'web' } }), { manager: 'a', force: false, subresource: '' });
  assert.equal(live.spec.replicas, undefined, 'owned by a alone: removed');
  assert.equal(live.spec.paused, true, 'co-owned by b: kept');
  assert.deepEqual(live.metadata.labels, { app: 'web', tier: 'x' }, 'tier co-owned by b: kept');
  live = m.apply(live, deploy({}, {}), { manager: 'b', force: false, subresource: '' });
  assert.equal(live.spec.paused, undefined);
  assert.deepEqual(live.metadata.labels, { app: 'web' });
});

test('a field another manager set by update is not removed by the applier dropping it', () => {
  const m = fm();
  let live = m.apply(undefined, deploy({ replicas: 2 }), { manager: 'a', force: false, subresource: '' });
  const next = structuredClone(live);
  next.spec.paused = true;
  m.trackUpdate(live, next, 'editor', '');
  live = next;
  live = m.apply(live, deploy({}), { manager: 'a', force: false, subresource: '' });
  assert.equal(live.spec.replicas, undefined);
  assert.equal(live.spec.paused, true);
});

test('an update takes changed fields from other managers and keeps the encoding when nothing changes', () => {
  const m = fm();
  const live = m.apply(undefined, deploy({ replicas: 2 }), { manager: 'a', force: false, subresource: '' });
  const same = structuredClone(live);
  m.trackUpdate(live, same, 'editor', '');
  assert.deepEqual(same.metadata.managedFields, live.metadata.managedFields);
  const next = structuredClone(live);
  next.spec.replicas = 5;
  m.trackUpdate(live, next, 'editor', '');
  const e = entries(next);
  assert.equal(e['a/Apply'], undefined, 'a owned nothing else and is dropped');
  assert.deepEqual(e['editor/Update'].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
});

test('status is ignored on the main resource and spec on the status subresource', () => {
  const m = fm();
  const live = m.apply(undefined, { ...deploy({ replicas: 1 }), status: { replicas: 9 } }, { manager: 'a', force: false, subresource: '' });
  assert.deepEqual(entries(live)['a/Apply'].fieldsV1, { 'f:spec': { 'f:replicas': {} } });
  const st = m.apply(live, { ...deploy({ replicas: 7 }), status: { replicas: 1 } }, { manager: 'ctl', force: false, subresource: 'status' });
  const e = st.metadata.managedFields.find((x: any) => x.manager === 'ctl');
  assert.equal(e.subresource, 'status');
  assert.deepEqual(e.fieldsV1, { 'f:status': { 'f:replicas': {} } });
});

test('managedFields: [{}] in an update clears every entry', () => {
  const m = fm();
  const live = m.apply(undefined, deploy({ replicas: 2 }), { manager: 'a', force: false, subresource: '' });
  const next = structuredClone(live);
  next.metadata.managedFields = [{}];
  m.trackUpdate(live, next, 'x', '');
  assert.equal(next.metadata.managedFields, undefined);
});

test('kubectl may take over fields that still match the last-applied annotation', () => {
  const m = fm();
  const lastApplied = JSON.stringify(deploy({ replicas: 2 }));
  const created = deploy({ replicas: 2 }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied } });
  m.trackUpdate(undefined, created, 'kubectl-client-side-apply', '');
  const out = m.apply(created, deploy({ replicas: 3 }), { manager: 'kubectl', force: false, subresource: '' });
  assert.equal(out.spec.replicas, 3);
  const synced = JSON.parse(out.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
  assert.equal(synced.spec.replicas, 3);
  // A field changed since the last client-side apply still conflicts.
  const drifted = structuredClone(created);
  drifted.spec.replicas = 4;
  m.trackUpdate(created, drifted, 'kubectl-scale', '');
  assert.throws(() => m.apply(drifted, deploy({ replicas: 5 }), { manager: 'kubectl', force: false, subresource: '' }), /conflict with "kubectl-scale"/);
});

test('an object with no managedFields belongs to before-first-apply', () => {
  const m = fm();
  const legacy = deploy({ replicas: 1 });
  assert.throws(
    () => m.apply(legacy, deploy({ replicas: 2 }), { manager: 'a', force: false, subresource: '' }),
    (e: any) => e.code === 409 && e.message === 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
  );
  const same = m.apply(legacy, deploy({ replicas: 1 }), { manager: 'a', force: false, subresource: '' });
  assert.deepEqual(Object.keys(entries(same)).sort(), ['a/Apply', 'before-first-apply/Update']);
});

test('nulls in the configuration unset fields and are never stored', () => {
  const live = { spec: { replicas: 1, paused: true } };
  const config = { spec: { paused: null, template: { metadata: { creationTimestamp: null, labels: { a: 'b' } } } } };
  assert.deepEqual(mergeApplied(live, config, deploySchema), { spec: { replicas: 1, template: { metadata: { labels: { a: 'b' } } } } });
});
