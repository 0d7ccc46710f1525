// DELETE of one object (with DeleteOptions from the body or the query) and deletecollection.

import type { ApiRequest } from './api-request.ts';
import { buildSelection } from '../registry/selection.ts';
import type { DeleteOptions } from '../registry/generic-store.ts';
import { StatusError, badRequest } from '../../api/errors.ts';
import { bodyFormat, decodeText, readBody } from '../negotiation.ts';
import { decodeKubernetesProtobuf } from '../../api/protobuf/unknown.ts';
import { successStatus, writeJson } from '../responses.ts';
import { groupVersion } from '../../api/strategy.ts';
import { writeObject } from './read.ts';

export async function readDeleteOptions(r: ApiRequest): Promise<DeleteOptions> {
  const buf = await readBody(r.req);
  let opts: any = {};
  if (buf.length > 0) {
    const fmt = bodyFormat(r.req.headers['content-type']) ?? 'json';
    opts = fmt === 'protobuf' ? decodeKubernetesProtobuf(buf) : decodeText(buf, fmt);
    if (opts === null || typeof opts !== 'object') throw badRequest('DeleteOptions must be an object');
  }
  const q = r.query;
  const grace = q.get('gracePeriodSeconds');
  if (grace !== null) {
    const n = Number(grace);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${grace}`);
    opts.gracePeriodSeconds = n;
  }
  const policy = q.get('propagationPolicy');
  if (policy !== null) opts.propagationPolicy = policy;
  const orphan = q.get('orphanDependents');
  if (orphan !== null) opts.orphanDependents = orphan === 'true';
  if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy)) {
    throw new StatusError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan", "nil"`);
  }
  if (opts.orphanDependents !== undefined && opts.propagationPolicy) {
    throw badRequest('DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Invalid value: "' + opts.propagationPolicy + '": orphanDependents and deletionPropagation cannot be both set');
  }
  return opts as DeleteOptions;
}

export async function handleDelete(r: ApiRequest): Promise<void> {
  const options = await readDeleteOptions(r);
  const result = await r.store.delete(r.info.namespace, r.info.name, options, r.ctx);
  if (!result.deleted || r.def.returnDeletedObject) {
    const code = !result.deleted && options.orphanDependents === false ? 202 : 200;
    writeObject(r, code, result.obj);
    return;
  }
  writeJson(
    r.res,
    200,
    successStatus({
      name: r.info.name,
      ...(r.def.group ? { group: r.def.group } : {}),
      kind: r.def.resource,
      uid: result.obj.metadata?.uid,
    }),
  );
}

export async function handleDeleteCollection(r: ApiRequest): Promise<void> {
  const options = await readDeleteOptions(r);
  const selection = buildSelection(r.def, r.query.get('labelSelector'), r.query.get('fieldSelector'));
  const items = await r.store.deleteCollection(r.info.namespace, selection, options, r.ctx);
  writeJson(r.res, 200, { kind: r.def.listKind, apiVersion: groupVersion(r.def), metadata: {}, items });
}
