// POST (create), PUT (update) and PATCH (json, merge, strategic merge) of a resource or its
// status. Bodies arrive as JSON, YAML or Kubernetes protobuf.

import type { ApiRequest } from './api-request.ts';
import { writeObject } from './read.ts';
import { StatusError, badRequest } from '../../api/errors.ts';
import { bodyFormat, decodeText, readBody } from '../negotiation.ts';
import { decodeKubernetesProtobuf } from '../../api/protobuf/unknown.ts';
import { applyJsonPatch } from '../../api/patch/json-patch.ts';
import { applyMergePatch } from '../../api/patch/merge-patch.ts';
import { applyStrategicMergePatch } from '../../api/patch/strategic-merge-patch.ts';
import { patchMetaFor } from '../../api/schema/patch-meta.ts';
import { getType } from '../../api/schema/registry.ts';
import { groupVersion, type ResourceDefinition } from '../../api/strategy.ts';
import { setWarnings } from '../responses.ts';
import { validateWriteOptions } from '../fieldmanager/manager-name.ts';
import { applyToStore } from '../fieldmanager/store-apply.ts';

export const UNSUPPORTED_MEDIA =
  'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf';

/** Reads a body as an object (JSON, YAML or protobuf). */
export async function readObject(r: ApiRequest): Promise<any> {
  const buf = await readBody(r.req);
  const fmt = bodyFormat(r.req.headers['content-type']);
  if (!fmt) throw new StatusError(415, 'UnsupportedMediaType', UNSUPPORTED_MEDIA);
  if (buf.length === 0) throw badRequest('the body of the request was empty');
  let obj: unknown;
  if (fmt === 'protobuf') {
    try {
      obj = decodeKubernetesProtobuf(buf);
    } catch (e) {
      throw badRequest(`error decoding protobuf body: ${(e as Error).message}`);
    }
  } else {
    obj = decodeText(buf, fmt);
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw badRequest('the body of the request must be a JSON or YAML object');
  }
  return obj;
}

/** The object must be of the endpoint's kind; apiVersion and kind default to it. */
export function checkKind(def: ResourceDefinition, obj: any, expectKind = def.kind, expectVersion = groupVersion(def)): void {
  if (obj.kind !== undefined && obj.kind !== expectKind) {
    throw badRequest(`${obj.kind} in version "${versionOf(obj.apiVersion)}" cannot be handled as a ${expectKind}: the kind in the body (${obj.kind}) does not match the kind of the endpoint (${expectKind})`);
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== expectVersion) {
    throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectVersion})`);
  }
  obj.apiVersion = expectVersion;
  obj.kind = expectKind;
}

function versionOf(apiVersion: unknown): string {
  const s = String(apiVersion ?? '');
  return s.includes('/') ? s.split('/')[1] : s;
}

export async function handleCreate(r: ApiRequest): Promise<void> {
  validateWriteOptions('CreateOptions', r.ctx.fieldManager);
  const obj = await readObject(r);
  checkKind(r.def, obj);
  const created = await r.store.create(r.info.namespace, obj, r.ctx);
  setWarnings(r.res, r.ctx.warnings);
  writeObject(r, 201, created);
}

export async function handleUpdate(r: ApiRequest): Promise<void> {
  validateWriteOptions('UpdateOptions', r.ctx.fieldManager);
  const obj = await readObject(r);
  checkKind(r.def, obj);
  const { obj: updated, created } = await r.store.update(r.info.namespace, r.info.name, obj, r.ctx, r.info.subresource);
  setWarnings(r.res, r.ctx.warnings);
  writeObject(r, created ? 201 : 200, updated);
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const t = (contentType ?? '').split(';')[0].trim().toLowerCase();
  switch (t) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+cbor':
      return 'apply';
    default:
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

/** Applies a patch body of the given type to `current`, as upstream's patcher. */
export function applyPatch(def: ResourceDefinition, type: PatchType, current: any, patch: unknown, typeName = def.typeName): any {
  switch (type) {
    case 'json':
      return applyJsonPatch(current, patch);
    case 'merge':
      return applyMergePatch(current, patch);
    case 'strategic':
      return applyStrategicMergePatch(current, patch, patchMetaFor(typeName));
    default:
      throw new StatusError(415, 'UnsupportedMediaType', `patch type ${type} is not supported for ${def.resource}`);
  }
}

export async function readPatch(r: ApiRequest): Promise<{ type: PatchType; patch: unknown }> {
  const type = patchTypeOf(r.req.headers['content-type']);
  // Custom resources have no strategic-merge metadata: upstream refuses that patch type for them.
  if (type === 'strategic' && !getType(r.def.typeName)) {
    throw new StatusError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  }
  const buf = await readBody(r.req);
  if (buf.length === 0) throw badRequest('the body of the request was empty');
  const patch = decodeText(buf, type === 'apply' ? 'yaml' : 'json');
  if (type === 'json' ? !Array.isArray(patch) : patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw badRequest(type === 'json' ? 'json patch must be a JSON array of operations' : 'the patch must be a JSON object');
  }
  return { type, patch };
}

export async function handlePatch(r: ApiRequest): Promise<void> {
  const { type, patch } = await readPatch(r);
  const force = r.query.get('force');
  validateWriteOptions('PatchOptions', r.ctx.fieldManager, { apply: type === 'apply', force });
  if (type === 'apply') return handleApply(r, patch as any, force !== null && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(force));
  const updated = await r.store.patch(
    r.info.namespace,
    r.info.name,
    (current) => applyPatch(r.def, type, current, patch),
    r.ctx,
    r.info.subresource,
  );
  setWarnings(r.res, r.ctx.warnings);
  writeObject(r, 200, updated);
}

/** Server-side apply: `PATCH` with `application/apply-patch+yaml`; creates the object when absent. */
async function handleApply(r: ApiRequest, config: any, force: boolean): Promise<void> {
  const expected = groupVersion(r.def);
  if (config.apiVersion !== undefined && config.apiVersion !== expected) {
    throw badRequest(`Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion}, expected: ${expected}`);
  }
  checkKind(r.def, config);
  const { obj, created } = await applyToStore(r.store, r.info.namespace, r.info.name, config, r.ctx, {
    manager: r.ctx.fieldManager!,
    force,
    subresource: r.info.subresource,
  });
  setWarnings(r.res, r.ctx.warnings);
  writeObject(r, created ? 201 : 200, obj);
}
