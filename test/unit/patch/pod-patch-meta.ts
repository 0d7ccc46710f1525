// A hand-built PatchMeta for a Pod-like shape, with upstream's patch strategies and merge keys.
import type { FieldPatchMeta, PatchMeta } from '../../../src/api/patch/patch-meta.ts';

export function metaOf(fields: Record<string, FieldPatchMeta>): PatchMeta {
  return { field: (name) => fields[name] };
}

const primitive: FieldPatchMeta = { kind: 'primitive' };

const envVar = metaOf({ name: primitive, value: primitive, valueFrom: { kind: 'object' } });
const containerPort = metaOf({ containerPort: primitive, name: primitive, protocol: primitive });
const volumeMount = metaOf({ name: primitive, mountPath: primitive });
const container = metaOf({
  name: primitive,
  image: primitive,
  imagePullPolicy: primitive,
  args: { kind: 'list' },
  command: { kind: 'list' },
  env: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'name', elem: envVar },
  ports: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'containerPort', elem: containerPort },
  volumeMounts: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'mountPath', elem: volumeMount },
  resources: { kind: 'object', elem: metaOf({ limits: { kind: 'map' }, requests: { kind: 'map' } }) },
});
const volume = metaOf({
  name: primitive,
  emptyDir: { kind: 'object' },
  hostPath: { kind: 'object' },
  configMap: { kind: 'object' },
  secret: { kind: 'object' },
});
const toleration = metaOf({ key: primitive, operator: primitive, effect: primitive });
const podSpec = metaOf({
  containers: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'name', elem: container },
  initContainers: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'name', elem: container },
  volumes: { kind: 'list', patchStrategy: ['merge', 'retainKeys'], patchMergeKey: 'name', elem: volume },
  tolerations: { kind: 'list', elem: toleration },
  nodeSelector: { kind: 'map' },
  restartPolicy: primitive,
  nodeName: primitive,
});
const condition = metaOf({ type: primitive, status: primitive, reason: primitive, message: primitive });
const podStatus = metaOf({
  phase: primitive,
  conditions: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'type', elem: condition },
});
const ownerReference = metaOf({ uid: primitive, name: primitive, kind: primitive, apiVersion: primitive });
const objectMeta = metaOf({
  name: primitive,
  namespace: primitive,
  labels: { kind: 'map' },
  annotations: { kind: 'map' },
  finalizers: { kind: 'list', patchStrategy: ['merge'] },
  ownerReferences: { kind: 'list', patchStrategy: ['merge'], patchMergeKey: 'uid', elem: ownerReference },
});

export const podMeta = metaOf({
  apiVersion: primitive,
  kind: primitive,
  metadata: { kind: 'object', elem: objectMeta },
  spec: { kind: 'object', elem: podSpec },
  status: { kind: 'object', elem: podStatus },
});
