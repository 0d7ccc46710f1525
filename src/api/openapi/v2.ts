// OpenAPI v2 (swagger 2.0) for all served resources at once, as `/openapi/v2` serves it in
// JSON. Memoized: rebuilt only when the set of resources changes.

import { getType, kubernetesVersion } from '../schema/registry.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { DELETE_OPTIONS, PATCH, STATUS, operationTypes, resourcePaths, type Operation, type ParamSpec, type PathItem } from './operations.ts';
import { customResourceSchemas, listTypeNameFor } from './resource-types.ts';
import { buildSchemas, type Schema } from './schemas.ts';

const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const LIST_PRODUCES = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

function ref(typeName: string): Schema {
  return { $ref: `#/definitions/${typeName}` };
}

function param(p: ParamSpec): Schema {
  const out: Schema = { in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.type = p.type;
  out.uniqueItems = true;
  return out;
}

function operation(op: Operation, tag: string): Schema {
  const out: Schema = {
    consumes: op.patchTypes ?? ['*/*'],
    description: op.description,
    operationId: op.operationId,
    produces: op.action === 'list' ? LIST_PRODUCES : PRODUCES,
    schemes: ['https'],
    tags: [tag],
  };
  const parameters = op.parameters.map(param);
  if (op.bodyType) {
    parameters.unshift({ in: 'body', name: 'body', required: op.action !== 'delete' && op.action !== 'deletecollection', schema: ref(op.bodyType) });
  }
  if (parameters.length) out.parameters = parameters;
  const responses: Record<string, Schema> = {};
  for (const code of op.responseCodes) responses[String(code)] = { description: STATUS_TEXT[code], schema: ref(op.responseType) };
  responses['401'] = { description: 'Unauthorized' };
  out.responses = responses;
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

function build(defs: ResourceDefinition[]): Schema {
  const items: PathItem[] = [];
  const builtinTypes: string[] = [DELETE_OPTIONS, STATUS, PATCH, 'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'];
  const custom: ResourceDefinition[] = [];
  for (const def of defs) {
    const builtin = getType(def.typeName) !== undefined;
    const listType = listTypeNameFor(def);
    items.push(...resourcePaths(def, listType, builtin));
    if (builtin) builtinTypes.push(def.typeName, listType);
    else custom.push(def);
  }
  for (const t of operationTypes(items)) if (getType(t)) builtinTypes.push(t);
  const definitions = { ...buildSchemas(builtinTypes, 'v2'), ...customResourceSchemas(custom, 'v2') };
  const paths: Record<string, Schema> = {};
  for (const item of items.sort((a, b) => a.path.localeCompare(b.path))) paths[item.path] = pathItem(item);
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: `v${kubernetesVersion()}.0` },
    paths,
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    security: [{ BearerToken: [] }],
  };
}

let memo: { signature: string; document: Schema; json: string } | undefined;

function signatureOf(defs: ResourceDefinition[]): string {
  return defs
    .map((d) => `${d.group}|${d.version}|${d.kind}|${d.resource}|${d.typeName}|${d.namespaced}|${d.subresources.join(',')}|${(d.verbs ?? []).join(',')}`)
    .sort()
    .join(';');
}

/** The swagger 2.0 document and its JSON text for all served resources; memoized. */
export function openapiV2Served(defs: ResourceDefinition[]): { document: Schema; json: string } {
  const signature = signatureOf(defs);
  if (!memo || memo.signature !== signature) {
    const document = build(defs);
    memo = { signature, document, json: JSON.stringify(document) };
  }
  return memo;
}

/** The swagger 2.0 document for all served resources. */
export function openapiV2(defs: ResourceDefinition[]): object {
  return openapiV2Served(defs).document;
}
