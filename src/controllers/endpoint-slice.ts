// The EndpointSlice controller (upstream's pkg/controller/endpointslice): for every Service
// with a selector, EndpointSlices (label `kubernetes.io/service-name`, managed-by
// `endpointslice-controller.k8s.io`, owned by the Service) holding the selected pods as
// endpoints with ready/serving/terminating conditions, grouped by resolved port set, at most
// maxEndpointsPerSlice (100) per slice. Existing slices are reused in place where possible;
// a Service that selects nothing keeps one empty placeholder slice, as upstream. Below it, the
// mirroring controller that turns hand-made Endpoints of selector-less Services into slices.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromSet, matches } from '../api/labels.ts';
import type { OwnerReference } from '../api/meta.ts';
import type { EndpointAddress, Endpoints, Pod, Service } from '../api/types/core-v1.ts';
import type { AddressType, Endpoint, EndpointPort, EndpointSlice } from '../api/types/discovery-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, controllerRefOf, isPodReady, objectOf, QueueController, RequeueAfter, type ControllerConfig } from './controller-utils.ts';
import { comparePorts, findPort, hasSelector, HEADLESS_LABEL, podHandlers, shouldPodBeInEndpoints } from './endpoints.ts';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
/** Upstream's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** How soon a sync that found the slice cache behind its own writes looks again. */
const STALE_CACHE_RETRY_MS = 100;

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
  private readonly tracker = new SliceTracker();

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

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    if (this.tracker.stale(key, (slice) => this.slices.namespace(namespace).get(slice))) return new RequeueAfter(STALE_CACHE_RETRY_MS);
    const w: SliceWriter = { client: this.client, tracker: this.tracker, serviceKey: key };
    const svc = this.services.namespace(namespace).get(name);
    const owned = this.slices.namespace(namespace).list({ [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY });
    if (!svc) {
      for (const s of owned) await deleteSlice(w, s);
      return;
    }
    if (svc.spec?.type === 'ExternalName' || !hasSelector(svc)) return;

    const addressType = addressTypeOf(svc);
    const desired = this.desiredSlices(svc, addressType);
    const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';

    const owner = { apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true };
    await reconcileSlices(w, { namespace, name, addressType, labels, owner, owned, desired });
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

/**
 * The slices a controller wrote and deleted, per Service, until its informer shows them
 * (upstream's endpointSliceTracker): acting on a cache that has not caught up would create
 * duplicate slices.
 */
export class SliceTracker {
  /** Service key → slice name → resourceVersion written (0: deleted). */
  private readonly writes = new Map<string, Map<string, number>>();

  record(serviceKey: string, sliceName: string, resourceVersion: number): void {
    let m = this.writes.get(serviceKey);
    if (!m) this.writes.set(serviceKey, (m = new Map()));
    m.set(sliceName, resourceVersion);
  }

  /** True while the cache lacks one of our writes; writes the cache shows are forgotten. */
  stale(serviceKey: string, cached: (sliceName: string) => EndpointSlice | undefined): boolean {
    const m = this.writes.get(serviceKey);
    if (!m) return false;
    let stale = false;
    for (const [name, rv] of m) {
      const c = cached(name);
      const seen = rv === 0 ? !c : !!c && Number(c.metadata?.resourceVersion ?? 0) >= rv;
      if (seen) m.delete(name);
      else stale = true;
    }
    if (m.size === 0) this.writes.delete(serviceKey);
    return stale;
  }
}

/** How a sync writes slices: the client, and the tracker that remembers what it wrote. */
interface SliceWriter {
  client: RestClient;
  tracker: SliceTracker;
  serviceKey: string;
}

async function deleteSlice(w: SliceWriter, s: EndpointSlice): Promise<void> {
  try {
    await w.client.delete(resources.endpointslices, s.metadata!.name!, { namespace: s.metadata?.namespace });
  } catch (err) {
    if (!isStatusError(err, 'NotFound')) throw err;
  }
  w.tracker.record(w.serviceKey, s.metadata!.name!, 0);
}

interface SliceSet {
  namespace: string;
  /** The Service name: slices are generated as `<name>-xxxxx`. */
  name: string;
  addressType: AddressType;
  labels: Record<string, string>;
  owner: OwnerReference;
  /** The slices this controller already manages for the Service. */
  owned: EndpointSlice[];
  desired: DesiredSlice[];
}

/**
 * Makes the managed slices match `desired`: slices of another address type or owner go;
 * existing slices are rewritten in place (those with the same port set first), missing ones
 * created, surplus ones deleted; unchanged slices are not written.
 */
async function reconcileSlices(w: SliceWriter, set: SliceSet): Promise<void> {
  const mine = set.owned.filter((s) => s.addressType === set.addressType && controllerRefOf(s)?.uid === set.owner.uid);
  for (const s of set.owned) if (!mine.includes(s)) await deleteSlice(w, s);
  const unused = [...mine].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const take = (ports: EndpointPort[]): EndpointSlice | undefined => {
    const want = canonicalJson(ports);
    let i = unused.findIndex((s) => canonicalJson([...(s.ports ?? [])].sort(comparePorts)) === want);
    if (i < 0) i = unused.length > 0 ? 0 : -1;
    return i < 0 ? undefined : unused.splice(i, 1)[0];
  };
  for (const d of set.desired) {
    const slice = take(d.ports);
    const body: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: slice
        ? { ...slice.metadata, labels: set.labels }
        : { generateName: `${set.name}-`, namespace: set.namespace, labels: set.labels, ownerReferences: [set.owner] },
      addressType: set.addressType,
      endpoints: d.endpoints,
      ports: d.ports,
    };
    try {
      let written: EndpointSlice | undefined;
      if (!slice) written = await w.client.create<EndpointSlice>(resources.endpointslices, body, { namespace: set.namespace });
      else if (!sameSlice(slice, body)) written = await w.client.update<EndpointSlice>(resources.endpointslices, body);
      if (written) w.tracker.record(w.serviceKey, written.metadata!.name!, Number(written.metadata?.resourceVersion ?? 0));
    } catch (err) {
      if (isStatusError(err, 'Forbidden') && !slice) return; // namespace going away
      throw err;
    }
  }
  for (const s of unused) await deleteSlice(w, s);
}

export const MIRRORING_MANAGED_BY = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
/** Upstream's --mirroring-max-endpoints-per-subset. */
const MIRRORING_MAX_ENDPOINTS_PER_SUBSET = 1000;

/**
 * The EndpointSlice mirroring controller (upstream's endpointslicemirroring): Endpoints that
 * users manage for a Service without a selector are mirrored into EndpointSlices (owned by
 * the Endpoints, managed-by `endpointslicemirroring-controller.k8s.io`), so slice readers
 * such as kube-proxy see them too. Endpoints labelled skip-mirror are left alone.
 */
export class EndpointSliceMirroringController extends QueueController {
  readonly name = 'endpointslicemirroring';
  private readonly services: Lister<Service>;
  private readonly endpoints: Lister<Endpoints>;
  private readonly slices: Lister<EndpointSlice>;
  private readonly maxPerSlice: number;
  private readonly tracker = new SliceTracker();

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
    config: ControllerConfig = {},
  ) {
    super();
    this.maxPerSlice = typeof config.maxEndpointsPerSlice === 'number' ? config.maxEndpointsPerSlice : MAX_ENDPOINTS_PER_SLICE;
    const svcInformer = informers.informerFor<Service>(resources.services);
    const epInformer = informers.informerFor<Endpoints>(resources.endpoints);
    const sliceInformer = informers.informerFor<EndpointSlice>(resources.endpointslices);
    this.services = svcInformer.lister();
    this.endpoints = epInformer.lister();
    this.slices = sliceInformer.lister();
    this.waitFor(svcInformer, epInformer, sliceInformer);
    svcInformer.addEventHandler({ onAdd: (o) => this.enqueue(o), onUpdate: (_x, o) => this.enqueue(o), onDelete: (o) => this.enqueue(objectOf(o)) });
    epInformer.addEventHandler({ onAdd: (o) => this.enqueue(o), onUpdate: (_x, o) => this.enqueue(o), onDelete: (o) => this.enqueue(objectOf(o)) });
    const sliceChanged = (slice: EndpointSlice) => {
      if (slice.metadata?.labels?.[MANAGED_BY_LABEL] !== MIRRORING_MANAGED_BY) return;
      const svc = slice.metadata.labels[SERVICE_NAME_LABEL];
      if (svc) this.queue.add(`${slice.metadata.namespace}/${svc}`);
    };
    sliceInformer.addEventHandler({ onUpdate: (_o, s) => sliceChanged(s), onDelete: (o) => sliceChanged(objectOf(o)) });
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    if (this.tracker.stale(key, (slice) => this.slices.namespace(namespace).get(slice))) return new RequeueAfter(STALE_CACHE_RETRY_MS);
    const w: SliceWriter = { client: this.client, tracker: this.tracker, serviceKey: key };
    const svc = this.services.namespace(namespace).get(name);
    const ep = this.endpoints.namespace(namespace).get(name);
    const owned = this.slices.namespace(namespace).list({ [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY });
    const mirror = svc && ep && !hasSelector(svc) && ep.metadata?.labels?.[SKIP_MIRROR_LABEL] !== 'true';
    if (!mirror) {
      for (const s of owned) await deleteSlice(w, s);
      return;
    }
    const labels: Record<string, string> = { ...(ep.metadata?.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY };
    const owner = { apiVersion: 'v1', kind: 'Endpoints', name, uid: ep.metadata!.uid!, controller: true, blockOwnerDeletion: true };
    for (const addressType of ['IPv4', 'IPv6'] as const) {
      const desired = this.desiredSlices(ep, addressType);
      const ofType = owned.filter((s) => s.addressType === addressType);
      if (desired.length === 0) {
        for (const s of ofType) await deleteSlice(w, s);
        continue;
      }
      await reconcileSlices(w, { namespace, name, addressType, labels, owner, owned: ofType, desired });
    }
  }

  private desiredSlices(ep: Endpoints, addressType: AddressType): DesiredSlice[] {
    const out: DesiredSlice[] = [];
    for (const subset of ep.subsets ?? []) {
      const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })).sort(comparePorts);
      const endpoints: Endpoint[] = [];
      const add = (a: EndpointAddress, ready: boolean) => {
        if (a.ip.includes(':') !== (addressType === 'IPv6')) return;
        const e: Endpoint = { addresses: [a.ip], conditions: { ready } };
        if (a.hostname) e.hostname = a.hostname;
        if (a.nodeName) e.nodeName = a.nodeName;
        if (a.targetRef) e.targetRef = a.targetRef;
        endpoints.push(e);
      };
      for (const a of subset.addresses ?? []) add(a, true);
      for (const a of subset.notReadyAddresses ?? []) add(a, false);
      const kept = endpoints.slice(0, MIRRORING_MAX_ENDPOINTS_PER_SUBSET);
      for (let i = 0; i < kept.length; i += this.maxPerSlice) out.push({ ports, endpoints: kept.slice(i, i + this.maxPerSlice) });
    }
    return out;
  }
}
