// The REST operations of served resources, described once and rendered as OpenAPI v2 or v3
// paths: collection and item paths, all-namespaces lists, and the status/scale/binding/
// eviction subresources, with upstream's operation ids, parameters and extensions.

import { ALL_VERBS, type ResourceDefinition } from '../strategy.ts';

export interface GVK {
  group: string;
  version: string;
  kind: string;
}

export interface ParamSpec {
  name: string;
  in: 'path' | 'query';
  type: 'string' | 'integer' | 'boolean';
  required?: boolean;
}

export interface Operation {
  method: 'get' | 'put' | 'post' | 'patch' | 'delete';
  action: 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  operationId: string;
  description: string;
  gvk: GVK;
  parameters: ParamSpec[];
  /** Request body schema type; for patch, the Patch type with the patch content types. */
  bodyType?: string;
  patchTypes?: string[];
  responseType: string;
  responseCodes: number[];
}

export interface PathItem {
  path: string;
  parameters: ParamSpec[];
  operations: Operation[];
  tag: string;
}

export const DELETE_OPTIONS = 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions';
export const STATUS = 'io.k8s.apimachinery.pkg.apis.meta.v1.Status';
export const PATCH = 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch';
export const SCALE = 'io.k8s.api.autoscaling.v1.Scale';
const BINDING = 'io.k8s.api.core.v1.Binding';
const EVICTION = 'io.k8s.api.policy.v1.Eviction';

const STRATEGIC_PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
const CUSTOM_PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json'];

const q = (name: string, type: ParamSpec['type'] = 'string'): ParamSpec => ({ name, in: 'query', type });
const PRETTY = q('pretty');
const NAME: ParamSpec = { name: 'name', in: 'path', type: 'string', required: true };
const NAMESPACE: ParamSpec = { name: 'namespace', in: 'path', type: 'string', required: true };
const WRITE_PARAMS = [q('dryRun'), q('fieldManager'), q('fieldValidation')];
const PATCH_PARAMS = [...WRITE_PARAMS, q('force', 'boolean')];
const LIST_PARAMS = [
  q('allowWatchBookmarks', 'boolean'),
  q('continue'),
  q('fieldSelector'),
  q('labelSelector'),
  q('limit', 'integer'),
  q('resourceVersion'),
  q('resourceVersionMatch'),
  q('sendInitialEvents', 'boolean'),
  q('timeoutSeconds', 'integer'),
  q('watch', 'boolean'),
];
const DELETE_PARAMS = [
  q('dryRun'),
  q('gracePeriodSeconds', 'integer'),
  q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean'),
  q('orphanDependents', 'boolean'),
  q('propagationPolicy'),
];
const DELETE_COLLECTION_PARAMS = [
  q('continue'),
  q('dryRun'),
  q('fieldSelector'),
  q('gracePeriodSeconds', 'integer'),
  q('ignoreStoreReadErrorWithClusterBreakingPotential', 'boolean'),
  q('labelSelector'),
  q('limit', 'integer'),
  q('orphanDependents', 'boolean'),
  q('propagationPolicy'),
  q('resourceVersion'),
  q('resourceVersionMatch'),
  q('sendInitialEvents', 'boolean'),
  q('timeoutSeconds', 'integer'),
];

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** `CoreV1`, `AppsV1`, `RbacAuthorizationV1` (upstream's operation id prefix). */
export function groupVersionPrefix(group: string, version: string): string {
  const g = group ? group.replace(/\.k8s\.io$/, '').split('.').map(upperFirst).join('') : 'Core';
  return `${g}${upperFirst(version)}`;
}

/** `core_v1`, `apps_v1`, `rbacAuthorization_v1`. */
export function groupVersionTag(group: string, version: string): string {
  const prefix = groupVersionPrefix(group, version);
  const g = prefix.slice(0, prefix.length - version.length);
  return `${g.charAt(0).toLowerCase()}${g.slice(1)}_${version}`;
}

export function groupVersionRoot(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/**
 * @param builtin whether the kind's schema comes from the built-in data (strategic merge
 * patch is offered only then; custom resources get merge patches as upstream).
 */
export function resourcePaths(def: ResourceDefinition, listTypeName: string, builtin: boolean): PathItem[] {
  const verbs = new Set(def.verbs ?? ALL_VERBS);
  const gv = groupVersionPrefix(def.group, def.version);
  const tag = groupVersionTag(def.group, def.version);
  const root = groupVersionRoot(def.group, def.version);
  const gvk: GVK = { group: def.group, version: def.version, kind: def.kind };
  const scope = def.namespaced ? 'Namespaced' : '';
  const base = def.namespaced ? `${root}/namespaces/{namespace}/${def.resource}` : `${root}/${def.resource}`;
  const scopeParams = def.namespaced ? [NAMESPACE] : [];
  const patchTypes = builtin ? STRATEGIC_PATCH_TYPES : CUSTOM_PATCH_TYPES;
  const items: PathItem[] = [];

  const collection: Operation[] = [];
  if (verbs.has('list')) {
    collection.push({
      method: 'get', action: 'list', operationId: `list${gv}${scope}${def.kind}`, description: `list or watch objects of kind ${def.kind}`,
      gvk, parameters: LIST_PARAMS, responseType: listTypeName, responseCodes: [200],
    });
  }
  if (verbs.has('create')) {
    collection.push({
      method: 'post', action: 'post', operationId: `create${gv}${scope}${def.kind}`, description: `create a ${def.kind}`,
      gvk, parameters: WRITE_PARAMS, bodyType: def.typeName, responseType: def.typeName, responseCodes: [200, 201, 202],
    });
  }
  if (verbs.has('deletecollection')) {
    collection.push({
      method: 'delete', action: 'deletecollection', operationId: `delete${gv}Collection${scope}${def.kind}`,
      description: `delete collection of ${def.kind}`, gvk, parameters: DELETE_COLLECTION_PARAMS, bodyType: DELETE_OPTIONS,
      responseType: STATUS, responseCodes: [200],
    });
  }
  if (collection.length) items.push({ path: base, parameters: [...scopeParams, PRETTY], operations: collection, tag });

  if (def.namespaced && verbs.has('list')) {
    items.push({
      path: `${root}/${def.resource}`,
      parameters: [],
      tag,
      operations: [
        {
          method: 'get', action: 'list', operationId: `list${gv}${def.kind}ForAllNamespaces`, description: `list or watch objects of kind ${def.kind}`,
          gvk, parameters: [...LIST_PARAMS.filter((p) => p.name !== 'watch'), PRETTY, q('watch', 'boolean')],
          responseType: listTypeName, responseCodes: [200],
        },
      ],
    });
  }

  const item: Operation[] = [];
  const idFor = (verb: string, suffix = '') => `${verb}${gv}${scope}${def.kind}${suffix}`;
  if (verbs.has('get')) {
    item.push({ method: 'get', action: 'get', operationId: idFor('read'), description: `read the specified ${def.kind}`, gvk, parameters: [], responseType: def.typeName, responseCodes: [200] });
  }
  if (verbs.has('update')) {
    item.push({ method: 'put', action: 'put', operationId: idFor('replace'), description: `replace the specified ${def.kind}`, gvk, parameters: WRITE_PARAMS, bodyType: def.typeName, responseType: def.typeName, responseCodes: [200, 201] });
  }
  if (verbs.has('patch')) {
    item.push({ method: 'patch', action: 'patch', operationId: idFor('patch'), description: `partially update the specified ${def.kind}`, gvk, parameters: PATCH_PARAMS, bodyType: PATCH, patchTypes, responseType: def.typeName, responseCodes: [200, 201] });
  }
  if (verbs.has('delete')) {
    item.push({ method: 'delete', action: 'delete', operationId: idFor('delete'), description: `delete a ${def.kind}`, gvk, parameters: DELETE_PARAMS, bodyType: DELETE_OPTIONS, responseType: def.typeName, responseCodes: [200, 202] });
  }
  const itemParams = [NAME, ...scopeParams, PRETTY];
  if (item.length) items.push({ path: `${base}/{name}`, parameters: itemParams, operations: item, tag });

  for (const sub of def.subresources) {
    const path = `${base}/{name}/${sub}`;
    if (sub === 'status' || sub === 'scale') {
      const type = sub === 'status' ? def.typeName : SCALE;
      const subGVK = sub === 'status' ? gvk : { group: 'autoscaling', version: 'v1', kind: 'Scale' };
      const suffix = upperFirst(sub);
      items.push({
        path,
        parameters: itemParams,
        tag,
        operations: [
          { method: 'get', action: 'get', operationId: idFor('read', suffix), description: `read ${sub} of the specified ${def.kind}`, gvk: subGVK, parameters: [], responseType: type, responseCodes: [200] },
          { method: 'put', action: 'put', operationId: idFor('replace', suffix), description: `replace ${sub} of the specified ${def.kind}`, gvk: subGVK, parameters: WRITE_PARAMS, bodyType: type, responseType: type, responseCodes: [200, 201] },
          { method: 'patch', action: 'patch', operationId: idFor('patch', suffix), description: `partially update ${sub} of the specified ${def.kind}`, gvk: subGVK, parameters: PATCH_PARAMS, bodyType: PATCH, patchTypes, responseType: type, responseCodes: [200, 201] },
        ],
      });
    } else if (sub === 'binding' || sub === 'eviction') {
      const type = sub === 'binding' ? BINDING : EVICTION;
      const subGVK = sub === 'binding' ? { group: '', version: 'v1', kind: 'Binding' } : { group: 'policy', version: 'v1', kind: 'Eviction' };
      items.push({
        path,
        parameters: itemParams,
        tag,
        operations: [
          { method: 'post', action: 'post', operationId: idFor('create', upperFirst(sub)), description: `create ${sub} of a ${def.kind}`, gvk: subGVK, parameters: WRITE_PARAMS, bodyType: type, responseType: type, responseCodes: [200, 201, 202] },
        ],
      });
    }
  }
  return items;
}

/** Types the operations of these paths name (bodies and responses). */
export function operationTypes(items: PathItem[]): string[] {
  const out = new Set<string>();
  for (const it of items) {
    for (const op of it.operations) {
      out.add(op.responseType);
      if (op.bodyType) out.add(op.bodyType);
    }
  }
  return [...out];
}
