import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinResources } from '../../../src/api/resources/builtin.ts';
import { groupVersion } from '../../../src/api/strategy.ts';

const api = JSON.parse(readFileSync('/work/shared/k8s-api/k8s-api-1.32.json', 'utf8'));
const defs = builtinResources();

test('every built-in resource names a type from the 1.32 API data with the same kind', () => {
  for (const d of defs) {
    const t = api.types[d.typeName];
    assert.ok(t, `${d.typeName} missing from the API data`);
    assert.equal(t.name, d.kind, d.typeName);
    assert.equal(t.version, d.version, d.typeName);
  }
});

test('scope matches the API data for every kind that declares it', () => {
  for (const d of defs) {
    const pkg = Object.values<any>(api.packages).find((p) => p.group === d.group && p.version === d.version);
    assert.ok(pkg, `${groupVersion(d)} package`);
    const kind = pkg.kinds.find((k: any) => k.kind === d.kind);
    if (kind && typeof kind.nonNamespaced === 'boolean' && kind.genclient) {
      assert.equal(d.namespaced, !kind.nonNamespaced, `${d.resource} scope`);
    }
  }
});

test('group/resource pairs are unique and lists are named <Kind>List', () => {
  const seen = new Set<string>();
  for (const d of defs) {
    const key = `${d.group}/${d.resource}`;
    assert.ok(!seen.has(key), key);
    seen.add(key);
    assert.equal(d.listKind, `${d.kind}List`);
    assert.equal(d.singular, d.kind.toLowerCase());
  }
  assert.equal(defs.length, 39);
});

test('short names and categories are those upstream discovery reports', () => {
  const byName = new Map(defs.map((d) => [`${d.group}/${d.resource}`, d]));
  const expect: [string, string[], string[]?][] = [
    ['/pods', ['po'], ['all']],
    ['/services', ['svc'], ['all']],
    ['apps/deployments', ['deploy'], ['all']],
    ['apps/replicasets', ['rs'], ['all']],
    ['apps/daemonsets', ['ds'], ['all']],
    ['apps/statefulsets', ['sts'], ['all']],
    ['batch/jobs', [], ['all']],
    ['batch/cronjobs', ['cj'], ['all']],
    ['/configmaps', ['cm']],
    ['/namespaces', ['ns']],
    ['/nodes', ['no']],
    ['/events', ['ev']],
    ['/serviceaccounts', ['sa']],
    ['/endpoints', ['ep']],
    ['/persistentvolumes', ['pv']],
    ['/persistentvolumeclaims', ['pvc']],
    ['/resourcequotas', ['quota']],
    ['/limitranges', ['limits']],
    ['/replicationcontrollers', ['rc'], ['all']],
    ['networking.k8s.io/ingresses', ['ing']],
    ['networking.k8s.io/networkpolicies', ['netpol']],
    ['policy/poddisruptionbudgets', ['pdb']],
    ['scheduling.k8s.io/priorityclasses', ['pc']],
    ['storage.k8s.io/storageclasses', ['sc']],
    ['/componentstatuses', ['cs']],
  ];
  for (const [key, shortNames, categories] of expect) {
    const d = byName.get(key);
    assert.ok(d, key);
    assert.deepEqual(d.shortNames ?? [], shortNames, key);
    assert.deepEqual(d.categories ?? [], categories ?? [], key);
  }
  assert.deepEqual(byName.get('/componentstatuses')!.verbs, ['get', 'list']);
  assert.deepEqual(byName.get('/bindings')!.verbs, ['create']);
  assert.deepEqual(byName.get('authorization.k8s.io/selfsubjectaccessreviews')!.verbs, ['create']);
  assert.equal(byName.get('authorization.k8s.io/selfsubjectaccessreviews')!.namespaced, false);
});

test('subresources and scale specs are declared as upstream serves them', () => {
  const byName = new Map(defs.map((d) => [`${d.group}/${d.resource}`, d]));
  assert.deepEqual(byName.get('/pods')!.subresources, ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers']);
  assert.deepEqual(byName.get('/namespaces')!.subresources, ['status', 'finalize']);
  for (const key of ['/replicationcontrollers', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets']) {
    assert.deepEqual(byName.get(key)!.subresources, ['status', 'scale'], key);
    assert.ok(byName.get(key)!.scale, key);
  }
  for (const key of ['apps/daemonsets', 'batch/jobs', 'batch/cronjobs', '/resourcequotas', '/persistentvolumes', '/persistentvolumeclaims', 'policy/poddisruptionbudgets', 'networking.k8s.io/ingresses']) {
    assert.deepEqual(byName.get(key)!.subresources, ['status'], key);
  }
});

test('every table row has one cell per column', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  for (const d of defs) {
    const t = d.strategy.table;
    if (!t) continue;
    const row = t.row({ metadata: { name: 'x', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' } }, now);
    assert.equal(row.length, t.columns.length, d.resource);
  }
});

test('every strategy accepts a minimal valid object after defaulting without throwing', () => {
  for (const d of defs) {
    const obj: any = { metadata: { name: 'x', namespace: d.namespaced ? 'default' : undefined, uid: 'u1' } };
    d.strategy.defaults?.(obj);
    d.strategy.prepareForCreate?.(obj);
    assert.ok(Array.isArray(d.strategy.validate?.(obj) ?? []), d.resource);
    const upd = structuredClone(obj);
    d.strategy.prepareForUpdate?.(upd, obj);
    assert.ok(Array.isArray(d.strategy.validateUpdate?.(upd, obj) ?? []), d.resource);
  }
});
