// Every built-in resource the server serves: the per-resource strategy modules from
// src/api/resources, plus a plain definition (names and scope, schema-checked, default
// NAME/AGE table) for any listed kind that has no strategy module of its own yet.

import type { ResourceDefinition, TableSpec } from '../api/strategy.ts';
import { findKind } from '../api/schema/registry.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.ts';
import { nameIsDNSSubdomain } from '../api/validation/names.ts';
import { configmaps } from '../api/resources/configmaps.ts';
import { controllerrevisions } from '../api/resources/controllerrevisions.ts';
import { cronjobs } from '../api/resources/cronjobs.ts';
import { daemonsets } from '../api/resources/daemonsets.ts';
import { deployments } from '../api/resources/deployments.ts';
import { eventsV1 } from '../api/resources/events-v1.ts';
import { events } from '../api/resources/events.ts';
import { jobs } from '../api/resources/jobs.ts';
import { namespaces } from '../api/resources/namespaces.ts';
import { nodes } from '../api/resources/nodes.ts';
import { pods } from '../api/resources/pods.ts';
import { replicasets } from '../api/resources/replicasets.ts';
import { replicationcontrollers } from '../api/resources/replicationcontrollers.ts';
import { secrets } from '../api/resources/secrets.ts';
import { services } from '../api/resources/services.ts';
import { statefulsets } from '../api/resources/statefulsets.ts';

const WITH_STRATEGY: ResourceDefinition[] = [
  namespaces,
  pods,
  replicationcontrollers,
  services,
  nodes,
  configmaps,
  secrets,
  events,
  deployments,
  replicasets,
  daemonsets,
  statefulsets,
  controllerrevisions,
  jobs,
  cronjobs,
  eventsV1,
];

type Plain = [group: string, version: string, kind: string, resource: string, extra?: Partial<ResourceDefinition>];

const PLAIN: Plain[] = [
  ['', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'], singular: 'endpoints' }],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'], subresources: ['token'] }],
  ['', 'v1', 'ResourceQuota', 'resourcequotas', { shortNames: ['quota'], subresources: ['status'] }],
  ['', 'v1', 'LimitRange', 'limitranges', { shortNames: ['limits'] }],
  ['', 'v1', 'PersistentVolume', 'persistentvolumes', { shortNames: ['pv'], subresources: ['status'] }],
  ['', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', { shortNames: ['pvc'], subresources: ['status'] }],
  ['', 'v1', 'PodTemplate', 'podtemplates'],
  ['', 'v1', 'ComponentStatus', 'componentstatuses', { shortNames: ['cs'], verbs: ['get', 'list'], singular: 'componentstatus' }],
  ['', 'v1', 'Binding', 'bindings', { verbs: ['create'] }],
  ['coordination.k8s.io', 'v1', 'Lease', 'leases'],
  ['discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices'],
  ['networking.k8s.io', 'v1', 'Ingress', 'ingresses', { shortNames: ['ing'], subresources: ['status'], singular: 'ingress' }],
  ['networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', { singular: 'ingressclass' }],
  ['networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', { shortNames: ['netpol'], singular: 'networkpolicy' }],
  ['policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', { shortNames: ['pdb'], subresources: ['status'] }],
  ['storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', { shortNames: ['sc'], singular: 'storageclass' }],
  ['scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', { shortNames: ['pc'], singular: 'priorityclass' }],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'roles'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles'],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings'],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings'],
  ['authorization.k8s.io', 'v1', 'SelfSubjectAccessReview', 'selfsubjectaccessreviews', { verbs: ['create'] }],
  ['authorization.k8s.io', 'v1', 'SubjectAccessReview', 'subjectaccessreviews', { verbs: ['create'] }],
  ['authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', { verbs: ['create'] }],
];

/** Upstream's componentstatuses printer: the Healthy condition as STATUS, MESSAGE, ERROR. */
const componentStatusTable: TableSpec = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Status', type: 'string' },
    { name: 'Message', type: 'string' },
    { name: 'Error', type: 'string' },
  ],
  row: (cs) => {
    const c = (cs.conditions ?? []).find((x: any) => x.type === 'Healthy');
    const status = !c ? 'Unknown' : c.status === 'True' ? 'Healthy' : 'Unhealthy';
    return [cs.metadata.name, status, c?.message ?? '', c?.error ?? ''];
  },
};

function plainDefinition([group, version, kind, resource, extra = {}]: Plain): ResourceDefinition {
  const info = findKind(group, version, kind);
  if (!info) throw new Error(`the API data has no kind ${kind} in ${group || 'core'}/${version}`);
  const namespaced = extra.namespaced ?? info.namespaced ?? true;
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    resource,
    singular: extra.singular ?? kind.toLowerCase(),
    namespaced,
    typeName: info.typeName,
    subresources: [],
    strategy: {
      ...(kind === 'ComponentStatus' ? { table: componentStatusTable } : {}),
      validate: (obj) => validateObjectMeta(obj.metadata, { namespaced, nameFn: nameIsDNSSubdomain }),
      validateUpdate: (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata),
    },
    ...extra,
  };
}

export function builtinResources(): ResourceDefinition[] {
  const have = new Set(WITH_STRATEGY.map((d) => `${d.group}/${d.version}/${d.resource}`));
  const plain = PLAIN.filter(([g, v, , r]) => !have.has(`${g}/${v}/${r}`)).map(plainDefinition);
  return [...WITH_STRATEGY, ...plain];
}
