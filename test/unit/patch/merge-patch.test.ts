import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyMergePatch, createMergePatch } from '../../../src/api/patch/merge-patch.ts';

test('objects merge recursively and null deletes a field', () => {
  const out = applyMergePatch(
    { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1 } },
    { metadata: { labels: { b: null, c: '3' } }, spec: { replicas: 3 } },
  );
  assert.deepEqual(out, { metadata: { labels: { a: '1', c: '3' } }, spec: { replicas: 3 } });
});

test('arrays are replaced, never merged', () => {
  const out = applyMergePatch({ spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, { spec: { containers: [{ name: 'c' }] } });
  assert.deepEqual(out.spec.containers, [{ name: 'c' }]);
});

test('a patch that is not an object replaces the document', () => {
  assert.deepEqual(applyMergePatch({ a: 1 }, [1, 2]), [1, 2]);
  assert.equal(applyMergePatch({ a: 1 }, 'x'), 'x');
});

test('nulls inside a newly added object are dropped (RFC 7386)', () => {
  assert.deepEqual(applyMergePatch({}, { a: { b: null, c: 1 } }), { a: { c: 1 } });
});

test('applying a merge patch does not mutate its inputs', () => {
  const doc = { a: { b: 1 } };
  const patch = { a: { c: 2 } };
  const out = applyMergePatch(doc, patch);
  assert.deepEqual(doc, { a: { b: 1 } });
  out.a.b = 5;
  assert.equal(doc.a.b, 1);
});

test('createMergePatch yields modified when applied to original', () => {
  const original = { metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2], keep: true } };
  const modified = { metadata: { labels: { a: '1', c: '3' } }, spec: { list: [2], keep: true } };
  const patch = createMergePatch(original, modified);
  assert.deepEqual(patch, { metadata: { labels: { b: null, c: '3' } }, spec: { list: [2] } });
  assert.deepEqual(applyMergePatch(original, patch), modified);
});

test('createMergePatch of equal documents is empty', () => {
  assert.deepEqual(createMergePatch({ a: [1], b: { c: 1 } }, { a: [1], b: { c: 1 } }), {});
});
