// The Endpoints controller (upstream's pkg/controller/endpoint): for every Service with a
// selector, one Endpoints object of the same name listing the selected pods' IPs, ready ones
// under `addresses` and the rest under `notReadyAddresses` (all under `addresses` with
// publishNotReadyAddresses), with the service ports resolved against each pod (named target
// ports looked up in its containers), grouped into subsets by port set.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromSet, matches } from '../api/labels.ts';
import type { EndpointAddress, EndpointPort, Endpoints, EndpointSubset, Pod, Service, ServicePort } from '../api/types/core-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, isPodReady, objectOf, QueueController } from './controller-utils.ts';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** Upstream's maxCapacity: an Endpoints object lists at most this many addresses. */
export const MAX_ENDPOINTS_CAPACITY = 1000;

/** Services in the pod's namespace whose selector picks the pod. */
export function servicesSelecting(services: Lister<Service>, pod: Pod): Service[] {
  return services
    .namespace(pod.metadata?.namespace ?? '')
    .list()
    .filter((svc) => hasSelector(svc) && matches(labelSelectorFromSet(svc.spec!.selector!), pod.metadata?.labels));
}

export function hasSelector(svc: Service): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
}

/** Upstream's FindPort: a numeric targetPort as is, a named one from the pod's container ports. */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  const asNumber = Number(target);
  if (target !== '' && Number.isInteger(asNumber)) return asNumber;
  const protocol = port.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** Upstream's ShouldPodBeInEndpoints. */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') return false;
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** Calls `enqueue(service)` for every Service a pod change concerns (old and new labels). */
export function podHandlers(services: Lister<Service>, enqueue: (svc: Service) => void) {
  const touch = (pod: Pod) => {
    for (const svc of servicesSelecting(services, pod)) enqueue(svc);
  };
  return {
    onAdd: touch,
    onUpdate: (old: Pod, cur: Pod) => {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      touch(cur);
      if (canonicalJson(old.metadata?.labels ?? {}) !== canonicalJson(cur.metadata?.labels ?? {})) touch(old);
    },
    onDelete: (obj: Pod | DeletedFinalStateUnknown<Pod>) => touch(objectOf(obj)),
  };
}

export class EndpointsController extends QueueController {
  readonly name = 'endpoint';
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly endpoints: Lister<Endpoints>;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
  ) {
    super();
    const svcInformer = informers.informerFor<Service>(resources.services);
    const podInformer = informers.informerFor<Pod>(resources.pods);
    const epInformer = informers.informerFor<Endpoints>(resources.endpoints);
    this.services = svcInformer.lister();
    this.pods = podInformer.lister();
    this.endpoints = epInformer.lister();
    this.waitFor(svcInformer, podInformer, epInformer);
    svcInformer.addEventHandler({ onAdd: (s) => this.enqueue(s), onUpdate: (_o, s) => this.enqueue(s), onDelete: (o) => this.enqueue(objectOf(o)) });
    podInformer.addEventHandler(podHandlers(this.services, (s) => this.enqueue(s)));
    // An Endpoints object deleted by someone else is put back.
    epInformer.addEventHandler({
      onDelete: (o) => {
        const ep = objectOf(o);
        if (this.services.namespace(ep.metadata?.namespace ?? '').get(ep.metadata?.name ?? '')) this.enqueue(ep);
      },
    });
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const svc = this.services.namespace(namespace).get(name);
    if (!svc) {
      try {
        await this.client.delete(resources.endpoints, name, { namespace });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return;

    const { subsets, truncated } = truncate(this.desiredSubsets(svc), MAX_ENDPOINTS_CAPACITY);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    const current = this.endpoints.namespace(namespace).get(name);
    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    if (
      current &&
      canonicalJson(current.subsets ?? []) === canonicalJson(subsets) &&
      canonicalJson(current.metadata?.labels ?? {}) === canonicalJson(labels) &&
      canonicalJson(current.metadata?.annotations ?? {}) === canonicalJson(annotations)
    ) {
      return;
    }

    const body: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { ...(current?.metadata ?? { name, namespace }), labels, annotations },
      subsets,
    };
    try {
      if (current) await this.client.update<Endpoints>(resources.endpoints, body);
      else await this.client.create<Endpoints>(resources.endpoints, body, { namespace });
    } catch (err) {
      // Namespace going away; or a stale cache that the next event will correct.
      if (isStatusError(err, 'Forbidden') && !current) return;
      throw err;
    }
  }

  private desiredSubsets(svc: Service): EndpointSubset[] {
    const selector = labelSelectorFromSet(svc.spec!.selector!);
    const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
    const groups = new Map<string, { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
    for (const pod of this.pods.namespace(svc.metadata?.namespace ?? '').list()) {
      if (!matches(selector, pod.metadata?.labels)) continue;
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const address = endpointAddress(pod, svc);
      const ports: EndpointPort[] = [];
      for (const sp of svc.spec?.ports ?? []) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const ep: EndpointPort = { name: sp.name, port, protocol: sp.protocol ?? 'TCP' };
        if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
        ports.push(ep);
      }
      if ((svc.spec?.ports ?? []).length > 0 && ports.length === 0) continue;
      ports.sort(comparePorts);
      const key = canonicalJson(ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, ready: [], notReady: [] }));
      if (publishNotReady || isPodReady(pod)) g.ready.push(address);
      else g.notReady.push(address);
    }
    const subsets: EndpointSubset[] = [];
    for (const g of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g)) {
      const subset: EndpointSubset = {};
      if (g.ready.length > 0) subset.addresses = g.ready.sort(compareAddresses);
      if (g.notReady.length > 0) subset.notReadyAddresses = g.notReady.sort(compareAddresses);
      if (g.ports.length > 0) subset.ports = g.ports;
      subsets.push(subset);
    }
    return subsets;
  }
}

/** Keeps at most `max` addresses, ready ones first (upstream's truncateEndpoints, simplified to subset order). */
function truncate(subsets: EndpointSubset[], max: number): { subsets: EndpointSubset[]; truncated: boolean } {
  const total = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
  if (total <= max) return { subsets, truncated: false };
  let budget = max;
  const out = subsets.map((s) => ({ ...s }));
  for (const s of out) {
    if (s.addresses) s.addresses = s.addresses.slice(0, Math.max(0, budget));
    budget -= s.addresses?.length ?? 0;
  }
  for (const s of out) {
    if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, Math.max(0, budget));
    budget -= s.notReadyAddresses?.length ?? 0;
  }
  for (const s of out) {
    if (s.addresses?.length === 0) delete s.addresses;
    if (s.notReadyAddresses?.length === 0) delete s.notReadyAddresses;
  }
  return { subsets: out.filter((s) => s.addresses || s.notReadyAddresses), truncated: true };
}

function endpointAddress(pod: Pod, svc: Service): EndpointAddress {
  const a: EndpointAddress = {
    ip: pod.status!.podIP!,
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name && svc.metadata?.namespace === pod.metadata?.namespace) a.hostname = pod.spec.hostname;
  return a;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip.localeCompare(b.ip, 'en', { numeric: true }) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
}

export function comparePorts(a: { name?: string; port?: number; protocol?: string }, b: { name?: string; port?: number; protocol?: string }): number {
  return (a.name ?? '').localeCompare(b.name ?? '') || (a.port ?? 0) - (b.port ?? 0) || (a.protocol ?? '').localeCompare(b.protocol ?? '');
}
