import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pods, podGracePeriod, podStatusCells } from '../../../src/api/resources/pods.ts';
import { defaultImagePullPolicy } from '../../../src/api/resources/pod-spec.ts';

const s = pods.strategy;
const NOW = new Date('2024-05-01T12:00:00Z');

function bare(): any {
  return { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } };
}

function created(): any {
  const p = bare();
  s.defaults!(p);
  s.prepareForCreate!(p);
  return p;
}

test('a bare pod gets every upstream default', () => {
  const p = created();
  assert.equal(p.spec.restartPolicy, 'Always');
  assert.equal(p.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(p.spec.terminationGracePeriodSeconds, 30);
  assert.equal(p.spec.schedulerName, 'default-scheduler');
  assert.deepEqual(p.spec.securityContext, {});
  assert.equal(p.spec.enableServiceLinks, true);
  assert.equal(p.spec.serviceAccountName, 'default');
  assert.equal(p.spec.priority, 0);
  assert.equal(p.spec.preemptionPolicy, 'PreemptLowerPriority');
  const c = p.spec.containers[0];
  assert.equal(c.imagePullPolicy, 'Always');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.resources, {});
  assert.equal(c.ports[0].protocol, 'TCP');
  assert.deepEqual(p.spec.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  assert.deepEqual(s.validate!(p), []);
});

test('image pull policy follows the tag', () => {
  assert.equal(defaultImagePullPolicy('nginx'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:latest'), 'Always');
  assert.equal(defaultImagePullPolicy('nginx:1.25'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('localhost:5000/nginx'), 'Always');
  assert.equal(defaultImagePullPolicy('localhost:5000/nginx:1.2'), 'IfNotPresent');
  assert.equal(defaultImagePullPolicy('nginx@sha256:abc'), 'IfNotPresent');
});

test('a user toleration for not-ready is kept and not duplicated', () => {
  const p = bare();
  p.spec.tolerations = [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }];
  s.defaults!(p);
  s.prepareForCreate!(p);
  assert.equal(p.spec.tolerations.length, 2);
  assert.equal(p.spec.tolerations[0].tolerationSeconds, 10);
});

test('limits without requests make a Guaranteed pod', () => {
  const p = bare();
  p.spec.containers[0].resources = { limits: { cpu: '500m', memory: '128Mi' } };
  s.defaults!(p);
  s.prepareForCreate!(p);
  assert.deepEqual(p.spec.containers[0].resources.requests, { cpu: '500m', memory: '128Mi' });
  assert.equal(p.status.qosClass, 'Guaranteed');
});

test('a pod without image or containers is rejected with upstream paths', () => {
  const p = created();
  delete p.spec.containers[0].image;
  assert.deepEqual(s.validate!(p), [{ type: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' }]);
  p.spec.containers = [];
  assert.deepEqual(s.validate!(p).map((e) => e.field), ['spec.containers']);
});

test('an invalid restartPolicy lists the supported values', () => {
  const p = created();
  p.spec.restartPolicy = 'Sometimes';
  assert.deepEqual(s.validate!(p), [
    {
      type: 'FieldValueNotSupported',
      field: 'spec.restartPolicy',
      message: 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    },
  ]);
});

test('duplicate container names, bad ports and requests above limits are reported', () => {
  const p = created();
  p.spec.containers.push({ ...structuredClone(p.spec.containers[0]), ports: [{ containerPort: 70000, protocol: 'TCP' }] });
  p.spec.containers[0].resources = { requests: { cpu: '2000m' }, limits: { cpu: '1' } };
  const msgs = s.validate!(p).map((e) => `${e.field}: ${e.message}`);
  assert.deepEqual(msgs, [
    'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
    'spec.containers[1].name: Duplicate value: "c"',
    'spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
  ]);
});

test('a pod update may change the image but not other spec fields', () => {
  const old = created();
  const img = structuredClone(old);
  img.spec.containers[0].image = 'nginx:1.26';
  assert.deepEqual(s.validateUpdate!(img, old), []);
  const bad = structuredClone(old);
  bad.spec.restartPolicy = 'Never';
  const errs = s.validateUpdate!(bad, old);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].field, 'spec');
  assert.ok(
    errs[0].message.startsWith(
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
  );
  const tol = structuredClone(old);
  tol.spec.tolerations.push({ key: 'x', operator: 'Exists' });
  assert.deepEqual(s.validateUpdate!(tol, old), []);
});

test('main-endpoint updates keep the old status; status updates keep the old spec', () => {
  const old = created();
  old.status.phase = 'Running';
  const upd = structuredClone(old);
  upd.status = { phase: 'Failed' };
  s.prepareForUpdate!(upd, old);
  assert.equal(upd.status.phase, 'Running');
  const st = structuredClone(old);
  st.spec.nodeName = 'sneaky';
  st.status.phase = 'Succeeded';
  s.prepareForStatusUpdate!(st, old);
  assert.equal(st.spec.nodeName, undefined);
  assert.equal(st.status.phase, 'Succeeded');
});

function pod(status: any, extra: any = {}): any {
  return { metadata: { name: 'p', creationTimestamp: '2024-05-01T11:00:00Z', ...extra.metadata }, spec: { containers: [{ name: 'a' }], ...extra.spec }, status };
}

test('STATUS column: running, waiting reason, completed, terminating', () => {
  const running = pod({ phase: 'Running', containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: { running: {} } }] });
  assert.deepEqual(podStatusCells(running, NOW), { ready: '1/1', status: 'Running', restarts: '0' });
  const crash = pod({
    phase: 'Running',
    containerStatuses: [
      { name: 'a', ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:55:00Z' } } },
    ],
  });
  assert.deepEqual(podStatusCells(crash, NOW), { ready: '0/1', status: 'CrashLoopBackOff', restarts: '2 (5m ago)' });
  const done = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
  assert.equal(podStatusCells(done, NOW).status, 'Completed');
  const noReason = pod({ phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 3 } } }] });
  assert.equal(podStatusCells(noReason, NOW).status, 'ExitCode:3');
  const deleting = pod({ phase: 'Running' }, { metadata: { deletionTimestamp: '2024-05-01T11:59:00Z' } });
  assert.equal(podStatusCells(deleting, NOW).status, 'Terminating');
  const pending = pod({ phase: 'Pending' });
  assert.deepEqual(podStatusCells(pending, NOW), { ready: '0/1', status: 'Pending', restarts: '0' });
  const evicted = pod({ phase: 'Failed', reason: 'Evicted' });
  assert.equal(podStatusCells(evicted, NOW).status, 'Evicted');
});

test('STATUS column: init containers show Init:i/n and Init:reason', () => {
  const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
  const first = pod(
    {
      phase: 'Pending',
      initContainerStatuses: [
        { name: 'i1', state: { terminated: { exitCode: 0 } } },
        { name: 'i2', state: { running: {} } },
      ],
    },
    { spec },
  );
  assert.equal(podStatusCells(first, NOW).status, 'Init:1/2');
  const failing = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { spec });
  assert.equal(podStatusCells(failing, NOW).status, 'Init:CrashLoopBackOff');
  const exit = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i1', state: { terminated: { exitCode: 2 } } }] }, { spec });
  assert.equal(podStatusCells(exit, NOW).status, 'Init:ExitCode:2');
});

test('the pod table row has every column, wide ones included', () => {
  const p = pod({ phase: 'Running', podIPs: [{ ip: '10.1.0.5' }], containerStatuses: [{ name: 'a', ready: true, state: { running: {} } }] }, { spec: { nodeName: 'n1' } });
  assert.equal(s.table!.columns.length, 9);
  assert.deepEqual(s.table!.row(p, NOW), ['p', '1/1', 'Running', '0', '60m', '10.1.0.5', 'n1', '<none>', '<none>']);
});

test('pod field selectors return upstream values', () => {
  const p = created();
  p.spec.nodeName = 'n1';
  p.status.podIPs = [{ ip: '10.0.0.9' }];
  const f = s.fieldSelectors!;
  assert.equal(f['spec.nodeName'](p), 'n1');
  assert.equal(f['spec.restartPolicy'](p), 'Always');
  assert.equal(f['spec.schedulerName'](p), 'default-scheduler');
  assert.equal(f['spec.serviceAccountName'](p), 'default');
  assert.equal(f['spec.hostNetwork'](p), 'false');
  assert.equal(f['status.phase'](p), 'Pending');
  assert.equal(f['status.podIP'](p), '10.0.0.9');
  assert.equal(f['status.nominatedNodeName'](p), '');
});

test('pod grace period: bound pods wait, unscheduled and finished pods go at once, negative means 1', () => {
  const bound = { spec: { nodeName: 'n', terminationGracePeriodSeconds: 20 }, status: { phase: 'Running' } };
  assert.equal(podGracePeriod(bound, undefined), 20);
  assert.equal(podGracePeriod(bound, 5), 5);
  assert.equal(podGracePeriod(bound, -3), 1);
  assert.equal(podGracePeriod({ spec: { nodeName: 'n' } }, undefined), 30);
  assert.equal(podGracePeriod({ spec: {} }, 10), 0);
  assert.equal(podGracePeriod({ spec: { nodeName: 'n' }, status: { phase: 'Succeeded' } }, 10), 0);
});
