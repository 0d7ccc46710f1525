// The StatefulSet controller (upstream's "statefulset-controller"): pods with stable names
// `<set>-<ordinal>` and stable storage (a PVC per volumeClaimTemplate per ordinal, created
// before the pod and kept when the pod goes).
//
// Each sync: (1) finds the update revision (the template now) and the current revision
// (status.currentRevision) among the set's ControllerRevisions; (2) walks ordinals upward,
// recreating failed pods and creating missing ones — with OrderedReady, waiting for each to
// be Running and Ready before the next; (3) deletes pods beyond `replicas`, highest ordinal
// first (one at a time with OrderedReady); (4) for RollingUpdate, deletes the highest pod at or
// above `partition` still on an old revision, once all above it are healthy (its replacement
// is created from the update revision); (5) writes status, completing the rollout when every
// pod runs the update revision.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromObject, matches } from '../api/labels.ts';
import type { ControllerRevision, StatefulSet, StatefulSetStatus } from '../api/types/apps-v1.ts';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec } from '../api/types/core-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { CONTROLLER_REVISION_HASH_LABEL, ensureRevision, revisionHash, revisionsOf, templateOf, truncateHistory } from './controller-revision.ts';
import { claimPods, podFromTemplate } from './pod-template.ts';
import { canonicalJson, controllerRefOf, isPodAvailable, isPodReady, newControllerRef, objectOf, QueueController, RequeueAfter, type ControllerConfig } from './controller-utils.ts';
import { podInformerWithControllerIndex, podsOwnedBy } from './pod-controller-index.ts';

export const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
const STS_KIND = { apiVersion: 'apps/v1', kind: 'StatefulSet' };

export class StatefulSetController extends QueueController {
  readonly name = 'statefulset-controller';
  private readonly sets: SharedIndexInformer<StatefulSet>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly revisions: SharedIndexInformer<ControllerRevision>;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    _config: ControllerConfig = {},
  ) {
    super();
    this.sets = informers.informerFor<StatefulSet>(resources.statefulsets);
    this.pods = podInformerWithControllerIndex(informers);
    this.revisions = informers.informerFor<ControllerRevision>(resources.controllerrevisions);
    this.waitFor(this.sets, this.pods, this.revisions);
    this.sets.addEventHandler({
      onAdd: (s) => this.enqueue(s),
      onUpdate: (_old, s) => this.enqueue(s),
      onDelete: (s) => this.enqueue(s),
    });
    const podChanged = (pod: Pod) => {
      const ref = controllerRefOf(pod);
      if (ref?.kind === 'StatefulSet') this.queue.add(`${pod.metadata?.namespace}/${ref.name}`);
    };
    this.pods.addEventHandler({
      onAdd: podChanged,
      onUpdate: (_old, pod) => podChanged(pod),
      onDelete: (pod) => podChanged(objectOf(pod)),
    });
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const set = this.sets.lister().namespace(namespace).get(name);
    if (!set || set.metadata?.deletionTimestamp) return;
    const spec = set.spec!;
    const selector = labelSelectorFromObject(spec.selector);
    const claimed = await claimPods(this.client, set, STS_KIND, selector, podsOwnedBy(this.pods.indexer, set, true));
    const pods = claimed.filter((p) => ordinalOf(set, p) !== undefined);

    // 1. Revisions.
    const history = revisionsOf(this.revisions.lister(), set);
    const { revision: update, collisionCount } = await ensureRevision(this.client, set, STS_KIND, spec.template, history, set.status?.collisionCount ?? 0);
    const updateRevision = update.metadata!.name!;
    const currentRev = history.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    const currentRevision = currentRev.metadata!.name!;
    const currentTemplate = templateOf(currentRev) ?? spec.template;

    const wait = await this.reconcilePods(set, pods, { currentRevision, updateRevision, currentTemplate, updateHash: revisionHash(update), currentHash: revisionHash(currentRev) });

    const live = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? ''));
    live.add(revisionHash(update));
    live.add(revisionHash(currentRev));
    await truncateHistory(this.client, revisionsOf(this.revisions.lister(), set), live, spec.revisionHistoryLimit ?? 10);

    // 5. Status from the cache as it now stands.
    const fresh = this.pods
      .lister()
      .namespace(namespace)
      .list((labels) => matches(selector, labels))
      .filter((p) => controllerRefOf(p)?.uid === set.metadata?.uid);
    await this.updateStatus(set, fresh, currentRevision, updateRevision, collisionCount);
    return wait;
  }

  private async reconcilePods(
    set: StatefulSet,
    pods: Pod[],
    rev: { currentRevision: string; updateRevision: string; currentTemplate: PodTemplateSpec; updateHash: string; currentHash: string },
  ): Promise<RequeueAfter | undefined> {
    const spec = set.spec!;
    const replicas = spec.replicas ?? 1;
    const start = spec.ordinals?.start ?? 0;
    const monotonic = (spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const minReady = spec.minReadySeconds ?? 0;
    const slots: (Pod | undefined)[] = new Array(replicas).fill(undefined);
    const condemned: Pod[] = [];
    for (const pod of pods) {
      const ord = ordinalOf(set, pod)!;
      if (ord >= start && ord < start + replicas) slots[ord - start] = pod;
      else condemned.push(pod);
    }
    condemned.sort((a, b) => ordinalOf(set, a)! - ordinalOf(set, b)!);
    const isHealthy = (p: Pod) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p) && isPodAvailable(p, minReady);
    let waitForReady: RequeueAfter | undefined;

    // 2. Create missing pods, replace failed ones, in ordinal order.
    for (let i = 0; i < replicas; i++) {
      const ordinal = start + i;
      const pod = slots[i];
      if (pod && (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') && !pod.metadata?.deletionTimestamp) {
        this.recorder.event(set, 'Warning', 'RecreatingFailedPod', `StatefulSet ${set.metadata?.namespace}/${set.metadata?.name} is recreating failed Pod ${pod.metadata?.name}`);
        await this.deletePod(set, pod);
        if (monotonic) return undefined;
        continue;
      }
      if (!pod) {
        const useCurrent =
          (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
          (spec.updateStrategy?.rollingUpdate?.partition !== undefined ? ordinal < spec.updateStrategy.rollingUpdate.partition : i < (set.status?.currentReplicas ?? 0)) &&
          rev.currentRevision !== rev.updateRevision;
        const template = useCurrent ? rev.currentTemplate : spec.template;
        await this.createPod(set, ordinal, template, useCurrent ? rev.currentHash : rev.updateHash);
        if (monotonic) return undefined;
        continue;
      }
      if (monotonic && pod.metadata?.deletionTimestamp) return undefined;
      if (monotonic && !isHealthy(pod)) {
        if (minReady > 0 && pod.status?.phase === 'Running' && isPodReady(pod)) waitForReady = new RequeueAfter(minReady * 1000);
        return waitForReady;
      }
    }

    // 3. Scale down, highest ordinal first.
    for (let j = condemned.length - 1; j >= 0; j--) {
      const pod = condemned[j];
      if (pod.metadata?.deletionTimestamp) {
        if (monotonic) return undefined;
        continue;
      }
      await this.retainOrReleaseClaims(set, pod);
      await this.deletePod(set, pod);
      if (monotonic) return undefined;
    }

    // 4. Rolling update from the highest ordinal down to the partition.
    if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return undefined;
    const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
    for (let i = replicas - 1; i >= Math.max(0, partition - start); i--) {
      const pod = slots[i];
      if (!pod) return undefined;
      if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] !== rev.updateHash && !pod.metadata?.deletionTimestamp) {
        await this.deletePod(set, pod);
        return undefined;
      }
      if (!isHealthy(pod)) return undefined;
    }
    return undefined;
  }

  private async createPod(set: StatefulSet, ordinal: number, template: PodTemplateSpec, hash: string): Promise<void> {
    const setName = set.metadata!.name!;
    const podName = `${setName}-${ordinal}`;
    const pod = podFromTemplate(template, set, STS_KIND);
    const spec = pod.spec!;
    // Stable storage first: a PVC per template, named <template>-<set>-<ordinal>.
    const volumes = (spec.volumes ?? []).filter((v) => !(set.spec?.volumeClaimTemplates ?? []).some((c) => c.metadata?.name === v.name));
    for (const claimTemplate of set.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${claimTemplate.metadata?.name}-${setName}-${ordinal}`;
      await this.ensureClaim(set, claimTemplate, claimName, podName);
      volumes.push({ name: claimTemplate.metadata!.name!, persistentVolumeClaim: { claimName } });
    }
    spec.volumes = volumes.length > 0 ? volumes : undefined;
    spec.hostname = podName;
    if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
    const meta = pod.metadata!;
    delete meta.generateName;
    meta.name = podName;
    meta.labels = { ...meta.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash, [STATEFULSET_POD_NAME_LABEL]: podName, [POD_INDEX_LABEL]: String(ordinal) };
    try {
      await this.client.create<Pod>(resources.pods, pod);
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${setName} successful`);
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists')) return;
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private async ensureClaim(set: StatefulSet, template: PersistentVolumeClaim, claimName: string, podName: string): Promise<void> {
    const setName = set.metadata!.name!;
    const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain';
    const claim: PersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: claimName,
        namespace: set.metadata?.namespace,
        labels: { ...(template.metadata?.labels ?? {}), ...(set.spec?.selector.matchLabels ?? {}) },
        annotations: template.metadata?.annotations ? { ...template.metadata.annotations } : undefined,
        ownerReferences: whenDeleted === 'Delete' ? [newControllerRef(set, STS_KIND.apiVersion, STS_KIND.kind)] : undefined,
      },
      spec: structuredClone(template.spec),
    };
    try {
      await this.client.create<PersistentVolumeClaim>(resources.persistentvolumeclaims, claim);
      this.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${setName} success`);
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists')) return;
      this.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${claimName} for Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  /** whenScaled: Delete — a condemned pod's claims become owned by the pod, so they go with it. */
  private async retainOrReleaseClaims(set: StatefulSet, pod: Pod): Promise<void> {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    for (const t of set.spec?.volumeClaimTemplates ?? []) {
      const claimName = `${t.metadata?.name}-${pod.metadata?.name}`;
      try {
        const claim = await this.client.get<PersistentVolumeClaim>(resources.persistentvolumeclaims, claimName, { namespace: pod.metadata?.namespace });
        const refs = (claim.metadata?.ownerReferences ?? []).filter((r) => r.uid !== set.metadata?.uid);
        refs.push({ apiVersion: 'v1', kind: 'Pod', name: pod.metadata!.name!, uid: pod.metadata!.uid!, controller: true, blockOwnerDeletion: true });
        await this.client.patch(resources.persistentvolumeclaims, claimName, 'merge', { metadata: { ownerReferences: refs } }, { namespace: pod.metadata?.namespace });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
  }

  private async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.client.delete(resources.pods, pod.metadata!.name!, { namespace: pod.metadata?.namespace, preconditions: { uid: pod.metadata?.uid } });
      this.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} successful`);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      this.recorder.event(set, 'Warning', 'FailedDelete', `delete Pod ${pod.metadata?.name} in StatefulSet ${set.metadata?.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private async updateStatus(set: StatefulSet, pods: Pod[], currentRevision: string, updateRevision: string, collisionCount: number): Promise<void> {
    const minReady = set.spec?.minReadySeconds ?? 0;
    const replicasWanted = set.spec?.replicas ?? 1;
    const hashOf = (name: string) => name.slice(name.lastIndexOf('-') + 1);
    const status: StatefulSetStatus = {
      ...(set.status ?? { replicas: 0 }),
      observedGeneration: set.metadata?.generation,
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      currentRevision,
      updateRevision,
      collisionCount: collisionCount || undefined,
    };
    for (const pod of pods) {
      status.replicas++;
      if (pod.status?.phase === 'Running' && isPodReady(pod) && !pod.metadata?.deletionTimestamp) {
        status.readyReplicas!++;
        if (isPodAvailable(pod, minReady)) status.availableReplicas!++;
      }
      if (pod.metadata?.deletionTimestamp) continue;
      const h = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
      if (h === hashOf(currentRevision)) status.currentReplicas!++;
      if (h === hashOf(updateRevision)) status.updatedReplicas!++;
    }
    // The rollout is complete once every wanted pod runs the update revision and is ready.
    if (
      (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
      status.updatedReplicas === replicasWanted &&
      status.readyReplicas === replicasWanted &&
      status.replicas === replicasWanted
    ) {
      status.currentRevision = updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    if (canonicalJson(status) === canonicalJson(set.status ?? {})) return;
    try {
      await this.client.update<StatefulSet>(resources.statefulsets, { ...set, status }, { subresource: 'status' });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}

/** The ordinal in `<set>-<ordinal>`, or undefined when the pod's name is not one of the set's. */
export function ordinalOf(set: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${set.metadata?.name}-`;
  const name = pod.metadata?.name ?? '';
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}
