import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobs } from '../../../src/api/resources/jobs.ts';
import { cronjobs } from '../../../src/api/resources/cronjobs.ts';
import { nodes } from '../../../src/api/resources/nodes.ts';
import { events } from '../../../src/api/resources/events.ts';
import { endpoints } from '../../../src/api/resources/endpoints.ts';
import { storageclasses } from '../../../src/api/resources/storageclasses.ts';
import { rolebindings } from '../../../src/api/resources/rolebindings.ts';
import { networkpolicies } from '../../../src/api/resources/networkpolicies.ts';
import { componentstatuses } from '../../../src/api/resources/componentstatuses.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

function job(): any {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'uid-1', creationTimestamp: '2024-05-01T11:58:00Z' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5.34' }] } } },
  };
}

test('a job gets upstream defaults and a selector generated from its uid', () => {
  const j = job();
  jobs.strategy.defaults!(j);
  jobs.strategy.prepareForCreate!(j);
  assert.equal(j.spec.completions, 1);
  assert.equal(j.spec.parallelism, 1);
  assert.equal(j.spec.backoffLimit, 6);
  assert.equal(j.spec.completionMode, 'NonIndexed');
  assert.equal(j.spec.suspend, false);
  assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } });
  assert.deepEqual(j.spec.template.metadata.labels, {
    'job-name': 'pi',
    'batch.kubernetes.io/job-name': 'pi',
    'controller-uid': 'uid-1',
    'batch.kubernetes.io/controller-uid': 'uid-1',
  });
  assert.deepEqual(jobs.strategy.validate!(j), []);
});

test('a job template must not restart Always', () => {
  const j = job();
  j.spec.template.spec.restartPolicy = 'Always';
  jobs.strategy.defaults!(j);
  jobs.strategy.prepareForCreate!(j);
  assert.deepEqual(jobs.strategy.validate!(j).map((e) => `${e.field}: ${e.message}`), [
    'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
  ]);
});

test('a job selector the user wrote without manualSelector is not auto-generated', () => {
  const j = job();
  j.spec.selector = { matchLabels: { app: 'pi' } };
  j.spec.template.metadata = { labels: { app: 'pi' } };
  jobs.strategy.defaults!(j);
  jobs.strategy.prepareForCreate!(j);
  const errs = jobs.strategy.validate!(j);
  assert.equal(errs[0].field, 'spec.selector');
  assert.match(errs[0].message, /`selector` not auto-generated$/);
});

test('a job selector and template are immutable', () => {
  const old = job();
  jobs.strategy.defaults!(old);
  jobs.strategy.prepareForCreate!(old);
  const upd = structuredClone(old);
  upd.spec.template.spec.containers[0].image = 'perl:5.36';
  assert.deepEqual(jobs.strategy.validateUpdate!(upd, old).map((e) => e.field), ['spec.template']);
});

test('job STATUS, COMPLETIONS and DURATION cells', () => {
  const j = job();
  jobs.strategy.defaults!(j);
  j.status = { succeeded: 1, startTime: '2024-05-01T11:58:00Z', completionTime: '2024-05-01T11:58:12Z', conditions: [{ type: 'Complete', status: 'True' }] };
  assert.deepEqual(jobs.strategy.table!.row(j, NOW).slice(0, 5), ['pi', 'Complete', '1/1', '12s', '2m']);
  assert.equal(jobs.strategy.fieldSelectors!['status.successful'](j), '1');
  j.status = { startTime: '2024-05-01T11:59:00Z' };
  assert.deepEqual(jobs.strategy.table!.row(j, NOW).slice(1, 4), ['Running', '0/1', '60s']);
});

test('a cron job defaults its policies and needs a valid schedule', () => {
  const cj: any = {
    metadata: { name: 'hello', namespace: 'default' },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'h', image: 'busybox' }] } } } } },
  };
  cronjobs.strategy.defaults!(cj);
  assert.equal(cj.spec.concurrencyPolicy, 'Allow');
  assert.equal(cj.spec.suspend, false);
  assert.equal(cj.spec.successfulJobsHistoryLimit, 3);
  assert.equal(cj.spec.failedJobsHistoryLimit, 1);
  assert.deepEqual(cronjobs.strategy.validate!(cj), []);
  cj.spec.schedule = 'every minute';
  assert.deepEqual(cronjobs.strategy.validate!(cj).map((e) => `${e.field}: ${e.message}`), [
    'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]',
  ]);
  delete cj.spec.schedule;
  assert.deepEqual(cronjobs.strategy.validate!(cj).map((e) => e.field), ['spec.schedule']);
  cj.spec.schedule = '@daily';
  assert.deepEqual(cronjobs.strategy.table!.row(cj, NOW).slice(0, 6), ['hello', '@daily', '<none>', 'False', 0, '<none>']);
});

test('node STATUS, ROLES and wide cells; spec.unschedulable field selector', () => {
  const node: any = {
    metadata: { name: 'n1', creationTimestamp: '2024-04-29T09:00:00Z', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.2' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'containerd://1.7' },
    },
  };
  assert.deepEqual(nodes.strategy.table!.row(node, NOW), [
    'n1', 'Ready,SchedulingDisabled', 'control-plane', '2d3h', 'v1.32.0', '10.0.0.2', '<none>', 'Debian', '6.1', 'containerd://1.7',
  ]);
  assert.equal(nodes.strategy.fieldSelectors!['spec.unschedulable'](node), 'true');
  node.status.conditions[0].status = 'Unknown';
  assert.equal(nodes.strategy.table!.row(node, NOW)[1], 'NotReady,SchedulingDisabled');
});

test('event rows and the involvedObject field selectors kubectl describe uses', () => {
  const ev: any = {
    metadata: { name: 'web.1', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/web to n1 ',
    type: 'Normal',
    source: { component: 'default-scheduler' },
    firstTimestamp: '2024-05-01T11:59:00Z',
    lastTimestamp: '2024-05-01T11:59:30Z',
    count: 2,
  };
  assert.deepEqual(events.strategy.table!.row(ev, NOW), [
    '30s', 'Normal', 'Scheduled', 'pod/web', '', 'default-scheduler', 'Successfully assigned default/web to n1', '60s', 2, 'web.1',
  ]);
  const f = events.strategy.fieldSelectors!;
  assert.equal(f['involvedObject.name'](ev), 'web');
  assert.equal(f['involvedObject.uid'](ev), 'u1');
  assert.equal(f['involvedObject.kind'](ev), 'Pod');
  assert.equal(f.source(ev), 'default-scheduler');
  assert.equal(f.type(ev), 'Normal');
  ev.involvedObject.namespace = 'other';
  assert.deepEqual(events.strategy.validate!(ev).map((e) => e.field), ['involvedObject.namespace']);
});

test('endpoints print up to three addresses then a count', () => {
  const ep: any = {
    metadata: { name: 'web' },
    subsets: [{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], ports: [{ port: 80 }, { port: 443 }] }],
  };
  assert.equal(endpoints.strategy.table!.row(ep, NOW)[1], '10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 1 more...');
  assert.equal(endpoints.strategy.table!.row({ metadata: { name: 'x' } }, NOW)[1], '<none>');
});

test('storage classes default Delete/Immediate and mark the default class', () => {
  const sc: any = { metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'rancher.io/local-path' };
  storageclasses.strategy.defaults!(sc);
  assert.equal(sc.reclaimPolicy, 'Delete');
  assert.equal(sc.volumeBindingMode, 'Immediate');
  assert.deepEqual(storageclasses.strategy.table!.row(sc, NOW).slice(0, 5), ['standard (default)', 'rancher.io/local-path', 'Delete', 'Immediate', false]);
  assert.deepEqual(storageclasses.strategy.validateUpdate!({ ...sc, provisioner: 'x' }, sc).map((e) => e.message), [
    'Forbidden: updates to provisioner are forbidden.',
  ]);
});

test('role bindings default subject groups and refuse a changed roleRef', () => {
  const rb: any = {
    metadata: { name: 'rb', namespace: 'default' },
    roleRef: { kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'bot', namespace: 'default' }],
  };
  rolebindings.strategy.defaults!(rb);
  assert.equal(rb.roleRef.apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(rb.subjects[0].apiGroup, 'rbac.authorization.k8s.io');
  assert.equal(rb.subjects[1].apiGroup, '');
  assert.deepEqual(rolebindings.strategy.validate!(rb), []);
  const upd = structuredClone(rb);
  upd.roleRef.name = 'admin';
  assert.match(rolebindings.strategy.validateUpdate!(upd, rb)[0].message, /cannot change roleRef$/);
  assert.deepEqual(rolebindings.strategy.table!.row(rb, NOW).slice(1), ['Role/reader', '<unknown>', 'jane', '', 'default/bot']);
});

test('network policies default policyTypes from their rules', () => {
  const np: any = { metadata: { name: 'np', namespace: 'default' }, spec: { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] } };
  networkpolicies.strategy.defaults!(np);
  assert.deepEqual(np.spec.policyTypes, ['Ingress', 'Egress']);
  assert.equal(np.spec.egress[0].ports[0].protocol, 'TCP');
  assert.deepEqual(networkpolicies.strategy.table!.row(np, NOW).slice(0, 2), ['np', '<none>']);
});

test('component statuses print the Healthy condition', () => {
  const cs = { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True', message: 'ok' }] };
  assert.deepEqual(componentstatuses.strategy.table!.row(cs, NOW), ['etcd-0', 'Healthy', 'ok', '']);
});

test('resource quota rows split requests and limits with canonical quantities', async () => {
  const { resourcequotas } = await import('../../../src/api/resources/resourcequotas.ts');
  const q = {
    metadata: { name: 'q', creationTimestamp: '2024-05-01T11:00:00Z' },
    status: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '2Gi' }, used: { pods: '1', 'requests.cpu': '500m' } },
  };
  assert.deepEqual(resourcequotas.strategy.table!.row(q, NOW), ['q', 'pods: 1/10, requests.cpu: 500m/2', 'limits.memory: 0/2Gi', '60m']);
  const neg = { metadata: { name: 'q', namespace: 'd' }, spec: { hard: { pods: '-1' } } };
  assert.deepEqual(resourcequotas.strategy.validate!(neg).map((e) => e.field), ['spec.hard[pods]']);
});

test('events about cluster-scoped objects must live in the default namespace', () => {
  const ev: any = { metadata: { name: 'n1.1', namespace: 'default' }, involvedObject: { kind: 'Node', name: 'n1' } };
  assert.deepEqual(events.strategy.validate!(ev), []);
  ev.metadata.namespace = 'kube-system';
  assert.deepEqual(events.strategy.validate!(ev).map((e) => `${e.field}: ${e.message}`), [
    'involvedObject.namespace: Invalid value: "": does not match event.namespace',
  ]);
});
