// GET of one object and of collections: JSON, Table, PartialObjectMetadata or protobuf.

import type { ApiRequest } from './api-request.ts';
import { buildSelection } from '../registry/selection.ts';
import { parseIncludeObject, partialObjectMetadata, toTable } from '../table.ts';
import { writeBytes, writeJson } from '../responses.ts';
import { badRequest } from '../../api/errors.ts';
import { encodeObject } from '../../api/protobuf/codec.ts';
import { encodeUnknown, PROTOBUF_CONTENT_TYPE } from '../../api/protobuf/unknown.ts';
import { findKind } from '../../api/schema/registry.ts';
import { groupVersion } from '../../api/strategy.ts';
import type { CacheEntry } from '../watch-cache.ts';
import { takeWrittenJson } from '../registry/object-codec.ts';

export async function handleGet(r: ApiRequest): Promise<void> {
  const obj = await r.store.get(r.info.namespace, r.info.name, r.query.get('resourceVersion') ?? undefined);
  writeObject(r, 200, obj);
}

/** Writes one object in the negotiated shape. */
export function writeObject(r: ApiRequest, code: number, obj: any): void {
  const n = r.negotiated;
  if (n.shape === 'table') {
    writeJson(r.res, code, toTable(r.def, [obj], { include: parseIncludeObject(r.query.get('includeObject')), version: n.tableVersion }));
  } else if (n.shape === 'partial-metadata') {
    writeJson(r.res, code, partialObjectMetadata(obj, n.tableVersion));
  } else if (n.protobuf) {
    writeProtobuf(r, code, obj);
  } else {
    writeJson(r.res, code, takeWrittenJson(obj) ?? obj);
  }
}

export function writeProtobuf(r: ApiRequest, code: number, obj: any): void {
  const apiVersion: string = obj.apiVersion ?? groupVersion(r.def);
  const kind: string = obj.kind ?? r.def.kind;
  const [g, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const info = findKind(g, v, kind);
  const typeName = info?.typeName ?? (kind === r.def.kind ? r.def.typeName : undefined);
  if (!typeName) {
    writeJson(r.res, code, obj);
    return;
  }
  writeBytes(r.res, code, encodeUnknown(apiVersion, kind, encodeObject(typeName, obj)), PROTOBUF_CONTENT_TYPE);
}

export async function handleList(r: ApiRequest): Promise<void> {
  const q = r.query;
  const selection = buildSelection(r.def, q.get('labelSelector'), q.get('fieldSelector'));
  const limitText = q.get('limit');
  let limit: number | undefined;
  if (limitText) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 0) throw badRequest(`invalid limit: ${limitText}`);
  }
  const rvm = q.get('resourceVersionMatch') ?? undefined;
  const rv = q.get('resourceVersion') ?? undefined;
  if (rvm && !rv) throw badRequest('resourceVersionMatch is forbidden unless resourceVersion is provided');
  if (rvm && rvm !== 'NotOlderThan' && rvm !== 'Exact') throw badRequest(`resourceVersionMatch: Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`);
  const result = await r.store.list(r.info.namespace, {
    selection,
    limit,
    continueToken: q.get('continue') ?? undefined,
    resourceVersion: rv,
    resourceVersionMatch: rvm,
  });
  const n = r.negotiated;
  if (n.shape === 'table') {
    writeJson(
      r.res,
      200,
      toTable(r.def, result.items.map((e) => e.obj), {
        include: parseIncludeObject(q.get('includeObject')),
        resourceVersion: result.resourceVersion,
        continueToken: result.continueToken,
        version: n.tableVersion,
      }),
    );
    return;
  }
  const metadata: any = { resourceVersion: result.resourceVersion };
  if (result.continueToken) metadata.continue = result.continueToken;
  if (n.shape === 'partial-metadata') {
    writeJson(r.res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${n.tableVersion ?? 'v1'}`,
      metadata,
      items: result.items.map((e) => partialObjectMetadata(e.obj, n.tableVersion)),
    });
    return;
  }
  if (n.protobuf) {
    writeProtobuf(r, 200, { apiVersion: groupVersion(r.def), kind: r.def.listKind, metadata, items: result.items.map((e) => e.obj) });
    return;
  }
  writeJson(r.res, 200, listJson(groupVersion(r.def), r.def.listKind, metadata, result.items));
}

/** A list's JSON from the items' shared JSON, without re-serializing each object. */
export function listJson(apiVersion: string, kind: string, metadata: unknown, items: CacheEntry[]): string {
  let out = `{"kind":${JSON.stringify(kind)},"apiVersion":${JSON.stringify(apiVersion)},"metadata":${JSON.stringify(metadata)},"items":[`;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += ',';
    out += items[i].json();
  }
  return out + ']}';
}
