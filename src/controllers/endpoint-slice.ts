// The EndpointSlice controller (upstream's pkg/controller/endpointslice): for every Service
// with a selector, EndpointSlices (label `kubernetes.io/service-name`, managed-by
// `endpointslice-controller.k8s.io`, owned by the Service) holding the selected pods as
// endpoints with ready/serving/terminating conditions, grouped by resolved port set, at most
// maxEndpointsPerSlice (100) per slice. Existing slices are reused in place where possible;
// a Service that selects nothing keeps one empty placeholder slice, as upstream.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromSet, matches } from '../api/labels.ts';
import type { Pod, Service } from '../api/types/core-v1.ts';
import type { AddressType, Endpoint, EndpointPort, EndpointSlice } from '../api/types/discovery-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, controllerRefOf, isPodReady, objectOf, QueueController, type ControllerConfig } from './controller-utils.ts';
import { comparePorts, findPort, hasSelector, HEADLESS_LABEL, podHandlers, shouldPodBeInEndpoints } from './endpoints.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Upstream's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

interface DesiredSlice {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

export class EndpointSliceController extends QueueController {
  readonly name = 'endpointslice';
  private readonly services: Lister<Service>;
  private readonly pods: Lister<Pod>;
  private readonly slices: Lister<EndpointSlice>;
  private readonly maxPerSlice: number;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
    config: ControllerConfig = {},
  ) {
    super();
    this.maxPerSlice = typeof config.maxEndpointsPerSlice === 'number' ? config.maxEndpointsPerSlice : MAX_ENDPOINTS_PER_SLICE;
    const svcInformer = informers.informerFor<Service>(resources.services);
    const podInformer = informers.informerFor<Pod>(resources.pods);
    const sliceInformer = informers.informerFor<EndpointSlice>(resources.endpointslices);
    this.services = svcInformer.lister();
    this.pods = podInformer.lister();
    this.slices = sliceInformer.lister();
    this.waitFor(svcInformer, podInformer, sliceInformer);
    svcInformer.addEventHandler({ onAdd: (s) => this.enqueue(s), onUpdate: (_o, s) => this.enqueue(s), onDelete: (o) => this.enqueue(objectOf(o)) });
    podInformer.addEventHandler(podHandlers(this.services, (s) => this.enqueue(s)));
    // Slices changed or deleted by someone else are put right.
    const sliceChanged = (slice: EndpointSlice) => {
      if (slice.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY) return;
      const svc = slice.metadata.labels[SERVICE_NAME_LABEL];
      if (svc) this.queue.add(`${slice.metadata.namespace}/${svc}`);
    };
    sliceInformer.addEventHandler({ onUpdate: (_o, s) => sliceChanged(s), onDelete: (o) => sliceChanged(objectOf(o)) });
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = key.split('/');
    const svc = this.services.namespace(namespace).get(name);
    const owned = this.slices.namespace(namespace).list({ [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY });
    if (!svc) {
      for (const s of owned) await this.deleteSlice(s);
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return;

    const addressType = addressTypeOf(svc);
    const desired = this.desiredSlices(svc, addressType);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';

    // Slices of another address type, or owned by an older Service of this name, go.
    const mine = owned.filter((s) => s.addressType === addressType && controllerRefOf(s)?.uid === svc.metadata?.uid);
    for (const s of owned) if (!mine.includes(s)) await this.deleteSlice(s);

    // Reuse slices with the same port set first, then any other, in name order.
    const unused = [...mine].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const take = (ports: EndpointPort[]): EndpointSlice | undefined => {
      const want = canonicalJson(ports);
      let i = unused.findIndex((s) => canonicalJson([...(s.ports ?? [])].sort(comparePorts)) === want);
      if (i < 0) i = unused.length > 0 ? 0 : -1;
      return i < 0 ? undefined : unused.splice(i, 1)[0];
    };
    const assignments = desired.map((d) => ({ d, slice: take(d.ports) }));
    for (const { d, slice } of assignments) {
      const body: EndpointSlice = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: slice
          ? { ...slice.metadata, labels }
          : {
              generateName: `${name}-`,
              namespace,
              labels,
              ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
            },
        addressType,
        endpoints: d.endpoints,
        ports: d.ports,
      };
      try {
        if (!slice) {
          await this.client.create(resources.endpointslices, body, { namespace });
        } else if (!sameSlice(slice, body)) {
          await this.client.update(resources.endpointslices, body);
        }
      } catch (err) {
        if (isStatusError(err, 'Forbidden') && !slice) return; // namespace going away
        throw err;
      }
    }
    for (const s of unused) await this.deleteSlice(s);
  }

  private desiredSlices(svc: Service, addressType: AddressType): DesiredSlice[] {
    const selector = labelSelectorFromSet(svc.spec!.selector!);
    const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
    const groups = new Map<string, DesiredSlice>();
    for (const pod of this.pods.namespace(svc.metadata?.namespace ?? '').list()) {
      if (!matches(selector, pod.metadata?.labels)) continue;
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ip = podIPOf(pod, addressType);
      if (!ip) continue;
      const ports: EndpointPort[] = [];
      for (const sp of svc.spec?.ports ?? []) {
        const port = findPort(pod, sp);
        if (port === undefined) continue;
        const ep: EndpointPort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
        if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
        ports.push(ep);
      }
      ports.sort(comparePorts);
      const key = canonicalJson(ports);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { ports, endpoints: [] }));
      g.endpoints.push(endpointFor(pod, ip, svc, publishNotReady));
    }
    const out: DesiredSlice[] = [];
    for (const [, g] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      g.endpoints.sort((a, b) => a.addresses[0].localeCompare(b.addresses[0], 'en', { numeric: true }));
      for (let i = 0; i < g.endpoints.length; i += this.maxPerSlice) out.push({ ports: g.ports, endpoints: g.endpoints.slice(i, i + this.maxPerSlice) });
    }
    // A Service with no endpoints still has one (empty) slice.
    if (out.length === 0) out.push({ ports: [], endpoints: [] });
    return out;
  }

  private async deleteSlice(s: EndpointSlice): Promise<void> {
    try {
      await this.client.delete(resources.endpointslices, s.metadata!.name!, { namespace: s.metadata?.namespace });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}

function addressTypeOf(svc: Service): AddressType {
  return svc.spec?.ipFamilies?.[0] === 'IPv6' ? 'IPv6' : 'IPv4';
}

function podIPOf(pod: Pod, type: AddressType): string | undefined {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).concat(pod.status?.podIP ? [pod.status.podIP] : []);
  return ips.find((ip) => (type === 'IPv6' ? ip.includes(':') : !ip.includes(':')));
}

function endpointFor(pod: Pod, ip: string, svc: Service, publishNotReady: boolean): Endpoint {
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ready = isPodReady(pod);
  const ep: Endpoint = {
    addresses: [ip],
    conditions: { ready: publishNotReady || (ready && !terminating), serving: ready, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (pod.spec?.hostname && pod.spec.subdomain === svc.metadata?.name) ep.hostname = pod.spec.hostname;
  return ep;
}

function sameSlice(current: EndpointSlice, desired: EndpointSlice): boolean {
  return (
    canonicalJson(current.endpoints ?? []) === canonicalJson(desired.endpoints) &&
    canonicalJson([...(current.ports ?? [])].sort(comparePorts)) === canonicalJson(desired.ports ?? []) &&
    canonicalJson(current.metadata?.labels ?? {}) === canonicalJson(desired.metadata?.labels ?? {})
  );
}
