// The scale subresource: an autoscaling/v1 Scale view of a workload's replicas.

import type { ApiRequest } from './api-request.ts';
import { applyPatch, checkKind, readObject, readPatch } from './write.ts';
import { writeJson } from '../responses.ts';
import { StatusError, conflict, invalid, fieldError, OBJECT_MODIFIED } from '../../api/errors.ts';
import type { ResourceDefinition } from '../../api/strategy.ts';

const SCALE_TYPE = 'io.k8s.api.autoscaling.v1.Scale';

function getPath(obj: any, path: string): any {
  return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function setPath(obj: any, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k] ??= {};
  o[keys[keys.length - 1]] = value;
}

export function scaleOf(def: ResourceDefinition, obj: any): any {
  const spec = def.scale!;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
      creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: getPath(obj, spec.specReplicasPath) ?? 0 },
    status: { replicas: getPath(obj, spec.statusReplicasPath) ?? 0, selector: spec.selector(obj) },
  };
}

function checkReplicas(def: ResourceDefinition, name: string, replicas: unknown): number {
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid('Scale', 'autoscaling', name, [fieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
  }
  return replicas;
}

export async function handleScale(r: ApiRequest): Promise<void> {
  const { def, info } = r;
  if (!def.scale) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  if (r.info.verb === 'get') {
    const obj = await r.store.get(info.namespace, info.name);
    writeJson(r.res, 200, scaleOf(def, obj));
    return;
  }
  let compute: (scale: any) => any;
  let pinnedRv: string | undefined;
  if (r.info.verb === 'update') {
    const body = await readObject(r);
    checkKind(def, body, 'Scale', 'autoscaling/v1');
    pinnedRv = body.metadata?.resourceVersion;
    compute = () => body;
  } else if (r.info.verb === 'patch') {
    const { type, patch } = await readPatch(r);
    compute = (scale) => applyPatch(def, type, scale, patch, SCALE_TYPE);
  } else {
    throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  }
  const { obj } = await r.store.guaranteedUpdate(info.namespace, info.name, r.ctx, 'scale', (current) => {
    const before = scaleOf(def, current);
    if (pinnedRv && pinnedRv !== current.metadata.resourceVersion) throw conflict(r.store.gr, info.name, OBJECT_MODIFIED);
    const next = compute(structuredClone(before));
    const replicas = checkReplicas(def, info.name, next?.spec?.replicas);
    setPath(current, def.scale!.specReplicasPath, replicas);
    return current;
  });
  writeJson(r.res, 200, scaleOf(def, obj));
}
