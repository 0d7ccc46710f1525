import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleState } from '../../../../src/scheduler/framework/cycle-state.ts';
import { NodeInfo } from '../../../../src/scheduler/framework/node-info.ts';
import { newPodInfo } from '../../../../src/scheduler/framework/pod-info.ts';
import { podRequests } from '../../../../src/scheduler/framework/resource.ts';
import { NodeAffinity } from '../../../../src/scheduler/plugins/node-affinity/node-affinity.ts';
import { NodeName } from '../../../../src/scheduler/plugins/node-name/node-name.ts';
import { NodePorts } from '../../../../src/scheduler/plugins/node-ports/node-ports.ts';
import { NodeResourcesFit } from '../../../../src/scheduler/plugins/node-resources-fit/node-resources-fit.ts';
import { NodeUnschedulable } from '../../../../src/scheduler/plugins/node-unschedulable/node-unschedulable.ts';
import { TaintToleration } from '../../../../src/scheduler/plugins/taint-toleration/taint-toleration.ts';
import { makeNode, makePod } from '../helpers.ts';

function nodeWith(node = makeNode('n1'), ...pods: ReturnType<typeof makePod>[]): NodeInfo {
  const ni = new NodeInfo(node);
  for (const p of pods) ni.addPod(newPodInfo(p));
  return ni;
}

test('pod requests: max of init containers vs sum of containers, sidecars add up, overhead added', () => {
  const pod = makePod('p', {
    containers: [
      { name: 'a', resources: { requests: { cpu: '100m' } } },
      { name: 'b', resources: { requests: { cpu: '200m' } } },
    ],
    spec: {
      initContainers: [
        { name: 'init', resources: { requests: { cpu: '1' } } },
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
        { name: 'init2', resources: { requests: { cpu: '500m' } } },
      ],
      overhead: { cpu: '10m' },
    },
  });
  // regular 300m + sidecar 50m = 350m; init max(1000, 50+500) = 1000 → 1000 + 10 overhead
  assert.equal(podRequests(pod).milliCPU, 1010);
  const noInit = makePod('q', { cpu: '300m' });
  assert.equal(podRequests(noInit, true).memory, 200 * 1024 * 1024);
});

test('NodeResourcesFit rejects with Insufficient cpu / memory and Too many pods', () => {
  const fit = new NodeResourcesFit();
  const ni = nodeWith(makeNode('n', { cpu: '1', memory: '1Gi', pods: 1 }), makePod('x', { cpu: '600m', nodeName: 'n' }));
  const s = fit.filter(new CycleState(), makePod('p', { cpu: '500m', memory: '2Gi' }), ni);
  assert.deepEqual(s.reasons, ['Too many pods', 'Insufficient cpu', 'Insufficient memory']);
  assert.equal(fit.filter(new CycleState(), makePod('p', { cpu: '400m' }), nodeWith(makeNode('n', { cpu: '1' }), makePod('x', { cpu: '600m' }))).isSuccess(), true);
});

test('NodeResourcesFit: a pod asking nothing is refused only for the pod count; extended resources are checked', () => {
  const fit = new NodeResourcesFit();
  const full = nodeWith(makeNode('n', { pods: 1 }), makePod('x', { nodeName: 'n' }));
  const nothing = makePod('p', { containers: [{ name: 'c' }] });
  assert.deepEqual(fit.filter(new CycleState(), nothing, full).reasons, ['Too many pods']);
  assert.ok(fit.filter(new CycleState(), nothing, nodeWith(makeNode('n'))).isSuccess());
  const gpuNode = makeNode('g');
  gpuNode.status!.allocatable = { ...gpuNode.status!.allocatable, 'example.com/gpu': '1' };
  const wantsTwo = makePod('p', { containers: [{ name: 'c', resources: { requests: { cpu: '100m', 'example.com/gpu': '2' } } }] });
  const wantsOne = makePod('p', { containers: [{ name: 'c', resources: { requests: { cpu: '100m', 'example.com/gpu': '1' } } }] });
  assert.deepEqual(fit.filter(new CycleState(), wantsTwo, nodeWith(gpuNode)).reasons, ['Insufficient example.com/gpu']);
  assert.ok(fit.filter(new CycleState(), wantsOne, nodeWith(gpuNode)).isSuccess());
  assert.deepEqual(fit.filter(new CycleState(), wantsOne, nodeWith(makeNode('plain'))).reasons, ['Insufficient example.com/gpu']);
});

test('NodeResourcesFit LeastAllocated prefers the emptier node, MostAllocated the fuller one', () => {
  const empty = nodeWith(makeNode('a'));
  const busy = nodeWith(makeNode('b'), makePod('x', { cpu: '2', memory: '4Gi' }));
  const pod = makePod('p', { cpu: '1', memory: '1Gi' });
  const least = new NodeResourcesFit();
  const most = new NodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } });
  const st = new CycleState();
  assert.ok(least.score(st, pod, empty) > least.score(st, pod, busy));
  assert.ok(most.score(st, pod, empty) < most.score(st, pod, busy));
  // (4000-1000)/4000*100 = 75 for cpu, (8Gi-1Gi)/8Gi*100 = 87 → (75+87)/2 = 81
  assert.equal(least.score(st, pod, empty), 81);
});

test('TaintToleration: untolerated NoSchedule rejects with the taint in the reason; tolerations admit', () => {
  const tt = new TaintToleration();
  const ni = nodeWith(makeNode('n', { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
  assert.deepEqual(tt.filter(new CycleState(), makePod('p'), ni).reasons, ['node(s) had untolerated taint {k: v}']);
  const tolerating = makePod('p', { spec: { tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] } });
  assert.ok(tt.filter(new CycleState(), tolerating, ni).isSuccess());
  const exists = makePod('p', { spec: { tolerations: [{ operator: 'Exists' }] } });
  assert.ok(tt.filter(new CycleState(), exists, ni).isSuccess());
  const prefer = nodeWith(makeNode('m', { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] }));
  assert.ok(tt.filter(new CycleState(), makePod('p'), prefer).isSuccess());
  const st = new CycleState();
  tt.preScore(st, makePod('p'));
  const plain = nodeWith(makeNode('n'));
  const scores = [tt.score(st, makePod('p'), prefer), tt.score(st, makePod('p'), plain)];
  tt.normalizeScore(st, makePod('p'), [prefer, plain], scores);
  assert.deepEqual(scores, [0, 100]);
});

test('NodeAffinity: nodeSelector, operators In/NotIn/Exists/DoesNotExist/Gt/Lt and matchFields', () => {
  const na = new NodeAffinity();
  const ni = nodeWith(makeNode('n1', { labels: { zone: 'a', gen: '5' } }));
  const withReq = (expr: object[], fields: object[] = []) =>
    makePod('p', { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expr as never, matchFields: fields as never }] } } } } });
  const ok = (p: ReturnType<typeof makePod>) => na.filter(new CycleState(), p, ni).isSuccess();
  assert.ok(ok(makePod('p', { spec: { nodeSelector: { zone: 'a' } } })));
  assert.ok(!ok(makePod('p', { spec: { nodeSelector: { zone: 'b' } } })));
  assert.ok(ok(withReq([{ key: 'zone', operator: 'In', values: ['a', 'b'] }])));
  assert.ok(!ok(withReq([{ key: 'zone', operator: 'NotIn', values: ['a'] }])));
  assert.ok(ok(withReq([{ key: 'zone', operator: 'Exists' }])));
  assert.ok(ok(withReq([{ key: 'gpu', operator: 'DoesNotExist' }])));
  assert.ok(ok(withReq([{ key: 'gen', operator: 'Gt', values: ['4'] }])));
  assert.ok(!ok(withReq([{ key: 'gen', operator: 'Lt', values: ['4'] }])));
  assert.ok(ok(withReq([], [{ key: 'metadata.name', operator: 'In', values: ['n1'] }])));
  assert.deepEqual(na.filter(new CycleState(), withReq([{ key: 'zone', operator: 'In', values: ['z'] }]), ni).reasons, ["node(s) didn't match Pod's node affinity/selector"]);
  const pre = na.preFilter(new CycleState(), withReq([], [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }]));
  assert.deepEqual([...pre.result!], ['n1', 'n2']);
});

test('NodePorts: same host port and protocol conflict, 0.0.0.0 conflicts with any IP', () => {
  const np = new NodePorts();
  const withPort = (name: string, port: number, hostIP?: string, protocol?: string) =>
    makePod(name, { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: port, hostIP, protocol }] }] });
  const ni = nodeWith(makeNode('n'), withPort('a', 8080, '10.0.0.1'));
  const run = (p: ReturnType<typeof makePod>) => {
    const st = new CycleState();
    np.preFilter(st, p);
    return np.filter(st, p, ni);
  };
  assert.deepEqual(run(withPort('b', 8080)).reasons, ["node(s) didn't have free ports for the requested pod ports"]);
  assert.ok(run(withPort('c', 8080, '10.0.0.2')).isSuccess());
  assert.ok(run(withPort('d', 8080, '10.0.0.1', 'UDP')).isSuccess());
  assert.ok(!run(withPort('e', 8080, '10.0.0.1')).isSuccess());
});

test('NodeUnschedulable and NodeName reject with upstream reasons', () => {
  const cordoned = nodeWith(makeNode('n', { unschedulable: true }));
  assert.deepEqual(new NodeUnschedulable().filter(new CycleState(), makePod('p'), cordoned).reasons, ['node(s) were unschedulable']);
  const tolerates = makePod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
  assert.ok(new NodeUnschedulable().filter(new CycleState(), tolerates, cordoned).isSuccess());
  assert.deepEqual(new NodeName().filter(new CycleState(), makePod('p', { spec: { nodeName: 'other' } }), cordoned).reasons, ["node(s) didn't match the requested node name"]);
});
