import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../../src/api/validation/object-meta.ts';
import { nameIsDNSSubdomain, nameIsDNSLabel, isQualifiedName, isDNS1123Label } from '../../../src/api/validation/names.ts';
import { validateLabels } from '../../../src/api/labels.ts';
import { validateAnnotations } from '../../../src/api/validation/annotations.ts';
import { cronScheduleError } from '../../../src/api/validation/cron.ts';

const ns = { namespaced: true, nameFn: nameIsDNSSubdomain };

test('an upper-case name is rejected with the RFC 1123 subdomain message', () => {
  const errs = validateObjectMeta({ name: 'Bad_Name', namespace: 'default' }, ns);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, 'metadata.name');
  assert.equal(
    errs[0].message,
    `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
});

test('a missing name asks for name or generateName', () => {
  const errs = validateObjectMeta({ namespace: 'default' }, ns);
  assert.deepEqual(errs, [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
});

test('a namespaced object needs a namespace and a cluster-scoped one may not have one', () => {
  assert.equal(validateObjectMeta({ name: 'a' }, ns)[0].field, 'metadata.namespace');
  const errs = validateObjectMeta({ name: 'a', namespace: 'x' }, { namespaced: false, nameFn: nameIsDNSSubdomain });
  assert.equal(errs[0].message, 'Forbidden: not allowed on this type');
});

test('a generateName prefix may end with a dash', () => {
  assert.deepEqual(validateObjectMeta({ name: 'web-x1', generateName: 'web-', namespace: 'd' }, ns), []);
  assert.equal(validateObjectMeta({ name: 'a', generateName: 'Web-', namespace: 'd' }, ns)[0].field, 'metadata.generateName');
});

test('DNS labels are limited to 63 characters and may not contain dots', () => {
  assert.deepEqual(nameIsDNSLabel('a'.repeat(63), false), []);
  assert.equal(nameIsDNSLabel('a'.repeat(64), false)[0], 'must be no more than 63 characters');
  assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
  assert.equal(nameIsDNSSubdomain('a'.repeat(254), false)[0], 'must be no more than 253 characters');
});

test('label keys and values are checked with upstream messages on metadata.labels', () => {
  const errs = validateLabels({ 'example.com/ok': 'v', 'bad key': 'x', k: 'bad value!' }, 'metadata.labels');
  assert.equal(errs.length, 2);
  assert.ok(errs.every((e) => e.field === 'metadata.labels'));
  assert.match(errs[0].message, /^Invalid value: "bad key": name part must consist of alphanumeric characters/);
  assert.match(errs[1].message, /^Invalid value: "bad value!": a valid label must be an empty string/);
  assert.deepEqual(isQualifiedName('a/b/c').length, 1);
});

test('annotations over 256 KiB in total are too long', () => {
  const errs = validateAnnotations({ big: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
  assert.deepEqual(errs, [{ type: 'FieldValueTooLong', field: 'metadata.annotations', message: 'Too long: may not be more than 262144 bytes' }]);
  assert.deepEqual(validateAnnotations({ 'Example.COM/Key': 'v' }, 'metadata.annotations'), []);
});

test('owner references need apiVersion, kind, name, uid and at most one controller', () => {
  const errs = validateObjectMeta(
    {
      name: 'a',
      namespace: 'd',
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r1', uid: 'u1', controller: true },
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r2', uid: 'u2', controller: true },
        { apiVersion: '', kind: '', name: '', uid: '' },
      ],
    },
    ns,
  );
  const fields = errs.map((e) => e.field);
  assert.deepEqual(fields, [
    'metadata.ownerReferences',
    'metadata.ownerReferences.apiVersion',
    'metadata.ownerReferences.kind',
    'metadata.ownerReferences.name',
    'metadata.ownerReferences.uid',
  ]);
  assert.match(errs[0].message, /Only one reference can have Controller set to true\. Found "true" in references for r1 and r2$/);
});

test('finalizers must be qualified names and unqualified ones must be standard', () => {
  assert.deepEqual(validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['kubernetes', 'example.com/x'] }, ns), []);
  const errs = validateObjectMeta({ name: 'a', namespace: 'd', finalizers: ['custom'] }, ns);
  assert.equal(errs[0].message, 'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified');
});

test('name, namespace, uid and creationTimestamp are immutable on update', () => {
  const old = { name: 'a', namespace: 'd', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z' };
  const errs = validateObjectMetaUpdate({ name: 'b', namespace: 'e', uid: 'v', creationTimestamp: '2024-01-02T00:00:00Z' }, old);
  assert.deepEqual(
    errs.map((e) => `${e.field}: ${e.message}`),
    [
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.namespace: Invalid value: "e": field is immutable',
      'metadata.uid: Invalid value: "v": field is immutable',
      'metadata.creationTimestamp: Invalid value: "2024-01-02T00:00:00Z": field is immutable',
    ],
  );
});

test('no finalizer may be added once deletion started', () => {
  const errs = validateObjectMetaUpdate(
    { name: 'a', finalizers: ['x.io/a', 'x.io/b'], deletionTimestamp: 't' },
    { name: 'a', finalizers: ['x.io/a'], deletionTimestamp: 't' },
  );
  assert.equal(errs[0].message, 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x.io/b"}');
});

test('cron schedules are checked like the standard parser', () => {
  assert.equal(cronScheduleError('*/5 * * * *'), undefined);
  assert.equal(cronScheduleError('@hourly'), undefined);
  assert.equal(cronScheduleError('0 0 * JAN-MAR MON'), undefined);
  assert.equal(cronScheduleError('bad'), 'expected exactly 5 fields, found 1: [bad]');
  assert.equal(cronScheduleError('61 * * * *'), 'end of range (61) above maximum (59): 61');
});
