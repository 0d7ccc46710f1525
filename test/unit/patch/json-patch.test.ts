import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJsonPatch, jsonPatchFailureDetail, parseJsonPointer } from '../../../src/api/patch/json-patch.ts';
import { StatusError } from '../../../src/api/errors.ts';

const doc = () => ({ metadata: { name: 'a', labels: { app: 'x' } }, spec: { list: [1, 2, 3] } });

function expect422(fn: () => unknown, detail: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StatusError);
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.equal(err.message, 'the server rejected our request due to an error in our request');
    assert.match(jsonPatchFailureDetail(err) ?? '', detail);
    return;
  }
  assert.fail('expected a 422');
}

test('add sets a member, inserts into arrays by index and appends with -', () => {
  const out = applyJsonPatch(doc(), [
    { op: 'add', path: '/metadata/labels/tier', value: 'web' },
    { op: 'add', path: '/spec/list/1', value: 9 },
    { op: 'add', path: '/spec/list/-', value: 10 },
  ]);
  assert.deepEqual(out.metadata.labels, { app: 'x', tier: 'web' });
  assert.deepEqual(out.spec.list, [1, 9, 2, 3, 10]);
});

test('remove, replace, move and copy follow RFC 6902', () => {
  const out = applyJsonPatch(doc(), [
    { op: 'remove', path: '/spec/list/0' },
    { op: 'replace', path: '/metadata/name', value: 'b' },
    { op: 'copy', from: '/metadata/labels', path: '/spec/labels' },
    { op: 'move', from: '/metadata/labels/app', path: '/metadata/app' },
  ]);
  assert.deepEqual(out, {
    metadata: { name: 'b', labels: {}, app: 'x' },
    spec: { list: [2, 3], labels: { app: 'x' } },
  });
});

test('escaped pointer tokens address keys containing / and ~', () => {
  assert.deepEqual(parseJsonPointer('/a~1b/c~0d'), ['a/b', 'c~d']);
  const out = applyJsonPatch({ metadata: { annotations: { 'k8s.io/x~y': '1' } } }, [
    { op: 'replace', path: '/metadata/annotations/k8s.io~1x~0y', value: '2' },
  ]);
  assert.deepEqual(out.metadata.annotations, { 'k8s.io/x~y': '2' });
});

test('the input document is never mutated', () => {
  const input = doc();
  const before = JSON.stringify(input);
  applyJsonPatch(input, [
    { op: 'add', path: '/spec/list/-', value: 4 },
    { op: 'remove', path: '/metadata/labels/app' },
  ]);
  assert.equal(JSON.stringify(input), before);
});

test('a passing test op lets the patch continue; a failing one is 422', () => {
  const out = applyJsonPatch(doc(), [
    { op: 'test', path: '/metadata/name', value: 'a' },
    { op: 'replace', path: '/metadata/name', value: 'z' },
  ]);
  assert.equal(out.metadata.name, 'z');
  expect422(() => applyJsonPatch(doc(), [{ op: 'test', path: '/metadata/name', value: 'nope' }]), /testing value \/metadata\/name failed: test failed/);
});

test('missing paths, bad indexes and unknown ops are 422', () => {
  expect422(() => applyJsonPatch(doc(), [{ op: 'add', path: '/nope/x', value: 1 }]), /doc is missing path: "\/nope\/x"/);
  expect422(() => applyJsonPatch(doc(), [{ op: 'remove', path: '/metadata/zzz' }]), /Unable to remove nonexistent key: zzz/);
  expect422(() => applyJsonPatch(doc(), [{ op: 'replace', path: '/metadata/zzz', value: 1 }]), /doc is missing key/);
  expect422(() => applyJsonPatch(doc(), [{ op: 'add', path: '/spec/list/7', value: 1 }]), /invalid index referenced/);
  expect422(() => applyJsonPatch(doc(), [{ op: 'frob', path: '/a' }]), /Unexpected kind: frob/);
});

test('a body that is not a list of operations is 400', () => {
  assert.throws(
    () => applyJsonPatch(doc(), { op: 'add' }),
    (e: unknown) => e instanceof StatusError && e.code === 400 && /cannot unmarshal object/.test(e.message),
  );
});

test('replace at the root path replaces the whole document', () => {
  assert.deepEqual(applyJsonPatch(doc(), [{ op: 'replace', path: '', value: { a: 1 } }]), { a: 1 });
});
