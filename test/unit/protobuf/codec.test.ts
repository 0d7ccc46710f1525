import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeObject, encodeObject } from '../../../src/api/protobuf/codec.ts';
import { decodeKubernetesProtobuf, decodeUnknown, encodeUnknown, isKubernetesProtobuf } from '../../../src/api/protobuf/unknown.ts';
import { durationFromJSON, durationToJSON } from '../../../src/api/protobuf/time.ts';

function roundTrip(typeName: string, obj: any): void {
  const bytes = encodeObject(typeName, obj);
  assert.deepStrictEqual(decodeObject(typeName, bytes), obj);
}

const meta = {
  name: 'web',
  namespace: 'default',
  uid: '0b6f1c1e-8a4d-4e1e-9d0a-2f4c4f9b7a11',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2024-05-06T07:08:09Z',
  labels: { app: 'web', tier: 'front' },
  annotations: { 'deployment.kubernetes.io/revision': '2' },
  ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u-1', controller: true, blockOwnerDeletion: true }],
  finalizers: ['example.com/keep'],
  managedFields: [
    { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-06T07:08:09Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  ],
};

const podSpec = {
  containers: [
    {
      name: 'nginx',
      image: 'nginx:1.27',
      command: ['nginx', '-g', 'daemon off;'],
      ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
      env: [{ name: 'A', value: 'b' }, { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }],
      resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } },
      readinessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP' }, periodSeconds: 5, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3 },
      livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 3 },
      securityContext: { runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false },
      terminationMessagePath: '/dev/termination-log',
      imagePullPolicy: 'IfNotPresent',
    },
  ],
  volumes: [
    { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420, items: [{ key: 'a', path: 'a.txt' }] } },
    { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
  ],
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  priority: -5,
  securityContext: { supplementalGroups: [1, 2, 3], fsGroup: 2000 },
};

test('a Pod survives encode then decode unchanged, status included', () => {
  roundTrip('io.k8s.api.core.v1.Pod', {
    metadata: { ...meta, deletionTimestamp: '2024-05-06T08:00:00Z', deletionGracePeriodSeconds: 30 },
    spec: { ...podSpec, nodeName: 'node-1' },
    status: {
      phase: 'Running',
      podIP: '10.0.0.5',
      podIPs: [{ ip: '10.0.0.5' }],
      startTime: '2024-05-06T07:08:10Z',
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-05-06T07:08:12Z' }],
      containerStatuses: [
        { name: 'nginx', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: 'sha', state: { running: { startedAt: '2024-05-06T07:08:11Z' } } },
      ],
    },
  });
});

test('a Deployment survives encode then decode, int-or-string both ways', () => {
  roundTrip('io.k8s.api.apps.v1.Deployment', {
    metadata: meta,
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'back'] }] },
      template: { metadata: { labels: { app: 'web' } }, spec: podSpec },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    },
    status: { observedGeneration: 3, replicas: 2, readyReplicas: 2, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: '2024-05-06T07:08:09Z', lastTransitionTime: '2024-05-06T07:08:09Z' }] },
  });
});

test('a Service, a ConfigMap and a Namespace survive encode then decode', () => {
  roundTrip('io.k8s.api.core.v1.Service', {
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }, { name: 'dns', port: 53, targetPort: 'dns', protocol: 'UDP' }],
      clusterIP: '10.96.0.10',
      clusterIPs: ['10.96.0.10'],
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
    },
    status: { loadBalancer: {} },
  });
  roundTrip('io.k8s.api.core.v1.ConfigMap', { metadata: { name: 'c' }, data: { 'a.txt': 'hello\nworld', b: 'ü' }, binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') } });
  roundTrip('io.k8s.api.core.v1.Namespace', { metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
});

test('Secret bytes travel as raw bytes and come back as base64', () => {
  const secret = { metadata: { name: 's' }, type: 'Opaque', data: { password: Buffer.from('s3cr3t').toString('base64') }, immutable: true };
  const bytes = encodeObject('io.k8s.api.core.v1.Secret', secret);
  assert.ok(bytes.includes(Buffer.from('s3cr3t')), 'raw secret bytes are on the wire');
  assert.deepStrictEqual(decodeObject('io.k8s.api.core.v1.Secret', bytes), secret);
});

test('a Job and a SelfSubjectAccessReview survive encode then decode', () => {
  roundTrip('io.k8s.api.batch.v1.Job', {
    metadata: { name: 'pi', namespace: 'default' },
    spec: {
      parallelism: 1,
      completions: 3,
      backoffLimit: 6,
      activeDeadlineSeconds: 120,
      ttlSecondsAfterFinished: 100,
      template: { spec: { containers: [{ name: 'pi', image: 'perl', command: ['perl', '-e', 'print 1'] }], restartPolicy: 'Never' } },
    },
    status: { active: 1, startTime: '2024-05-06T07:08:09Z', uncountedTerminatedPods: {} },
  });
  roundTrip('io.k8s.api.authorization.v1.SelfSubjectAccessReview', {
    metadata: {},
    spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'deployments', group: 'apps' } },
    status: { allowed: true, reason: 'RBAC: allowed' },
  });
});

test('MicroTime keeps microseconds, Duration uses Go notation, int64 extremes survive', () => {
  roundTrip('io.k8s.api.coordination.v1.Lease', {
    metadata: { name: 'l' },
    spec: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: '2024-05-06T07:08:09.123456Z', renewTime: '2024-05-06T07:08:19.000001Z', leaseTransitions: 2 },
  });
  roundTrip('io.k8s.metrics.pkg.apis.metrics.v1beta1.NodeMetrics', { metadata: { name: 'n' }, timestamp: '2024-05-06T07:08:09Z', window: '1m0s', usage: { cpu: '100m' } });
  assert.equal(durationToJSON(durationFromJSON('90s')), '1m30s');
  assert.equal(durationToJSON(1_500_000), '1.5ms');
  roundTrip('io.k8s.api.core.v1.Pod', { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }], activeDeadlineSeconds: 2 ** 40, securityContext: { runAsUser: -1 } } });
});

test('omitempty zero values are left out when decoding, as Go JSON would', () => {
  const bytes = encodeObject('io.k8s.api.core.v1.ConfigMap', { metadata: { name: 'c', namespace: '' }, data: {} });
  assert.deepStrictEqual(decodeObject('io.k8s.api.core.v1.ConfigMap', bytes), { metadata: { name: 'c' } });
});

/** Builds protobuf bytes by hand: tag bytes and lengths from the published field numbers. */
function field(number: number, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  assert.ok(body.length < 128 && number < 16);
  return Buffer.concat([Buffer.from([(number << 3) | 2, body.length]), body]);
}

test('hand-built bytes for a ConfigMap decode by generated.proto numbers', () => {
  // ConfigMap: metadata = 1, data = 2 (map entries key = 1, value = 2), immutable = 4 (varint).
  // ObjectMeta: name = 1, namespace = 3, labels = 11, creationTimestamp = 8 (Timestamp seconds = 1).
  const objectMeta = Buffer.concat([
    field(1, 'x'),
    field(3, 'default'),
    field(11, Buffer.concat([field(1, 'app'), field(2, 'web')])),
    field(8, Buffer.from([0x08, 0x80, 0x83, 0xe2, 0xb1, 0x06])), // seconds = 1714979200
  ]);
  const raw = Buffer.concat([
    field(1, objectMeta),
    field(2, Buffer.concat([field(1, 'a'), field(2, 'b')])),
    Buffer.from([(4 << 3) | 0, 1]),
    Buffer.from([(99 << 3) & 0x7f | 0x80, 99 >> 4, 5]), // unknown field 99 (varint) is skipped
  ]);
  const typeMeta = Buffer.concat([field(1, 'v1'), field(2, 'ConfigMap')]);
  const body = Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, typeMeta), field(2, raw)]);

  assert.equal(isKubernetesProtobuf(body), true);
  const env = decodeUnknown(body);
  assert.equal(env.apiVersion, 'v1');
  assert.equal(env.kind, 'ConfigMap');
  assert.deepStrictEqual(decodeKubernetesProtobuf(body), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'x', namespace: 'default', labels: { app: 'web' }, creationTimestamp: '2024-05-06T07:06:40Z' },
    data: { a: 'b' },
    immutable: true,
  });
});

test('encodeUnknown wraps with the magic and decodeUnknown reads it back', () => {
  const raw = encodeObject('io.k8s.api.core.v1.Namespace', { metadata: { name: 'ns' } });
  const body = encodeUnknown('v1', 'Namespace', raw);
  assert.deepEqual([...body.subarray(0, 4)], [0x6b, 0x38, 0x73, 0x00]);
  const env = decodeUnknown(body);
  assert.equal(env.kind, 'Namespace');
  assert.deepEqual(env.raw, raw);
  assert.deepStrictEqual(decodeKubernetesProtobuf(body), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
});

test('malformed protobuf throws a clear Error', () => {
  assert.throws(() => decodeUnknown(Buffer.from('{"kind":"Pod"}')), /magic/);
  const truncated = Buffer.from([0x0a, 0x05, 0x0a, 0x01]); // metadata claims 5 bytes, has 2
  assert.throws(() => decodeObject('io.k8s.api.core.v1.ConfigMap', truncated), /runs past the end/);
  const wrongWire = Buffer.from([(1 << 3) | 0, 1]); // metadata as a varint
  assert.throws(() => decodeObject('io.k8s.api.core.v1.ConfigMap', wrongWire), /wire type 0, expected 2/);
  const body = encodeUnknown('v1', 'NoSuchKind', Buffer.alloc(0));
  assert.throws(() => decodeKubernetesProtobuf(body), /no schema for kind NoSuchKind/);
  assert.throws(() => encodeObject('io.k8s.api.core.v1.ConfigMap', { data: { a: 1 } }), /data\.a must be a string/);
});

test('a CustomResourceDefinition with nested schemas, defaults and additionalProperties survives encode then decode', () => {
  roundTrip('io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition', {
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wd'] },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    size: { type: 'integer', minimum: 1, maximum: 10.5, default: 3 },
                    labels: { type: 'object', additionalProperties: { type: 'string' } },
                    open: { type: 'object', additionalProperties: true },
                    tags: { type: 'array', items: { type: 'string', enum: ['a', 'b'] } },
                  },
                },
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  });
});
