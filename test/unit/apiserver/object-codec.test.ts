import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFromStore, encodeForStore, noteWritten, storedJsonWithResourceVersion, takeWrittenJson } from '../../../src/apiserver/registry/object-codec.ts';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', resourceVersion: '7', labels: { a: 'b' } },
  spec: { containers: [{ name: 'c', image: 'x' }] },
  status: undefined,
});

test('the stored form leaves out the resourceVersion and keeps it on the object', () => {
  const obj = pod();
  const bytes = encodeForStore(obj);
  const stored = JSON.parse(bytes.toString());
  assert.equal(stored.metadata.resourceVersion, undefined);
  assert.equal(obj.metadata.resourceVersion, '7');
  assert.equal(bytes.toString(), JSON.stringify({ ...obj, metadata: { name: 'p', namespace: 'default', labels: { a: 'b' } } }));
});

test('the JSON spliced for a written value equals serializing the decoded object', () => {
  const tricky = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    data: { 'a"}': 'x\\"{[', b: '\\', n: '"metadata":{}' },
    count: 3,
    ok: true,
    none: null,
    list: [1, { '}': ']' }, 'x'],
    metadata: { name: 'q', annotations: { k: '}"]\n' } },
    spec: { metadata: { name: 'after' } },
  };
  for (const obj of [pod(), { apiVersion: 'v1', kind: 'Namespace', metadata: {} }, { kind: 'X', spec: { metadata: { name: 'inner' } }, metadata: { name: 'm' } }, tricky, { metadata: { name: 'first' }, kind: 'Y' }]) {
    const bytes = encodeForStore(obj);
    const spliced = storedJsonWithResourceVersion(bytes, '42');
    const decoded = decodeFromStore({ key: '/k', value: Buffer.from(bytes.toString()), createRevision: 1, modRevision: 42 });
    assert.equal(spliced, JSON.stringify(decoded));
    assert.deepEqual(decodeFromStore({ key: '/k', value: bytes, createRevision: 1, modRevision: 42 }), decoded);
  }
});

test('a value this process did not encode has no known JSON', () => {
  assert.equal(storedJsonWithResourceVersion(Buffer.from('{"metadata":{}}'), '1'), undefined);
});

test('the JSON noted for a written object is handed out once', () => {
  const obj = pod();
  const bytes = encodeForStore(obj);
  obj.metadata.resourceVersion = '9';
  noteWritten(obj, bytes, '9');
  assert.equal(takeWrittenJson(obj), JSON.stringify(obj));
  assert.equal(takeWrittenJson(obj), undefined);
});
