// The Deployment controller (upstream's pkg/controller/deployment): owns ReplicaSets, one per
// pod template (named `<deployment>-<pod-template-hash>`), and moves replicas from the old
// ones to the new one, by RollingUpdate (within maxSurge / maxUnavailable) or Recreate (all
// old pods gone first). It numbers revisions, keeps revisionHistoryLimit old ReplicaSets,
// scales proportionally when the user scales mid-rollout, honours pause, and reports the
// Progressing and Available conditions that `kubectl rollout status` reads.

import { isStatusError } from '../api/errors.ts';
import { isEverything, labelSelectorFromObject, matches } from '../api/labels.ts';
import type { Deployment, DeploymentStatus, ReplicaSet } from '../api/types/apps-v1.ts';
import type { Pod } from '../api/types/core-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import {
  adopt,
  canonicalJson,
  controllerRefOf,
  getCondition,
  newControllerRef,
  objectOf,
  QueueController,
  removeOwnerRef,
  RequeueAfter,
} from './controller-utils.ts';
import {
  activeReplicaSets,
  byCreation,
  computeHash,
  copyableAnnotations,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  DESIRED_REPLICAS_ANNOTATION,
  equalIgnoreHash,
  findActiveOrLatest,
  hasProgressDeadline,
  isRollingUpdate,
  isSaturated,
  isScalingEvent,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  maxSurgeOf,
  maxUnavailableOf,
  newCondition,
  newRSNewReplicas,
  POD_TEMPLATE_HASH_LABEL,
  proportion,
  REASON,
  removeDeploymentCondition,
  replicasOf,
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  revisionOf,
  setDeploymentCondition,
  setReplicasAnnotations,
  sumReplicas,
  sumStatus,
} from './deployment-util.ts';
import { podInformerWithControllerIndex, podsOwnedBy } from './pod-controller-index.ts';

const KIND = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** The deployment being synced; every write replaces `d` with what the server answered. */
interface SyncState {
  d: Deployment;
  requeue?: RequeueAfter;
}

export class DeploymentController extends QueueController {
  readonly name = 'deployment';
  private readonly dLister: Lister<Deployment>;
  private readonly rsLister: Lister<ReplicaSet>;
  private readonly pods: SharedIndexInformer<Pod>;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
  ) {
    super();
    const deployments = informers.informerFor<Deployment>(resources.deployments);
    const replicaSets = informers.informerFor<ReplicaSet>(resources.replicasets);
    const pods = podInformerWithControllerIndex(informers);
    this.dLister = deployments.lister();
    this.rsLister = replicaSets.lister();
    this.pods = pods;
    this.waitFor(deployments, replicaSets, pods);

    deployments.addEventHandler({
      onAdd: (d) => this.enqueue(d),
      onUpdate: (_old, d) => this.enqueue(d),
      onDelete: (obj) => this.enqueue(objectOf(obj)),
    });
    replicaSets.addEventHandler({
      onAdd: (rs) => this.replicaSetChanged(rs),
      onUpdate: (old, rs) => {
        if (controllerRefOf(old)?.uid !== controllerRefOf(rs)?.uid) this.replicaSetChanged(old);
        this.replicaSetChanged(rs);
      },
      onDelete: (obj) => this.replicaSetChanged(objectOf(obj)),
    });
    pods.addEventHandler({
      // Recreate waits for every old pod to be gone.
      onDelete: (obj) => {
        const pod = objectOf(obj);
        const ref = controllerRefOf(pod);
        if (ref?.kind !== 'ReplicaSet') return;
        const rs = this.rsLister.namespace(pod.metadata?.namespace ?? '').get(ref.name);
        const d = rs && this.owningDeployment(rs);
        if (d && !isRollingUpdate(d)) this.enqueue(d);
      },
    });
  }

  private owningDeployment(rs: ReplicaSet): Deployment | undefined {
    const ref = controllerRefOf(rs);
    if (!ref || ref.kind !== 'Deployment') return undefined;
    const d = this.dLister.namespace(rs.metadata?.namespace ?? '').get(ref.name);
    return d?.metadata?.uid === ref.uid ? d : undefined;
  }

  private replicaSetChanged(rs: ReplicaSet): void {
    const d = this.owningDeployment(rs);
    if (d) return this.enqueue(d);
    if (controllerRefOf(rs)) return;
    // An orphan: any deployment that selects it may adopt it.
    for (const cand of this.dLister.namespace(rs.metadata?.namespace ?? '').list()) {
      if (matches(labelSelectorFromObject(cand.spec?.selector), rs.metadata?.labels)) this.enqueue(cand);
    }
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const cached = this.dLister.namespace(namespace).get(name);
    if (!cached) return;
    const st: SyncState = { d: structuredClone(cached) };
    const d = st.d;
    const selector = labelSelectorFromObject(d.spec?.selector);
    if (isEverything(selector)) {
      this.recorder.event({ ...KIND, metadata: d.metadata }, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        await this.writeStatus(st, { ...(d.status ?? {}), observedGeneration: d.metadata?.generation });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d);

    if (d.metadata?.deletionTimestamp) {
      const { newRS, oldRSs } = await this.replicaSetsAndRevision(st, rsList, false);
      await this.syncStatusOnly(st, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
      return;
    }
    await this.checkPausedConditions(st);
    if (st.d.spec?.paused) {
      await this.syncScale(st, rsList);
      return st.requeue;
    }
    if (isScalingEvent(st.d, rsList)) {
      await this.syncScale(st, rsList);
      return st.requeue;
    }
    if (isRollingUpdate(st.d)) await this.rolloutRolling(st, rsList);
    else await this.rolloutRecreate(st, rsList);
    return st.requeue;
  }

  /** Adopts matching orphan ReplicaSets and releases owned ones that no longer match; answers copies. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const selector = labelSelectorFromObject(d.spec?.selector);
    const out: ReplicaSet[] = [];
    let canAdopt: boolean | undefined;
    for (const rs of this.rsLister.namespace(d.metadata?.namespace ?? '').list()) {
      const ref = controllerRefOf(rs);
      const selected = matches(selector, rs.metadata?.labels);
      if (ref) {
        if (ref.uid !== d.metadata?.uid) continue;
        if (selected) out.push(structuredClone(rs));
        else if (!d.metadata?.deletionTimestamp) await removeOwnerRef(this.client, resources.replicasets, rs, ref.uid);
        continue;
      }
      if (!selected || d.metadata?.deletionTimestamp || rs.metadata?.deletionTimestamp) continue;
      canAdopt ??= await this.stillExists(d);
      if (!canAdopt) continue;
      try {
        await adopt(this.client, resources.replicasets, rs, newControllerRef(d, 'apps/v1', 'Deployment'));
        out.push(structuredClone(rs));
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
    return out;
  }

  private async stillExists(d: Deployment): Promise<boolean> {
    try {
      const fresh = await this.client.get<Deployment>(resources.deployments, d.metadata!.name!, { namespace: d.metadata?.namespace });
      return fresh.metadata?.uid === d.metadata?.uid && !fresh.metadata?.deletionTimestamp;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return false;
      throw err;
    }
  }

  // ---- ReplicaSets and revisions ----

  /** The ReplicaSet whose template is the deployment's (the oldest such, as upstream). */
  private findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
    return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  }

  /**
   * Upstream's getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when `create`
   * and missing) with its revision raised above every old one, and the old ones.
   */
  private async replicaSetsAndRevision(st: SyncState, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const existing = this.findNewReplicaSet(st.d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      await this.syncExistingNewReplicaSet(st, existing, newRevision);
      return { newRS: existing, oldRSs };
    }
    if (!create) return { oldRSs };
    const newRS = await this.createNewReplicaSet(st, oldRSs, newRevision);
    return { newRS, oldRSs };
  }

  private async syncExistingNewReplicaSet(st: SyncState, rs: ReplicaSet, newRevision: number): Promise<void> {
    const d = st.d;
    const ann = (rs.metadata!.annotations ??= {});
    let changed = false;
    for (const [k, v] of Object.entries(copyableAnnotations(d))) {
      if (ann[k] !== v) {
        ann[k] = v;
        changed = true;
      }
    }
    if (revisionOf(rs) < newRevision) {
      // The revisions this template had before are kept in revision-history, as upstream.
      const old = ann[REVISION_ANNOTATION];
      if (old) ann[REVISION_HISTORY_ANNOTATION] = ann[REVISION_HISTORY_ANNOTATION] ? `${ann[REVISION_HISTORY_ANNOTATION]},${old}` : old;
      ann[REVISION_ANNOTATION] = String(newRevision);
      changed = true;
    }
    if (ann[DESIRED_REPLICAS_ANNOTATION] === undefined || ann[MAX_REPLICAS_ANNOTATION] === undefined) {
      setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurgeOf(d));
      changed = true;
    }
    if ((rs.spec!.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0)) {
      rs.spec!.minReadySeconds = d.spec?.minReadySeconds ?? 0;
      changed = true;
    }
    if (changed) this.absorb(rs, await this.client.update<ReplicaSet>(resources.replicasets, rs));

    await this.setDeploymentRevision(st, revisionOf(rs));
    if (hasProgressDeadline(st.d) && !getCondition(st.d.status?.conditions, 'Progressing')) {
      const status = structuredClone(st.d.status ?? {});
      setDeploymentCondition(status, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${rs.metadata?.name}"`));
      await this.writeStatus(st, status);
    }
  }

  private async createNewReplicaSet(st: SyncState, oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
    const d = st.d;
    const template = structuredClone(d.spec!.template);
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata?.name}-${hash}`,
        namespace: d.metadata?.namespace,
        labels: template.metadata.labels,
        annotations: { ...copyableAnnotations(d), [REVISION_ANNOTATION]: String(newRevision) },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec!.replicas = replicas;
    setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurgeOf(d));

    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.client.create<ReplicaSet>(resources.replicasets, rs, { namespace: d.metadata?.namespace });
    } catch (err) {
      if (isStatusError(err, 'AlreadyExists')) {
        const found = await this.client.get<ReplicaSet>(resources.replicasets, rs.metadata!.name!, { namespace: d.metadata?.namespace });
        if (controllerRefOf(found)?.uid === d.metadata?.uid && equalIgnoreHash(found.spec?.template, d.spec?.template)) {
          created = found;
          alreadyExisted = true;
        } else {
          // A hash collision: another template already owns this name. Bump collisionCount and retry.
          await this.writeStatus(st, { ...(st.d.status ?? {}), collisionCount: (st.d.status?.collisionCount ?? 0) + 1 });
          throw err;
        }
      } else {
        const msg = `Failed to create new replica set "${rs.metadata?.name}": ${(err as Error).message}`;
        if (hasProgressDeadline(d)) {
          const status = structuredClone(d.status ?? {});
          setDeploymentCondition(status, newCondition('Progressing', 'False', REASON.failedCreate, msg));
          await this.writeStatus(st, status).catch(() => undefined);
        }
        this.recorder.event({ ...KIND, metadata: d.metadata }, 'Warning', 'FailedCreate', msg);
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) {
      this.recorder.event({ ...KIND, metadata: d.metadata }, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} from 0 to ${replicas}`);
    }
    await this.setDeploymentRevision(st, newRevision);
    if (!alreadyExisted && hasProgressDeadline(st.d)) {
      const status = structuredClone(st.d.status ?? {});
      setDeploymentCondition(status, newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${created.metadata?.name}"`));
      await this.writeStatus(st, status);
    }
    return structuredClone(created);
  }

  private async setDeploymentRevision(st: SyncState, revision: number): Promise<void> {
    const current = st.d.metadata?.annotations?.[REVISION_ANNOTATION];
    if (current === String(revision)) return;
    st.d = await this.client.patch<Deployment>(
      resources.deployments,
      st.d.metadata!.name!,
      'merge',
      { metadata: { annotations: { [REVISION_ANNOTATION]: String(revision) }, resourceVersion: st.d.metadata?.resourceVersion } },
      { namespace: st.d.metadata?.namespace },
    );
  }

  /** Copies what the server answered into our working copy, which other lists point at. */
  private absorb(target: ReplicaSet, updated: ReplicaSet): void {
    target.metadata = updated.metadata;
    target.spec = updated.spec;
    target.status = updated.status;
  }

  /** Sets a ReplicaSet's size (and its desired/max annotations); records ScalingReplicaSet. */
  private async scaleReplicaSet(st: SyncState, rs: ReplicaSet, size: number): Promise<boolean> {
    const d = st.d;
    const from = replicasOf(rs);
    const sizeChanged = from !== size;
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurgeOf(d));
    if (!sizeChanged && !annotationsChanged) return false;
    copy.spec!.replicas = size;
    this.absorb(rs, await this.client.update<ReplicaSet>(resources.replicasets, copy));
    if (sizeChanged) {
      const op = size > from ? 'up' : 'down';
      this.recorder.event({ ...KIND, metadata: d.metadata }, 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} from ${from} to ${size}`);
    }
    return sizeChanged;
  }

  // ---- strategies ----

  private async rolloutRolling(st: SyncState, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndRevision(st, rsList, true);
    const all = [...oldRSs, newRS!];
    if (await this.reconcileNewReplicaSet(st, all, newRS!)) return this.syncRolloutStatus(st, all, newRS);
    if (await this.reconcileOldReplicaSets(st, all, activeReplicaSets(oldRSs), newRS!)) return this.syncRolloutStatus(st, all, newRS);
    if (deploymentComplete(st.d, st.d.status ?? {})) await this.cleanupDeployment(st, oldRSs);
    await this.syncRolloutStatus(st, all, newRS);
  }

  private async reconcileNewReplicaSet(st: SyncState, all: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    const want = replicasOf(st.d);
    if (replicasOf(newRS) === want) return false;
    if (replicasOf(newRS) > want) return this.scaleReplicaSet(st, newRS, want);
    return this.scaleReplicaSet(st, newRS, newRSNewReplicas(st.d, all, newRS));
  }

  /** Scales old ReplicaSets down as far as maxUnavailable allows (upstream's reconcileOldReplicaSets). */
  private async reconcileOldReplicaSets(st: SyncState, all: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
    if (sumReplicas(oldRSs) === 0) return false;
    const d = st.d;
    const minAvailable = replicasOf(d) - maxUnavailableOf(d);
    const newRSUnavailable = replicasOf(newRS) - available(newRS);
    const maxScaledDown = sumReplicas(all) - minAvailable - newRSUnavailable;
    if (maxScaledDown <= 0) return false;

    // First the old pods that are not available anyway: removing them costs nothing.
    let cleaned = 0;
    for (const rs of [...oldRSs].sort(byCreation)) {
      if (cleaned >= maxScaledDown) break;
      if (replicasOf(rs) === 0 || replicasOf(rs) === available(rs)) continue;
      const down = Math.min(maxScaledDown - cleaned, replicasOf(rs) - available(rs));
      await this.scaleReplicaSet(st, rs, replicasOf(rs) - down);
      cleaned += down;
    }

    // Then available old pods, while enough stay available.
    const availableNow = [...oldRSs, newRS].reduce((n, rs) => n + available(rs), 0);
    let scaledDown = 0;
    if (availableNow > minAvailable) {
      const total = availableNow - minAvailable;
      for (const rs of [...oldRSs].sort(byCreation)) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const down = Math.min(replicasOf(rs), total - scaledDown);
        await this.scaleReplicaSet(st, rs, replicasOf(rs) - down);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private async rolloutRecreate(st: SyncState, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.replicaSetsAndRevision(st, rsList, false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(oldRSs)) {
      if (await this.scaleReplicaSet(st, rs, 0)) scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(st, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
    if (this.oldPodsRunning(st.d, newRS, oldRSs)) return this.syncRolloutStatus(st, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.replicaSetsAndRevision(st, rsList, true));
    await this.scaleReplicaSet(st, newRS!, replicasOf(st.d));
    if (deploymentComplete(st.d, st.d.status ?? {})) await this.cleanupDeployment(st, oldRSs);
    await this.syncRolloutStatus(st, [...oldRSs, newRS!], newRS);
  }

  private oldPodsRunning(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    const selector = labelSelectorFromObject(d.spec?.selector);
    for (const rs of oldRSs) {
      if (rs.metadata?.uid === newRS?.metadata?.uid) continue;
      for (const pod of podsOwnedBy(this.pods.indexer, rs, false)) {
        if (!matches(selector, pod.metadata?.labels)) continue;
        const phase = pod.status?.phase;
        if (phase === 'Failed' || phase === 'Succeeded') continue;
        return true;
      }
    }
    return false;
  }

  /** Paused, or the user scaled: resize ReplicaSets without rolling (upstream's sync). */
  private async syncScale(st: SyncState, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.replicaSetsAndRevision(st, rsList, false);
    await this.scale(st, newRS, oldRSs);
    if (st.d.spec?.paused) await this.cleanupDeployment(st, oldRSs);
    await this.syncStatusOnly(st, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }

  /** Upstream's scale: one active ReplicaSet takes it all; during a rollout, each its proportion. */
  private async scale(st: SyncState, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
    const d = st.d;
    const only = findActiveOrLatest(newRS, oldRSs);
    if (only) {
      if (replicasOf(only) !== replicasOf(d)) await this.scaleReplicaSet(st, only, replicasOf(d));
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const rs of activeReplicaSets(oldRSs)) await this.scaleReplicaSet(st, rs, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const active = activeReplicaSets([...oldRSs, newRS]);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurgeOf(d) : 0;
    const toAdd = allowed - sumReplicas(active);
    // Growing: the biggest (then newest) first; shrinking: the biggest (then oldest) first.
    const sorted = [...active].sort((a, b) => {
      if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
      return toAdd > 0 ? byCreation(b, a) : byCreation(a, b);
    });
    const sizes = new Map<ReplicaSet, number>();
    let added = 0;
    for (const rs of sorted) {
      const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
      sizes.set(rs, replicasOf(rs) + p);
      added += p;
    }
    if (sorted.length > 0 && added !== toAdd) {
      const first = sorted[0];
      sizes.set(first, Math.max(0, sizes.get(first)! + (toAdd - added)));
    }
    for (const rs of sorted) await this.scaleReplicaSet(st, rs, Math.max(0, sizes.get(rs)!));
  }

  /** Deletes old, empty ReplicaSets beyond revisionHistoryLimit, oldest revision first. */
  private async cleanupDeployment(st: SyncState, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = st.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const alive = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = alive.length - limit;
    if (diff <= 0) return;
    const sorted = [...alive].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of sorted.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
      if ((rs.status?.observedGeneration ?? 0) < (rs.metadata?.generation ?? 0)) continue;
      try {
        await this.client.delete(resources.replicasets, rs.metadata!.name!, { namespace: rs.metadata?.namespace });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    }
  }

  // ---- status ----

  private calculateStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): DeploymentStatus {
    const availableReplicas = sumStatus(all, 'availableReplicas');
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation,
      replicas: sumStatus(all, 'replicas'),
      updatedReplicas: newRS ? (newRS.status?.replicas ?? 0) : 0,
      readyReplicas: sumStatus(all, 'readyReplicas'),
      availableReplicas,
      unavailableReplicas: Math.max(0, sumReplicas(all) - availableReplicas),
      conditions: structuredClone(d.status?.conditions ?? []),
    };
    if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (availableReplicas >= replicasOf(d) - maxUnavailableOf(d)) {
      setDeploymentCondition(status, newCondition('Available', 'True', REASON.minimumAvailable, 'Deployment has minimum availability.'));
    } else {
      setDeploymentCondition(status, newCondition('Available', 'False', REASON.minimumUnavailable, 'Deployment does not have minimum availability.'));
    }
    const failed = all.map((rs) => getCondition(rs.status?.conditions, 'ReplicaFailure')).find((c) => c?.status === 'True');
    if (failed) setDeploymentCondition(status, newCondition('ReplicaFailure', 'True', failed.reason ?? '', failed.message ?? ''));
    else removeDeploymentCondition(status, 'ReplicaFailure');
    return status;
  }

  private async syncStatusOnly(st: SyncState, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = this.calculateStatus(st.d, all, newRS);
    if (!sameStatus(st.d.status, status)) await this.writeStatus(st, status);
  }

  /** Status plus the Progressing condition (upstream's syncRolloutStatus). */
  private async syncRolloutStatus(st: SyncState, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const d = st.d;
    const status = this.calculateStatus(d, all, newRS);
    if (!hasProgressDeadline(d)) removeDeploymentCondition(status, 'Progressing');
    const current = getCondition(status.conditions, 'Progressing');
    const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === REASON.newRSAvailable;
    const rsName = newRS?.metadata?.name;
    if (hasProgressDeadline(d) && !alreadyComplete) {
      if (deploymentComplete(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has successfully progressed.` : 'Deployment has successfully progressed.';
        setDeploymentCondition(status, newCondition('Progressing', 'True', REASON.newRSAvailable, msg));
      } else if (deploymentProgressing(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.';
        const cond = newCondition('Progressing', 'True', REASON.rsUpdated, msg);
        if (current?.status === 'True' && current.lastTransitionTime) cond.lastTransitionTime = current.lastTransitionTime;
        removeDeploymentCondition(status, 'Progressing');
        setDeploymentCondition(status, cond);
      } else if (deploymentTimedOut(d, status)) {
        const msg = rsName ? `ReplicaSet "${rsName}" has timed out progressing.` : 'Deployment has timed out progressing.';
        setDeploymentCondition(status, newCondition('Progressing', 'False', REASON.timedOut, msg));
      }
    }
    if (!sameStatus(d.status, status)) await this.writeStatus(st, status);
    this.requeueStuck(st, status);
  }

  /** While progressing, look again when the progress deadline would pass. */
  private requeueStuck(st: SyncState, status: DeploymentStatus): void {
    const cond = getCondition(status.conditions, 'Progressing');
    if (!hasProgressDeadline(st.d) || !cond) return;
    if (deploymentComplete(st.d, status) || cond.reason === REASON.timedOut) return;
    const due = Date.parse(cond.lastUpdateTime ?? '') + st.d.spec!.progressDeadlineSeconds! * 1000 - Date.now();
    st.requeue = new RequeueAfter(Number.isNaN(due) ? 1000 : Math.max(1000, due + 1000));
  }

  private async checkPausedConditions(st: SyncState): Promise<void> {
    const d = st.d;
    if (!hasProgressDeadline(d)) return;
    const cond = getCondition(d.status?.conditions, 'Progressing');
    if (cond?.reason === REASON.timedOut) return;
    const pausedShown = cond?.reason === REASON.paused;
    const status = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedShown) {
      setDeploymentCondition(status, newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused'));
    } else if (!d.spec?.paused && pausedShown) {
      setDeploymentCondition(status, newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed'));
    } else {
      return;
    }
    await this.writeStatus(st, status);
  }

  private async writeStatus(st: SyncState, status: DeploymentStatus): Promise<void> {
    st.d = await this.client.update<Deployment>(resources.deployments, { ...st.d, status }, { subresource: 'status' });
  }
}

/** min(available, spec): an old ReplicaSet just scaled down cannot still count its removed pods. */
function available(rs: ReplicaSet): number {
  return Math.min(rs.status?.availableReplicas ?? 0, replicasOf(rs));
}

/** Equal statuses apart from the timestamps of conditions whose content did not change. */
function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  const strip = (s: DeploymentStatus | undefined) => ({
    ...(s ?? {}),
    conditions: (s?.conditions ?? [])
      .map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message, t: c.lastUpdateTime }))
      .sort((x, y) => x.type.localeCompare(y.type)),
  });
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}
