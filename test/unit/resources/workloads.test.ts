import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deployments } from '../../../src/api/resources/deployments.ts';
import { replicasets } from '../../../src/api/resources/replicasets.ts';
import { daemonsets } from '../../../src/api/resources/daemonsets.ts';
import { statefulsets } from '../../../src/api/resources/statefulsets.ts';
import { replicationcontrollers } from '../../../src/api/resources/replicationcontrollers.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

function deployment(): any {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T11:57:00Z' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } },
    },
  };
}

function defaulted(def: typeof deployments, obj: any): any {
  def.strategy.defaults!(obj);
  def.strategy.prepareForCreate?.(obj);
  return obj;
}

test('a deployment gets replicas, strategy, history and deadline defaults and a defaulted template', () => {
  const d = defaulted(deployments, deployment());
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
  assert.equal(d.spec.revisionHistoryLimit, 10);
  assert.equal(d.spec.progressDeadlineSeconds, 600);
  assert.equal(d.spec.template.spec.restartPolicy, 'Always');
  assert.equal(d.spec.template.spec.containers[0].imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(deployments.strategy.validate!(d), []);
});

test('a selector that does not match the template labels is rejected as upstream words it', () => {
  const d = deployment();
  d.spec.template.metadata.labels = { app: 'other' };
  defaulted(deployments, d);
  const errs = deployments.strategy.validate!(d);
  assert.deepEqual(errs, [
    {
      type: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      message: 'Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`',
    },
  ]);
});

test('a deployment without a selector and with negative replicas is rejected', () => {
  const d = deployment();
  delete d.spec.selector;
  d.spec.replicas = -1;
  defaulted(deployments, d);
  const msgs = deployments.strategy.validate!(d).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(msgs, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0', 'spec.selector: Required value']);
});

test('a deployment template must restart Always', () => {
  const d = defaulted(deployments, deployment());
  d.spec.template.spec.restartPolicy = 'Never';
  assert.deepEqual(deployments.strategy.validate!(d).map((e) => `${e.field}: ${e.message}`), [
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
  ]);
});

test('the selector of a deployment is immutable', () => {
  const old = defaulted(deployments, deployment());
  const upd = structuredClone(old);
  upd.spec.selector = { matchLabels: { app: 'web2' } };
  upd.spec.template.metadata.labels = { app: 'web2' };
  assert.deepEqual(deployments.strategy.validateUpdate!(upd, old), [
    {
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      message:
        'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    },
  ]);
});

test('both maxSurge and maxUnavailable zero is rejected', () => {
  const d = deployment();
  d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } };
  defaulted(deployments, d);
  const errs = deployments.strategy.validate!(d);
  assert.equal(errs[0].field, 'spec.strategy.rollingUpdate.maxUnavailable');
  assert.match(errs[0].message, /may not be 0 when `maxSurge` is 0$/);
});

test('deployment table row and scale selector', () => {
  const d = defaulted(deployments, deployment());
  d.spec.replicas = 3;
  d.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepEqual(deployments.strategy.table!.row(d, NOW), ['web', '2/3', 3, 2, '3m', 'nginx', 'nginx:1.25', 'app=web']);
  assert.deepEqual(
    deployments.strategy.table!.columns.map((c) => [c.name, c.priority ?? 0]),
    [['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]],
  );
  d.spec.selector.matchExpressions = [{ key: 'tier', operator: 'In', values: ['b', 'a'] }];
  assert.equal(deployments.scale!.selector(d), 'app=web,tier in (a,b)');
});

test('replica sets default replicas to 1 and print DESIRED CURRENT READY', () => {
  const rs = defaulted(replicasets, deployment());
  assert.equal(rs.spec.replicas, 1);
  rs.status = { replicas: 1, readyReplicas: 1 };
  assert.deepEqual(replicasets.strategy.table!.row(rs, NOW).slice(0, 5), ['web', 1, 1, 1, '3m']);
});

test('daemon sets default a rolling update of one unavailable and no surge', () => {
  const ds = defaulted(daemonsets, deployment());
  assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(ds.spec.revisionHistoryLimit, 10);
  assert.deepEqual(daemonsets.strategy.validate!(ds), []);
});

test('stateful sets get upstream defaults and refuse changes to serviceName', () => {
  const sts = defaulted(statefulsets, deployment());
  assert.equal(sts.spec.replicas, 1);
  assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
  assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
  assert.deepEqual(sts.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
  assert.deepEqual(statefulsets.strategy.validate!(sts), []);
  const upd = structuredClone(sts);
  upd.spec.serviceName = 'other';
  assert.equal(statefulsets.strategy.validateUpdate!(upd, sts)[0].field, 'spec');
  upd.spec.serviceName = sts.spec.serviceName;
  upd.spec.replicas = 5;
  assert.deepEqual(statefulsets.strategy.validateUpdate!(upd, sts), []);
});

test('a replication controller takes its selector and labels from the template', () => {
  const rc: any = {
    metadata: { name: 'rc', namespace: 'default' },
    spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  };
  defaulted(replicationcontrollers, rc);
  assert.deepEqual(rc.spec.selector, { app: 'x' });
  assert.deepEqual(rc.metadata.labels, { app: 'x' });
  assert.equal(rc.spec.replicas, 1);
  assert.deepEqual(replicationcontrollers.strategy.validate!(rc), []);
  assert.equal(replicationcontrollers.scale!.selector(rc), 'app=x');
});
