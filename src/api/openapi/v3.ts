// OpenAPI v3 as kube-apiserver serves it: `/openapi/v3` (an index of group-versions with
// hashed URLs) and `/openapi/v3/<api/v1|apis/G/V>` (one document per group-version).
// Documents are memoized per group-version and rebuilt only when its resources change.

import { createHash } from 'node:crypto';
import { getType, kubernetesVersion } from '../schema/registry.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { DELETE_OPTIONS, PATCH, STATUS, operationTypes, resourcePaths, type Operation, type ParamSpec, type PathItem } from './operations.ts';
import { buildSchemas, type Schema } from './schemas.ts';
import { customResourceSchemas, customSchemaRevision, listTypeNameFor, needsObjectMeta } from './resource-types.ts';

const LIST_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta';
const RESPONSE_CONTENT_TYPES = ['application/json', 'application/vnd.kubernetes.protobuf', 'application/yaml'];
const LIST_CONTENT_TYPES = [
  ...RESPONSE_CONTENT_TYPES,
  'application/json;stream=watch',
  'application/vnd.kubernetes.protobuf;stream=watch',
];
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

function ref(typeName: string): Schema {
  return { $ref: `#/components/schemas/${typeName}` };
}

function param(p: ParamSpec): Schema {
  const out: Schema = { in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function operation(op: Operation, tag: string): Schema {
  const out: Schema = { description: op.description, operationId: op.operationId };
  if (op.parameters.length) out.parameters = op.parameters.map(param);
  if (op.bodyType) {
    const types = op.patchTypes ?? ['*/*'];
    const content: Record<string, Schema> = {};
    for (const t of types) content[t] = { schema: ref(op.bodyType) };
    out.requestBody = { content, required: op.action !== 'delete' && op.action !== 'deletecollection' };
  }
  const responses: Record<string, Schema> = {};
  const produced = op.action === 'list' ? LIST_CONTENT_TYPES : RESPONSE_CONTENT_TYPES;
  for (const code of op.responseCodes) {
    const content: Record<string, Schema> = {};
    for (const t of produced) content[t] = { schema: ref(op.responseType) };
    responses[String(code)] = { content, description: STATUS_TEXT[code] };
  }
  responses['401'] = { description: 'Unauthorized' };
  out.responses = responses;
  out.tags = [tag];
  out['x-kubernetes-action'] = op.action;
  out['x-kubernetes-group-version-kind'] = op.gvk;
  return out;
}

function pathItem(item: PathItem): Schema {
  const out: Schema = {};
  for (const op of item.operations) out[op.method] = operation(op, item.tag);
  if (item.parameters.length) out.parameters = item.parameters.map(param);
  return out;
}

function buildDocument(groupVersion: string, defs: ResourceDefinition[]): Schema {
  const items: PathItem[] = [];
  const builtinTypes: string[] = [DELETE_OPTIONS, STATUS, PATCH, LIST_META];
  const custom: ResourceDefinition[] = [];
  for (const def of defs) {
    const builtin = getType(def.typeName) !== undefined;
    const listType = listTypeNameFor(def);
    items.push(...resourcePaths(def, listType, builtin));
    if (builtin) builtinTypes.push(def.typeName, listType);
    else custom.push(def);
  }
  for (const t of operationTypes(items)) if (getType(t)) builtinTypes.push(t);
  if (needsObjectMeta(custom)) builtinTypes.push('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  const schemas: Record<string, Schema> = { ...buildSchemas(builtinTypes, 'v3'), ...customResourceSchemas(custom, 'v3') };
  const paths: Record<string, Schema> = {};
  for (const item of items.sort((a, b) => a.path.localeCompare(b.path))) paths[item.path] = pathItem(item);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: `v${kubernetesVersion()}.0` },
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
    security: [{ BearerToken: [] }],
  };
}

export interface ServedDocument {
  document: Schema;
  /** The document serialized once, for serving. */
  json: string;
  /** Upper-case hex SHA-512 of `json`, as in upstream's `?hash=`. */
  hash: string;
}

const documents = new Map<string, { signature: string; served: ServedDocument }>();

function signatureOf(defs: ResourceDefinition[]): string {
  return defs
    .map((d) => `${d.kind}|${d.resource}|${d.typeName}|${d.namespaced}|${d.subresources.join(',')}|${(d.verbs ?? []).join(',')}|${customSchemaRevision(d)}`)
    .sort()
    .join(';');
}

/** The v3 document of one group-version ('v1', 'apps/v1') with its JSON text and hash; memoized. */
export function openapiV3Served(groupVersion: string, defs: ResourceDefinition[]): ServedDocument {
  const signature = signatureOf(defs);
  const known = documents.get(groupVersion);
  if (known && known.signature === signature) return known.served;
  const document = buildDocument(groupVersion, defs);
  const json = JSON.stringify(document);
  const served = { document, json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
  documents.set(groupVersion, { signature, served });
  return served;
}

/** The v3 document of one group-version, e.g. openapiV3Document('apps/v1', appsDefinitions). */
export function openapiV3Document(groupVersion: string, defs: ResourceDefinition[]): object {
  return openapiV3Served(groupVersion, defs).document;
}

/** `api/v1` for the core group, `apis/G/V` otherwise: the key and the URL path under /openapi/v3/. */
export function openapiV3PathKey(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

const fallbackHashes = new Map<string, string>();

/**
 * The `/openapi/v3` index. Each URL carries the hash of its document when `defsFor` is given
 * (or the document was built already), so clients' caches follow content changes.
 */
export function openapiV3Index(groupVersions: string[], defsFor?: (groupVersion: string) => ResourceDefinition[]): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of [...groupVersions].sort()) {
    let hash = defsFor ? openapiV3Served(gv, defsFor(gv)).hash : documents.get(gv)?.served.hash;
    if (!hash) {
      hash = fallbackHashes.get(gv) ?? createHash('sha512').update(`${gv}@${process.pid}@${Date.now()}`).digest('hex').toUpperCase();
      fallbackHashes.set(gv, hash);
    }
    const key = openapiV3PathKey(gv);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}
