// Every built-in resource the API server serves, in discovery order per group.

import type { ResourceDefinition } from '../strategy.ts';
import { bindings } from './bindings.ts';
import { componentstatuses } from './componentstatuses.ts';
import { configmaps } from './configmaps.ts';
import { controllerrevisions } from './controllerrevisions.ts';
import { cronjobs } from './cronjobs.ts';
import { daemonsets } from './daemonsets.ts';
import { deployments } from './deployments.ts';
import { endpoints } from './endpoints.ts';
import { endpointslices } from './endpointslices.ts';
import { events } from './events.ts';
import { eventsV1 } from './events-v1.ts';
import { ingressclasses } from './ingressclasses.ts';
import { ingresses } from './ingresses.ts';
import { jobs } from './jobs.ts';
import { leases } from './leases.ts';
import { limitranges } from './limitranges.ts';
import { namespaces } from './namespaces.ts';
import { networkpolicies } from './networkpolicies.ts';
import { nodes } from './nodes.ts';
import { persistentvolumeclaims } from './persistentvolumeclaims.ts';
import { persistentvolumes } from './persistentvolumes.ts';
import { poddisruptionbudgets } from './poddisruptionbudgets.ts';
import { pods } from './pods.ts';
import { podtemplates } from './podtemplates.ts';
import { priorityclasses } from './priorityclasses.ts';
import { replicasets } from './replicasets.ts';
import { replicationcontrollers } from './replicationcontrollers.ts';
import { resourcequotas } from './resourcequotas.ts';
import { clusterrolebindings, rolebindings } from './rolebindings.ts';
import { clusterroles, roles } from './roles.ts';
import { secrets } from './secrets.ts';
import { selfsubjectaccessreviews, subjectaccessreviews } from './selfsubjectaccessreviews.ts';
import { serviceaccounts } from './serviceaccounts.ts';
import { services } from './services.ts';
import { statefulsets } from './statefulsets.ts';
import { storageclasses } from './storageclasses.ts';

export function builtinResources(): ResourceDefinition[] {
  return [
    // core/v1
    bindings,
    componentstatuses,
    configmaps,
    endpoints,
    events,
    limitranges,
    namespaces,
    nodes,
    persistentvolumeclaims,
    persistentvolumes,
    pods,
    podtemplates,
    replicationcontrollers,
    resourcequotas,
    secrets,
    serviceaccounts,
    services,
    // apps/v1
    controllerrevisions,
    daemonsets,
    deployments,
    replicasets,
    statefulsets,
    // batch/v1
    cronjobs,
    jobs,
    // coordination.k8s.io/v1
    leases,
    // discovery.k8s.io/v1
    endpointslices,
    // events.k8s.io/v1
    eventsV1,
    // networking.k8s.io/v1
    ingressclasses,
    ingresses,
    networkpolicies,
    // policy/v1
    poddisruptionbudgets,
    // storage.k8s.io/v1
    storageclasses,
    // scheduling.k8s.io/v1
    priorityclasses,
    // rbac.authorization.k8s.io/v1
    clusterrolebindings,
    clusterroles,
    rolebindings,
    roles,
    // authorization.k8s.io/v1
    selfsubjectaccessreviews,
    subjectaccessreviews,
  ];
}
