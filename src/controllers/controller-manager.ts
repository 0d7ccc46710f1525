// Other controllers register in CONTROLLERS below.
//
// The controller manager (upstream's kube-controller-manager): picks controllers by
// `--controllers` ('*' = every controller on by default, 'foo' = turn foo on, '-foo' = turn
// it off; the first entry naming a controller wins), campaigns for the Lease
// kube-system/kube-controller-manager, and while it leads runs the chosen controllers over
// one shared informer factory, each with its own event recorder and worker count.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import { EventRecorder } from '../client/event-recorder.ts';
import { LeaderElector } from '../client/leader-election.ts';
import type { RestClient } from '../client/rest-client.ts';
import type { Controller, ControllerConfig, ControllerConstructor } from './controller-utils.ts';
import { DeploymentController } from './deployment.ts';
import { CronJobController } from './cron-job.ts';
import { DaemonSetController } from './daemon-set.ts';
import { DisruptionController } from './disruption.ts';
import { JobController } from './job.ts';
import { NodeLifecycleController } from './node-lifecycle.ts';
import { PodGCController } from './pod-gc.ts';
import { PersistentVolumeBinderController } from './pv-binder.ts';
import { ResourceQuotaController } from './resource-quota.ts';
import { StatefulSetController } from './stateful-set.ts';
import { TtlAfterFinishedController } from './ttl-after-finished.ts';
import { EndpointsController } from './endpoints.ts';
import { EndpointSliceController, EndpointSliceMirroringController } from './endpoint-slice.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { NamespaceController } from './namespace.ts';
import { ReplicaSetController } from './replica-set.ts';
import { ReplicationControllerController } from './replication-controller.ts';
import { RootCACertPublisher, ServiceAccountsController } from './service-account.ts';

export interface ControllerRegistration {
  /** Upstream's name, as `--controllers` spells it. */
  name: string;
  ctor: ControllerConstructor;
  /** `source.component` of the events it records, e.g. `replicaset-controller`. */
  eventComponent: string;
  /** Upstream's --concurrent-*-syncs default. */
  workers: number;
  /** Left out of '*' (upstream: bootstrapsigner, tokencleaner…). */
  disabledByDefault?: boolean;
}

export function controller(name: string, ctor: ControllerConstructor, eventComponent: string, workers = 5, disabledByDefault = false): ControllerRegistration {
  return { name, ctor, eventComponent, workers, disabledByDefault };
}

export const CONTROLLERS: ControllerRegistration[] = [
  controller('replicaset', ReplicaSetController, 'replicaset-controller', 5),
  controller('replicationcontroller', ReplicationControllerController, 'replication-controller', 5),
  controller('deployment', DeploymentController, 'deployment-controller', 5),
  controller('garbagecollector', GarbageCollector, 'garbage-collector-controller', 20),
  controller('namespace', NamespaceController, 'namespace-controller', 10),
  controller('serviceaccount', ServiceAccountsController, 'service-account-controller', 5),
  controller('root-ca-certificate-publisher', RootCACertPublisher, 'root-ca-cert-publisher', 5),
  controller('endpoint', EndpointsController, 'endpoint-controller', 5),
  controller('endpointslice', EndpointSliceController, 'endpoint-slice-controller', 5),
  controller('endpointslicemirroring', EndpointSliceMirroringController, 'endpoint-slice-mirroring-controller', 5),
  controller('job', JobController, 'job-controller', 5),
  controller('cronjob', CronJobController, 'cronjob-controller', 5),
  controller('ttl-after-finished', TtlAfterFinishedController, 'ttl-after-finished-controller', 5),
  controller('daemonset', DaemonSetController, 'daemonset-controller', 2),
  controller('statefulset', StatefulSetController, 'statefulset-controller', 5),
  controller('nodelifecycle', NodeLifecycleController, 'node-controller', 4),
  controller('podgc', PodGCController, 'pod-garbage-collector', 1),
  controller('resourcequota', ResourceQuotaController, 'resource-quota-controller', 5),
  controller('disruption', DisruptionController, 'controllermanager', 1),
  controller('persistentvolume-binder', PersistentVolumeBinderController, 'persistentvolume-controller', 1),
];

/** Upstream's --concurrent-*-syncs flags, and the controller whose worker count each sets. */
export const CONCURRENCY_FLAGS: Record<string, string> = {
  'concurrent-replicaset-syncs': 'replicaset',
  'concurrent-rc-syncs': 'replicationcontroller',
  'concurrent-deployment-syncs': 'deployment',
  'concurrent-gc-syncs': 'garbagecollector',
  'concurrent-namespace-syncs': 'namespace',
  'concurrent-endpoint-syncs': 'endpoint',
  'concurrent-service-endpoint-syncs': 'endpointslice',
  'mirroring-concurrent-service-endpoint-syncs': 'endpointslicemirroring',
  'concurrent-job-syncs': 'job',
  'concurrent-cron-job-syncs': 'cronjob',
  'concurrent-ttl-after-finished-syncs': 'ttl-after-finished',
  'concurrent-daemonset-syncs': 'daemonset',
  'concurrent-statefulset-syncs': 'statefulset',
  'concurrent-resource-quota-syncs': 'resourcequota',
};

/** Worker counts by controller name from parsed flag values (`{ 'concurrent-gc-syncs': 30 }`). */
export function workersFromFlags(values: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [flag, name] of Object.entries(CONCURRENCY_FLAGS)) {
    const v = Number(values[flag]);
    if (values[flag] !== undefined && Number.isInteger(v) && v > 0) out[name] = v;
  }
  return out;
}

/** Upstream's IsControllerEnabled: the first entry that names the controller decides; else '*' decides. */
export function isControllerEnabled(name: string, selection: string[], disabledByDefault = false): boolean {
  let star = false;
  for (const entry of selection) {
    if (entry === name) return true;
    if (entry === `-${name}`) return false;
    if (entry === '*') star = true;
  }
  return star && !disabledByDefault;
}

/**
 * The controllers `--controllers` selects, in registry order. Entries may be given as one
 * comma-separated string or a list; an unknown name is an error, as upstream.
 */
export function resolveControllers(selection: string | string[] = ['*'], registry: ControllerRegistration[] = CONTROLLERS): string[] {
  const entries = (Array.isArray(selection) ? selection : [selection])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const known = new Set(registry.map((r) => r.name));
  for (const entry of entries) {
    if (entry === '*') continue;
    const name = entry.startsWith('-') ? entry.slice(1) : entry;
    if (!known.has(name)) throw new Error(`"${name}" is not in the list of known controllers`);
  }
  return registry.filter((r) => isControllerEnabled(r.name, entries, r.disabledByDefault)).map((r) => r.name);
}

export interface ControllerManagerOptions {
  client: RestClient;
  /** `--controllers`; default `*`. */
  controllers?: string | string[];
  /** `--leader-elect`; default true. */
  leaderElect?: boolean;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Worker counts by controller name, overriding the registry's defaults. */
  workers?: Record<string, number>;
  config?: ControllerConfig;
  /** Informer resync period (upstream's --min-resync-period is 12 h; 0 = never). */
  resyncMs?: number;
  registry?: ControllerRegistration[];
  log?: (line: string) => void;
}

export class ControllerManager {
  readonly names: string[];
  private readonly opts: ControllerManagerOptions;
  private elector: LeaderElector | undefined;
  private informers: SharedInformerFactory | undefined;
  private running: { controller: Controller; recorder: EventRecorder; done: Promise<void> }[] = [];
  private stopped = false;

  constructor(opts: ControllerManagerOptions) {
    this.opts = opts;
    this.names = resolveControllers(opts.controllers ?? ['*'], opts.registry ?? CONTROLLERS);
  }

  /** Starts campaigning (or, without leader election, the controllers); returns at once. */
  start(): void {
    if (this.opts.leaderElect === false) {
      this.startControllers();
      return;
    }
    const identity = this.opts.identity ?? `${hostname()}_${randomUUID()}`;
    this.elector = new LeaderElector({
      client: this.opts.client,
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      identity,
      // Unset timings must stay absent, so the elector's defaults apply.
      ...definedOnly({ leaseDurationMs: this.opts.leaseDurationMs, renewDeadlineMs: this.opts.renewDeadlineMs, retryPeriodMs: this.opts.retryPeriodMs }),
      onStartedLeading: () => {
        this.log(`controller-manager: ${identity} became leader`);
        this.startControllers();
      },
      onStoppedLeading: () => {
        if (!this.stopped) this.log(`controller-manager: leader election lost`);
        void this.stopControllers();
      },
      onError: (err) => this.log(`controller-manager: leader election: ${(err as Error)?.message ?? err}`),
    });
    void this.elector.run();
  }

  get controllers(): Controller[] {
    return this.running.map((r) => r.controller);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.stopControllers();
    await this.elector?.stop();
  }

  private startControllers(): void {
    if (this.stopped || this.informers) return;
    const client = this.opts.client;
    const informers = new SharedInformerFactory(client, { defaultResyncMs: this.opts.resyncMs ?? 0 });
    this.informers = informers;
    const registry = this.opts.registry ?? CONTROLLERS;
    for (const name of this.names) {
      const reg = registry.find((r) => r.name === name)!;
      const recorder = new EventRecorder({ client, component: reg.eventComponent });
      const controller = new reg.ctor(informers, client, recorder, this.opts.config ?? {});
      const workers = this.opts.workers?.[name] ?? reg.workers;
      const done = controller.run(workers).catch((err) => this.log(`controller ${name} stopped: ${(err as Error)?.message ?? err}`));
      this.running.push({ controller, recorder, done });
    }
    informers.start();
    this.log(`controller-manager: started ${this.names.join(', ')}`);
  }

  private async stopControllers(): Promise<void> {
    const running = this.running.splice(0);
    for (const r of running) r.controller.stop();
    await Promise.all(running.map((r) => r.done));
    await Promise.all(running.map((r) => r.recorder.stop()));
    await this.informers?.stop();
    this.informers = undefined;
  }

  private log(line: string): void {
    (this.opts.log ?? (() => {}))(line);
  }
}

function definedOnly<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
