// Two small per-namespace controllers upstream runs beside each other:
//  - the ServiceAccounts controller keeps a `default` ServiceAccount in every active namespace;
//  - the root CA publisher keeps the `kube-root-ca.crt` ConfigMap (key `ca.crt`: the
//    cluster CA, from ControllerConfig.rootCA) in every active namespace.

import { isStatusError } from '../api/errors.ts';
import type { ConfigMap, Namespace, ServiceAccount } from '../api/types/core-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { objectOf, QueueController, type ControllerConfig } from './controller-utils.ts';

export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

function isActive(ns: Namespace | undefined): ns is Namespace {
  return !!ns && !ns.metadata?.deletionTimestamp && ns.status?.phase !== 'Terminating';
}

/** Creation refused because the namespace is going away: nothing to do. */
function namespaceGoing(err: unknown): boolean {
  return isStatusError(err, 'Forbidden') || isStatusError(err, 'NotFound');
}

export class ServiceAccountsController extends QueueController {
  readonly name = 'serviceaccount';
  private readonly namespaces: Lister<Namespace>;
  private readonly accounts: Lister<ServiceAccount>;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
  ) {
    super();
    const nsInformer = informers.informerFor<Namespace>(resources.namespaces);
    const saInformer = informers.informerFor<ServiceAccount>(resources.serviceaccounts);
    this.namespaces = nsInformer.lister();
    this.accounts = saInformer.lister();
    this.waitFor(nsInformer, saInformer);
    nsInformer.addEventHandler({ onAdd: (ns) => this.enqueue(ns), onUpdate: (_o, ns) => this.enqueue(ns) });
    saInformer.addEventHandler({
      onDelete: (obj) => {
        const sa = objectOf(obj);
        if (sa.metadata?.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace) this.queue.add(sa.metadata.namespace);
      },
    });
  }

  async sync(namespace: string): Promise<void> {
    if (!isActive(this.namespaces.get(namespace))) return;
    if (this.accounts.namespace(namespace).get(DEFAULT_SERVICE_ACCOUNT)) return;
    try {
      await this.client.create<ServiceAccount>(resources.serviceaccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace } }, { namespace });
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists') || namespaceGoing(err)) return;
      throw err;
    }
  }
}

export class RootCACertPublisher extends QueueController {
  readonly name = 'root-ca-certificate-publisher';
  private readonly namespaces: Lister<Namespace>;
  private readonly configMaps: Lister<ConfigMap>;
  private readonly rootCA: string | undefined;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
    config: ControllerConfig = {},
  ) {
    super();
    this.rootCA = config.rootCA;
    const nsInformer = informers.informerFor<Namespace>(resources.namespaces);
    const cmInformer = informers.informerFor<ConfigMap>(resources.configmaps);
    this.namespaces = nsInformer.lister();
    this.configMaps = cmInformer.lister();
    this.waitFor(nsInformer, cmInformer);
    nsInformer.addEventHandler({ onAdd: (ns) => this.enqueue(ns), onUpdate: (_o, ns) => this.enqueue(ns) });
    const cmChanged = (cm: ConfigMap) => {
      if (cm.metadata?.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) this.queue.add(cm.metadata.namespace);
    };
    cmInformer.addEventHandler({ onUpdate: (_o, cm) => cmChanged(cm), onDelete: (obj) => cmChanged(objectOf(obj)) });
  }

  async sync(namespace: string): Promise<void> {
    if (!this.rootCA) return;
    if (!isActive(this.namespaces.get(namespace))) return;
    const current = this.configMaps.namespace(namespace).get(ROOT_CA_CONFIGMAP);
    const data = { 'ca.crt': this.rootCA };
    try {
      if (!current) {
        await this.client.create<ConfigMap>(
          resources.configmaps,
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } }, data },
          { namespace },
        );
        return;
      }
      const described = current.metadata?.annotations?.['kubernetes.io/description'] === ROOT_CA_DESCRIPTION;
      if (current.data?.['ca.crt'] === this.rootCA && Object.keys(current.data ?? {}).length === 1 && described) return;
      await this.client.update<ConfigMap>(resources.configmaps, {
        ...current,
        metadata: { ...current.metadata, annotations: { ...(current.metadata?.annotations ?? {}), 'kubernetes.io/description': ROOT_CA_DESCRIPTION } },
        data,
      });
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists') || namespaceGoing(err)) return;
      throw err;
    }
  }
}
