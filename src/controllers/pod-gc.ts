// The pod garbage collector (upstream's "pod-garbage-collector-controller"). Every period it:
//  1. deletes the oldest terminated (Succeeded / Failed) pods beyond
//     --terminated-pod-gc-threshold (upstream 12500);
//  2. force-deletes terminating pods on not-Ready nodes tainted
//     `node.kubernetes.io/out-of-service`;
//  3. force-deletes pods bound to nodes that no longer exist (confirmed with a live read of
//     the node after a quarantine, so a node informer lagging behind does not kill pods),
//     marking them Failed with a DisruptionTarget condition first;
//  4. force-deletes terminating pods that were never scheduled.
// The whole pass is one sync of the key `pods`.

import { isStatusError } from '../api/errors.ts';
import { nowRfc3339 } from '../api/meta.ts';
import type { Node, Pod } from '../api/types/core-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { QueueController, RequeueAfter, updateWithRetry, type ControllerConfig } from './controller-utils.ts';

export const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';
const GC_KEY = 'pods';

export interface PodGCConfig extends ControllerConfig {
  /** upstream's gcCheckPeriod: 20 s. */
  podGCPeriodMs?: number;
  /** --terminated-pod-gc-threshold: 12500; ≤ 0 turns terminated-pod collection off. */
  terminatedPodGCThreshold?: number;
  /** How long a pod's node must be missing before it is collected (upstream: 40 s). */
  orphanQuarantineMs?: number;
}

export class PodGCController extends QueueController {
  readonly name = 'pod-garbage-collector';
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly nodes: SharedIndexInformer<Node>;
  private readonly periodMs: number;
  private readonly threshold: number;
  private readonly quarantineMs: number;
  /** Node name → when we first saw pods bound to it while it was missing. */
  private readonly missingSince = new Map<string, number>();

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
    config: PodGCConfig = {},
  ) {
    super();
    this.periodMs = config.podGCPeriodMs ?? 20_000;
    this.threshold = config.terminatedPodGCThreshold ?? 12_500;
    this.quarantineMs = config.orphanQuarantineMs ?? 40_000;
    this.pods = informers.informerFor<Pod>(resources.pods);
    this.nodes = informers.informerFor<Node>(resources.nodes);
    this.waitFor(this.pods, this.nodes);
  }

  protected override async onSynced(): Promise<void> {
    this.queue.add(GC_KEY);
  }

  async sync(_key: string): Promise<void | RequeueAfter> {
    const pods = this.pods.lister().list();
    await this.gcTerminated(pods);
    await this.gcOutOfService(pods);
    await this.gcOrphaned(pods);
    await this.gcUnscheduledTerminating(pods);
    return new RequeueAfter(this.periodMs);
  }

  private async gcTerminated(pods: Pod[]): Promise<void> {
    if (this.threshold <= 0) return;
    const terminated = pods.filter((p) => (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') && !p.metadata?.deletionTimestamp);
    const excess = terminated.length - this.threshold;
    if (excess <= 0) return;
    terminated.sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    for (const pod of terminated.slice(0, excess)) await this.forceDelete(pod);
  }

  private async gcOutOfService(pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      if (!pod.metadata?.deletionTimestamp || !pod.spec?.nodeName) continue;
      const node = this.nodes.lister().get(pod.spec.nodeName);
      if (!node) continue;
      const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      if (!ready && node.spec?.taints?.some((t) => t.key === OUT_OF_SERVICE_TAINT && t.effect === 'NoExecute')) await this.forceDelete(pod);
    }
  }

  private async gcOrphaned(pods: Pod[]): Promise<void> {
    const now = Date.now();
    const missing = new Set<string>();
    for (const pod of pods) {
      const nodeName = pod.spec?.nodeName;
      if (nodeName && !this.nodes.lister().get(nodeName)) missing.add(nodeName);
    }
    for (const name of this.missingSince.keys()) if (!missing.has(name)) this.missingSince.delete(name);
    const confirmed = new Set<string>();
    for (const name of missing) {
      const since = this.missingSince.get(name);
      if (since === undefined) {
        this.missingSince.set(name, now);
        continue;
      }
      if (now - since < this.quarantineMs) continue;
      try {
        await this.client.get<Node>(resources.nodes, name);
        this.missingSince.delete(name); // the informer was behind: the node exists
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
        confirmed.add(name);
      }
    }
    for (const pod of pods) {
      if (pod.spec?.nodeName && confirmed.has(pod.spec.nodeName)) await this.forceDelete(pod, 'PodGC: node no longer exists');
    }
  }

  private async gcUnscheduledTerminating(pods: Pod[]): Promise<void> {
    for (const pod of pods) {
      if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) await this.forceDelete(pod);
    }
  }

  /** Deletes with grace 0 (as upstream); with a message, first marks a running pod Failed with a DisruptionTarget condition. */
  private async forceDelete(pod: Pod, message?: string): Promise<void> {
    const namespace = pod.metadata?.namespace;
    const name = pod.metadata!.name!;
    try {
      if (message && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        await updateWithRetry<Pod>(
          this.client,
          resources.pods,
          namespace,
          name,
          (fresh) => {
            const stamp = nowRfc3339();
            const conditions = (fresh.status?.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget');
            conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message, lastTransitionTime: stamp });
            fresh.status = { ...(fresh.status ?? {}), phase: 'Failed', conditions };
          },
          'status',
        );
      }
      await this.client.delete(resources.pods, name, { namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid } });
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }
}
