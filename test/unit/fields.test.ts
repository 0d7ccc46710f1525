import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkSupportedFields,
  escapeFieldValue,
  exactNameOf,
  fieldSelectorFromSet,
  fieldSelectorToString,
  matchesFields,
  parseFieldSelector,
  requirementsOf,
  unescapeFieldValue,
} from '../../src/api/fields.ts';
import { StatusError } from '../../src/api/errors.ts';

const pod: Record<string, string> = {
  'metadata.name': 'web-1',
  'metadata.namespace': 'default',
  'spec.nodeName': 'node-a',
  'status.phase': 'Running',
};
const get = (path: string) => pod[path];

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof StatusError && e.code === 400 && e.reason === 'BadRequest' && e.message === message);
}

test('=, == and != terms parse into requirements, sorted as upstream', () => {
  const sel = parseFieldSelector('status.phase!=Failed,metadata.name==web-1,spec.nodeName=node-a');
  assert.deepEqual(requirementsOf(sel), [
    { field: 'metadata.name', operator: '==', value: 'web-1' },
    { field: 'spec.nodeName', operator: '=', value: 'node-a' },
    { field: 'status.phase', operator: '!=', value: 'Failed' },
  ]);
  assert.equal(fieldSelectorToString(sel), 'metadata.name=web-1,spec.nodeName=node-a,status.phase!=Failed');
});

test('terms in any order select the same objects', () => {
  const a = parseFieldSelector('involvedObject.name=x,involvedObject.namespace=y,involvedObject.uid=z');
  const b = parseFieldSelector('involvedObject.uid=z,involvedObject.name=x,involvedObject.namespace=y');
  assert.deepEqual(a, b);
});

test('matching: equality, inequality, and missing fields read as empty', () => {
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName=node-a'), get), true);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName=node-b'), get), false);
  assert.equal(matchesFields(parseFieldSelector('status.phase!=Succeeded,status.phase!=Failed'), get), true);
  assert.equal(matchesFields(parseFieldSelector('status.phase!=Running'), get), false);
  assert.equal(matchesFields(parseFieldSelector('spec.schedulerName='), get), true);
  assert.equal(matchesFields(parseFieldSelector('spec.schedulerName!='), get), false);
  assert.equal(matchesFields(parseFieldSelector(''), get), true);
});

test('escaped commas, equals and backslashes round-trip', () => {
  assert.equal(escapeFieldValue('a,b=c\\d'), 'a\\,b\\=c\\\\d');
  assert.equal(unescapeFieldValue('a\\,b\\=c\\\\d'), 'a,b=c\\d');
  const sel = parseFieldSelector('metadata.name=a\\,b,status.phase=x\\=y');
  assert.deepEqual(requirementsOf(sel), [
    { field: 'metadata.name', operator: '=', value: 'a,b' },
    { field: 'status.phase', operator: '=', value: 'x=y' },
  ]);
  assert.equal(fieldSelectorToString(sel), 'metadata.name=a\\,b,status.phase=x\\=y');
});

test('malformed selectors and escapes are 400 with upstream wording', () => {
  rejects(() => parseFieldSelector('metadata.name'), "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
  rejects(() => parseFieldSelector('a=b=c'), 'invalid field selector: unescaped character in value: 61');
  rejects(() => parseFieldSelector('a=b\\x'), 'invalid field selector: invalid escape sequence: \\x');
  rejects(() => parseFieldSelector('a=b\\'), 'invalid field selector: invalid escape sequence: \\');
});

test('unsupported field paths are rejected with "field label not supported"', () => {
  const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];
  checkSupportedFields(parseFieldSelector('spec.nodeName=n,metadata.name=x'), supported);
  rejects(() => checkSupportedFields(parseFieldSelector('metadata.name=x,spec.foo=bar'), supported), 'field label not supported: spec.foo');
});

test('the metadata.name=X term is found for the watch cache fast path', () => {
  assert.equal(exactNameOf(parseFieldSelector('metadata.name=web-1')), 'web-1');
  assert.equal(exactNameOf(parseFieldSelector('metadata.namespace=d,metadata.name==web-1')), 'web-1');
  assert.equal(exactNameOf(parseFieldSelector('metadata.name!=web-1')), undefined);
  assert.equal(exactNameOf(parseFieldSelector('spec.nodeName=n')), undefined);
});

test('a selector built from a set matches exactly those values', () => {
  const sel = fieldSelectorFromSet({ 'spec.nodeName': 'node-a', 'metadata.namespace': 'default' });
  assert.equal(matchesFields(sel, get), true);
  assert.equal(matchesFields(fieldSelectorFromSet({ 'spec.nodeName': 'x' }), get), false);
});
