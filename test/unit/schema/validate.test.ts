import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dropUnknownFields, strictDecodingMessage, validateAgainstSchema } from '../../../src/api/schema/validate.ts';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

function deployment(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, creationTimestamp: '2024-01-02T03:04:05Z' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'nginx',
              image: 'nginx',
              ports: [{ containerPort: 80, protocol: 'TCP' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.25 } },
            },
          ],
          volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }],
        },
      },
    },
  };
}

test('a well-formed deployment has no errors and no unknown fields', () => {
  assert.deepEqual(validateAgainstSchema(DEPLOYMENT, deployment()), { errors: [], unknownFields: [] });
});

test('a string where an integer belongs is FieldValueTypeInvalid at spec.replicas', () => {
  const d = deployment();
  d.spec.replicas = 'three';
  const { errors } = validateAgainstSchema(DEPLOYMENT, d);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].type, 'FieldValueTypeInvalid');
  assert.equal(errors[0].field, 'spec.replicas');
});

test('unknown fields are reported with upstream paths, including list indexes', () => {
  const d = deployment();
  d.spec.template.spec.containers[0].foo = 1;
  d.spec.bogus = true;
  d.metadata.labelz = {};
  const { errors, unknownFields } = validateAgainstSchema(DEPLOYMENT, d);
  assert.deepEqual(errors, []);
  assert.deepEqual(unknownFields.sort(), ['metadata.labelz', 'spec.bogus', 'spec.template.spec.containers[0].foo']);
});

test('a value outside a +enum is FieldValueNotSupported', () => {
  const d = deployment();
  d.spec.template.spec.containers[0].imagePullPolicy = 'Sometimes';
  const { errors } = validateAgainstSchema(DEPLOYMENT, d);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].type, 'FieldValueNotSupported');
  assert.equal(errors[0].field, 'spec.template.spec.containers[0].imagePullPolicy');
  assert.match(errors[0].message, /"Always", "Never", "IfNotPresent"|"Always"/);
});

test('quantities, int-or-string, times and base64 are checked', () => {
  const d = deployment();
  d.spec.template.spec.containers[0].resources.limits.cpu = 'lots';
  d.spec.strategy.rollingUpdate.maxSurge = true;
  d.metadata.creationTimestamp = 'yesterday';
  const fields = validateAgainstSchema(DEPLOYMENT, d).errors.map((e) => `${e.type} ${e.field}`).sort();
  assert.deepEqual(fields, [
    'FieldValueInvalid metadata.creationTimestamp',
    'FieldValueInvalid spec.template.spec.containers[0].resources.limits.cpu',
    'FieldValueTypeInvalid spec.strategy.rollingUpdate.maxSurge',
  ]);
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { ok: 'YWJj', bad: 'a b c' } };
  const errs = validateAgainstSchema('io.k8s.api.core.v1.Secret', secret).errors;
  assert.deepEqual(errs.map((e) => e.field), ['data.bad']);
});

test('null values and free-form fields are accepted', () => {
  const d = deployment();
  d.spec.replicas = null;
  d.metadata.managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }];
  assert.deepEqual(validateAgainstSchema(DEPLOYMENT, d), { errors: [], unknownFields: [] });
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { anything: [1, 'x'] } };
  assert.deepEqual(validateAgainstSchema('io.k8s.api.apps.v1.ControllerRevision', rev).unknownFields, []);
});

test('an array where an object belongs is reported, not thrown', () => {
  const d = deployment();
  d.spec.template = [];
  const { errors } = validateAgainstSchema(DEPLOYMENT, d);
  assert.deepEqual(errors.map((e) => e.field), ['spec.template']);
});

test('dropUnknownFields removes unknown fields in place and keeps known ones', () => {
  const d = deployment();
  d.spec.template.spec.containers[0].foo = 1;
  d.spec.bogus = true;
  dropUnknownFields(DEPLOYMENT, d);
  assert.equal('foo' in d.spec.template.spec.containers[0], false);
  assert.equal('bogus' in d.spec, false);
  assert.deepEqual(d, deployment());
});

test('validating a large object many times stays fast', () => {
  const d = deployment();
  const containers = d.spec.template.spec.containers;
  for (let i = 1; i < 20; i++) containers.push({ ...containers[0], name: `c${i}` });
  const start = performance.now();
  for (let i = 0; i < 2000; i++) validateAgainstSchema(DEPLOYMENT, d);
  const perCall = (performance.now() - start) / 2000;
  assert.ok(perCall < 1, `took ${perCall} ms per validation`);
});

test('types the schema does not know (custom resources) pass unchecked', () => {
  const obj = { apiVersion: 'example.com/v1', kind: 'Widget', spec: { anything: 1 } };
  assert.deepEqual(validateAgainstSchema('com.example.v1.Widget', obj), { errors: [], unknownFields: [] });
  assert.deepEqual(dropUnknownFields('com.example.v1.Widget', obj), obj);
});

test('strict decoding message lists every unknown field as upstream words it', () => {
  assert.equal(
    strictDecodingMessage('Deployment', 'v1', ['spec.foo', 'spec.template.spec.containers[0].bar']),
    'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.template.spec.containers[0].bar"',
  );
});
