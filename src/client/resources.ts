// The built-in resources components talk to, addressed as upstream does: group, version and
// the plural resource name (the URL segment). Core group resources have group ''.

export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface ResourceInfo extends GroupVersionResource {
  kind: string;
  namespaced: boolean;
}

function info(group: string, version: string, resource: string, kind: string, namespaced: boolean): ResourceInfo {
  return { group, version, resource, kind, namespaced };
}

export const resources = {
  pods: info('', 'v1', 'pods', 'Pod', true),
  nodes: info('', 'v1', 'nodes', 'Node', false),
  services: info('', 'v1', 'services', 'Service', true),
  endpoints: info('', 'v1', 'endpoints', 'Endpoints', true),
  events: info('', 'v1', 'events', 'Event', true),
  namespaces: info('', 'v1', 'namespaces', 'Namespace', false),
  configmaps: info('', 'v1', 'configmaps', 'ConfigMap', true),
  secrets: info('', 'v1', 'secrets', 'Secret', true),
  serviceaccounts: info('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  replicationcontrollers: info('', 'v1', 'replicationcontrollers', 'ReplicationController', true),
  persistentvolumes: info('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  persistentvolumeclaims: info('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true),
  resourcequotas: info('', 'v1', 'resourcequotas', 'ResourceQuota', true),
  limitranges: info('', 'v1', 'limitranges', 'LimitRange', true),
  leases: info('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  replicasets: info('apps', 'v1', 'replicasets', 'ReplicaSet', true),
  deployments: info('apps', 'v1', 'deployments', 'Deployment', true),
  daemonsets: info('apps', 'v1', 'daemonsets', 'DaemonSet', true),
  statefulsets: info('apps', 'v1', 'statefulsets', 'StatefulSet', true),
  controllerrevisions: info('apps', 'v1', 'controllerrevisions', 'ControllerRevision', true),
  jobs: info('batch', 'v1', 'jobs', 'Job', true),
  cronjobs: info('batch', 'v1', 'cronjobs', 'CronJob', true),
  endpointslices: info('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  poddisruptionbudgets: info('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true),
  priorityclasses: info('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false),
} as const satisfies Record<string, ResourceInfo>;

/** `v1` for the core group, `apps/v1` otherwise: the apiVersion of objects of this resource. */
export function apiVersionOf(gvr: { group: string; version: string }): string {
  return gvr.group ? `${gvr.group}/${gvr.version}` : gvr.version;
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function apiPathPrefix(gvr: { group: string; version: string }): string {
  return gvr.group ? `/apis/${gvr.group}/${gvr.version}` : `/api/${gvr.version}`;
}
