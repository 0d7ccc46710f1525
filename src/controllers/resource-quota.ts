// The ResourceQuota controller (upstream's "resourcequota-controller"): keeps each quota's
// status.hard equal to spec.hard and status.used equal to what the namespace consumes, for the
// resources the quota names:
//  - object counts: pods (not terminal), services, services.nodeports,
//    services.loadbalancers, configmaps, secrets, persistentvolumeclaims,
//    replicationcontrollers, resourcequotas, and `count/<resource>[.<group>]` for any
//    built-in resource;
//  - compute: requests.cpu / cpu, requests.memory / memory, limits.cpu, limits.memory,
//    (requests.|limits.)ephemeral-storage and extended `requests.<name>`, summed over pods as
//    the scheduler counts a pod (max of the init containers and the sum of the containers, plus
//    overhead);
//  - storage: requests.storage and `<class>.storageclass.storage.k8s.io/(requests.storage|
//    persistentvolumeclaims)` over PVCs;
// restricted by the quota's scopes (Terminating, NotTerminating, BestEffort, NotBestEffort,
// PriorityClass through scopeSelector), which apply to pods. The API server's admission
// enforces the quota; this controller only reports usage. A quota is recomputed whenever an
// object it counts changes in its namespace, and on a full resync period.

import { isStatusError } from '../api/errors.ts';
import { nodePortsOf, podAmount, podComputeResource, podCounts, podFormat, podInScopes, sumQuantities } from '../api/quota/pod-usage.ts';
import type { PersistentVolumeClaim, Pod, ResourceQuota, Service } from '../api/types/core-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { HasMetadata, RestClient } from '../client/rest-client.ts';
import { resources, type ResourceInfo } from '../client/resources.ts';
import { canonicalJson, objectOf, QueueController, RequeueAfter, type ControllerConfig } from './controller-utils.ts';

export interface ResourceQuotaConfig extends ControllerConfig {
  /** --resource-quota-sync-period (upstream 5 min). */
  resourceQuotaSyncPeriodMs?: number;
}

/** Plain object counts and the resource each counts. */
const COUNTED: Record<string, ResourceInfo> = {
  pods: resources.pods,
  services: resources.services,
  configmaps: resources.configmaps,
  secrets: resources.secrets,
  persistentvolumeclaims: resources.persistentvolumeclaims,
  replicationcontrollers: resources.replicationcontrollers,
  resourcequotas: resources.resourcequotas,
};

const STORAGE_CLASS_SUFFIX = '.storageclass.storage.k8s.io/';

export class ResourceQuotaController extends QueueController {
  readonly name = 'resourcequota-controller';
  private readonly quotas: SharedIndexInformer<ResourceQuota>;
  private readonly informers: SharedInformerFactory;
  private readonly watched = new Map<string, SharedIndexInformer<HasMetadata>>();
  private readonly resyncMs: number;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
    config: ResourceQuotaConfig = {},
  ) {
    super();
    this.informers = informers;
    this.resyncMs = config.resourceQuotaSyncPeriodMs ?? 300_000;
    this.quotas = informers.informerFor<ResourceQuota>(resources.resourcequotas);
    this.waitFor(this.quotas);
    this.quotas.addEventHandler({
      onAdd: (q) => this.enqueue(q),
      onUpdate: (old, q) => {
        if (canonicalJson(old.spec) !== canonicalJson(q.spec) || canonicalJson(q.spec?.hard) !== canonicalJson(q.status?.hard)) this.enqueue(q);
      },
    });
    for (const info of Object.values(COUNTED)) this.watch(info);
  }

  /** Recompute the quotas of a namespace whenever something they may count changes there. */
  private watch(info: ResourceInfo): SharedIndexInformer<HasMetadata> {
    const key = `${info.group}/${info.resource}`;
    let informer = this.watched.get(key);
    if (informer) return informer;
    informer = this.informers.informerFor<HasMetadata>(info);
    this.watched.set(key, informer);
    this.waitFor(informer);
    const touch = (obj: HasMetadata) => {
      for (const q of this.quotas.lister().namespace(obj.metadata?.namespace ?? '').list()) this.enqueue(q);
    };
    informer.addEventHandler({
      onAdd: (o, initial) => {
        if (!initial) touch(o);
      },
      onUpdate: (old, o) => {
        if (info.resource !== 'resourcequotas' || canonicalJson((old as ResourceQuota).spec) !== canonicalJson((o as ResourceQuota).spec)) touch(o);
      },
      onDelete: (o) => touch(objectOf(o)),
    });
    return informer;
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const quota = this.quotas.lister().namespace(namespace).get(name);
    if (!quota) return;
    const hard = quota.spec?.hard ?? {};
    const used: Record<string, string> = {};
    const pods = (this.watched.get('/pods')!.lister().namespace(namespace).list() as Pod[]).filter((p) => podCounts(p) && podInScopes(p, quota));
    for (const resource of Object.keys(hard)) {
      const value = await this.usage(resource, namespace, quota, pods);
      if (value !== undefined) used[resource] = value;
    }
    const status = { hard: { ...hard }, used };
    if (canonicalJson(status) !== canonicalJson(quota.status ?? {})) {
      try {
        await this.client.update<ResourceQuota>(resources.resourcequotas, { ...quota, status }, { subresource: 'status' });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    return new RequeueAfter(this.resyncMs);
  }

  /** The canonical quantity used of `resource`, or undefined when this controller does not know it. */
  private async usage(resource: string, namespace: string, quota: ResourceQuota, pods: Pod[]): Promise<string | undefined> {
    const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || (quota.spec?.scopeSelector?.matchExpressions?.length ?? 0) > 0;
    const list = <T extends HasMetadata>(r: string) => this.watched.get(`/${r}`)!.lister().namespace(namespace).list() as T[];
    if (resource === 'pods' || resource === 'count/pods') return String(pods.length);
    const podResource = podComputeResource(resource);
    if (podResource) return sumQuantities(pods.map((p) => podAmount(p, podResource.kind, podResource.name)), podFormat(pods, podResource.kind, podResource.name));
    if (scoped) return undefined; // scopes restrict quotas to pod resources
    if (resource in COUNTED) return String(list(resource).length);
    if (resource === 'services.nodeports') return String(list<Service>('services').reduce((n, s) => n + nodePortsOf(s), 0));
    if (resource === 'services.loadbalancers') return String(list<Service>('services').filter((s) => s.spec?.type === 'LoadBalancer').length);
    if (resource === 'requests.storage') return sumQuantities(list<PersistentVolumeClaim>('persistentvolumeclaims').map((c) => c.spec?.resources?.requests?.storage));
    if (resource.includes(STORAGE_CLASS_SUFFIX)) {
      const [cls, what] = resource.split(STORAGE_CLASS_SUFFIX);
      const claims = list<PersistentVolumeClaim>('persistentvolumeclaims').filter((c) => (c.spec?.storageClassName ?? '') === cls);
      if (what === 'persistentvolumeclaims') return String(claims.length);
      if (what === 'requests.storage') return sumQuantities(claims.map((c) => c.spec?.resources?.requests?.storage));
      return undefined;
    }
    const count = /^count\/([^.]+)(?:\.(.+))?$/.exec(resource);
    if (count) {
      const info = Object.values(resources).find((r) => r.resource === count[1] && r.group === (count[2] ?? '') && r.namespaced);
      if (!info) return undefined;
      if (this.watched.has(`${info.group}/${info.resource}`)) return String(list(info.resource).length);
      const items = await this.client.list<HasMetadata>(info, { namespace });
      return String(items.items.length);
    }
    return undefined;
  }
}

