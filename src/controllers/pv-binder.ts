// The PersistentVolume binder (upstream's "persistentvolume-binder-controller", recording as
// "persistentvolume-controller"). Queue keys are `claim/<ns>/<name>` and `volume/<name>`.
//
// A claim without `pv.kubernetes.io/bind-completed` is bound to the smallest Available volume
// that satisfies it (storageClassName, access modes, capacity, volumeMode, label selector) —
// or to the volume it names in spec.volumeName, or that names it in claimRef (for a
// WaitForFirstConsumer class only that: the scheduler picks the volume) — in upstream's
// order: volume.spec.claimRef, volume phase Bound, claim.spec.volumeName and annotations,
// claim phase Bound. A bound claim whose volume vanished is Lost.
// A volume without claimRef is Available; bound to a live claim it is Bound; when its claim is
// deleted it is Released and then reclaimed: Retain keeps it, Delete deletes the
// PersistentVolume object (this cluster has no storage plugins to delete data with).

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromObject, matches } from '../api/labels.ts';
import { parseQuantity } from '../api/quantity.ts';
import type { PersistentVolume, PersistentVolumeClaim } from '../api/types/core-v1.ts';
import type { StorageClass } from '../api/types/storage-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { objectOf, QueueController, RequeueAfter, type ControllerConfig } from './controller-utils.ts';

export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
const LEGACY_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const STORAGE_CLASSES = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses' };
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

export interface PvBinderConfig extends ControllerConfig {
  /** --pvclaimbinder-sync-period (upstream 15 s): how often everything is looked at again. */
  pvClaimBinderSyncPeriodMs?: number;
}

export class PersistentVolumeBinderController extends QueueController {
  readonly name = 'persistentvolume-binder-controller';
  private readonly volumes: SharedIndexInformer<PersistentVolume>;
  private readonly claims: SharedIndexInformer<PersistentVolumeClaim>;
  private readonly classes: SharedIndexInformer<StorageClass>;
  private readonly resyncMs: number;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    config: PvBinderConfig = {},
  ) {
    super();
    this.resyncMs = config.pvClaimBinderSyncPeriodMs ?? 15_000;
    this.volumes = informers.informerFor<PersistentVolume>(resources.persistentvolumes);
    this.claims = informers.informerFor<PersistentVolumeClaim>(resources.persistentvolumeclaims);
    this.classes = informers.informerFor<StorageClass>(STORAGE_CLASSES);
    this.waitFor(this.volumes, this.claims, this.classes);
    const volumeKey = (v: PersistentVolume) => this.queue.add(`volume/${v.metadata?.name}`);
    const claimKey = (c: PersistentVolumeClaim) => this.queue.add(`claim/${c.metadata?.namespace}/${c.metadata?.name}`);
    this.volumes.addEventHandler({
      onAdd: (v) => {
        volumeKey(v);
        // A new volume may satisfy a waiting claim.
        for (const c of this.claims.lister().list()) if (!c.spec?.volumeName) claimKey(c);
      },
      onUpdate: (_o, v) => volumeKey(v),
      onDelete: (v) => {
        const ref = objectOf(v).spec?.claimRef;
        if (ref?.namespace && ref.name) this.queue.add(`claim/${ref.namespace}/${ref.name}`);
      },
    });
    this.claims.addEventHandler({
      onAdd: claimKey,
      onUpdate: (_o, c) => claimKey(c),
      onDelete: (c) => {
        const name = objectOf(c).spec?.volumeName;
        if (name) this.queue.add(`volume/${name}`);
      },
    });
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [kind, ...rest] = key.split('/');
    if (kind === 'claim') {
      const claim = this.claims.lister().namespace(rest[0]).get(rest[1]);
      if (claim && !claim.metadata?.deletionTimestamp) await this.syncClaim(claim);
    } else {
      const volume = this.volumes.lister().get(rest[0]);
      if (volume && !volume.metadata?.deletionTimestamp) await this.syncVolume(volume);
    }
    return new RequeueAfter(this.resyncMs);
  }

  private async syncClaim(claim: PersistentVolumeClaim): Promise<void> {
    const bound = claim.metadata?.annotations?.[ANN_BIND_COMPLETED] === 'yes';
    const volumeName = claim.spec?.volumeName;
    if (!bound && !volumeName) {
      const cls = storageClassOf(claim);
      const storageClass = cls ? this.classes.lister().get(cls) : undefined;
      // WaitForFirstConsumer: only the scheduler's choice (a volume it pre-bound, or the
      // selected-node annotation) may bind the claim.
      const delayed = storageClass?.volumeBindingMode === 'WaitForFirstConsumer' && !claim.metadata?.annotations?.[ANN_SELECTED_NODE];
      const volume = this.findBestMatch(claim, delayed);
      if (!volume) {
        if (delayed) this.recorder.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
        else if (cls === '') this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
        else if (!storageClass) this.recorder.event(claim, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${cls}" not found`);
        else if (storageClass.provisioner !== NO_PROVISIONER) {
          this.recorder.event(
            claim,
            'Normal',
            'ExternalProvisioning',
            `Waiting for a volume to be created either by the external provisioner '${storageClass.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
          );
        } else this.recorder.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim');
        await this.setClaimPhase(claim, 'Pending');
        return;
      }
      await this.bind(volume, claim);
      return;
    }
    const volume = volumeName ? this.volumes.lister().get(volumeName) : undefined;
    if (!bound) {
      // Pre-bound by the user to a named volume.
      if (!volume) {
        this.recorder.event(claim, 'Normal', 'FailedBinding', `volume "${volumeName}" not found`);
        await this.setClaimPhase(claim, 'Pending');
        return;
      }
      const ref = volume.spec?.claimRef;
      if (!ref || (ref.namespace === claim.metadata?.namespace && ref.name === claim.metadata?.name && (!ref.uid || ref.uid === claim.metadata?.uid))) {
        await this.bind(volume, claim);
        return;
      }
      this.recorder.event(claim, 'Warning', 'FailedBinding', 'volume already bound to a different claim.');
      await this.setClaimPhase(claim, 'Pending');
      return;
    }
    if (!volume) {
      if (claim.status?.phase !== 'Lost') {
        await this.setClaimPhase(claim, 'Lost');
        this.recorder.event(claim, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    const ref = volume.spec?.claimRef;
    if (!ref || ref.uid === claim.metadata?.uid) {
      await this.bind(volume, claim);
      return;
    }
    if (claim.status?.phase !== 'Lost') {
      await this.setClaimPhase(claim, 'Lost');
      this.recorder.event(claim, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    }
  }

  private async syncVolume(volume: PersistentVolume): Promise<void> {
    const ref = volume.spec?.claimRef;
    if (!ref) {
      await this.setVolumePhase(volume, 'Available');
      return;
    }
    if (!ref.uid) {
      // Pre-bound to a claim by name: the claim's sync finishes the job.
      await this.setVolumePhase(volume, 'Available');
      if (ref.namespace && ref.name) this.queue.add(`claim/${ref.namespace}/${ref.name}`);
      return;
    }
    let claim = this.claims.lister().namespace(ref.namespace ?? '').get(ref.name ?? '');
    if (!claim || claim.metadata?.uid !== ref.uid) {
      // The cache may lag: confirm with the server before releasing.
      try {
        claim = await this.client.get<PersistentVolumeClaim>(resources.persistentvolumeclaims, ref.name!, { namespace: ref.namespace });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
        claim = undefined;
      }
    }
    if (!claim || claim.metadata?.uid !== ref.uid) {
      if (volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed') volume = (await this.setVolumePhase(volume, 'Released')) ?? volume;
      await this.reclaim(volume);
      return;
    }
    if (!claim.spec?.volumeName) {
      this.queue.add(`claim/${claim.metadata?.namespace}/${claim.metadata?.name}`);
      return;
    }
    if (claim.spec.volumeName === volume.metadata?.name) {
      await this.setVolumePhase(volume, 'Bound');
      return;
    }
    // The claim went to another volume: a volume we bound goes back to the pool.
    if (volume.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER] === 'yes') {
      const { [ANN_BOUND_BY_CONTROLLER]: _drop, ...annotations } = volume.metadata.annotations;
      const updated = await this.client.update<PersistentVolume>(resources.persistentvolumes, {
        ...volume,
        metadata: { ...volume.metadata, annotations },
        spec: { ...volume.spec, claimRef: undefined },
      });
      await this.setVolumePhase(updated, 'Available');
    }
  }

  private async reclaim(volume: PersistentVolume): Promise<void> {
    const policy = volume.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete') {
      try {
        await this.client.delete(resources.persistentvolumes, volume.metadata!.name!, { preconditions: { uid: volume.metadata?.uid } });
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
      }
    } else if (policy === 'Recycle') {
      this.recorder.event(volume, 'Warning', 'VolumeFailedRecycle', 'Recycle is not supported: no volume plugin can scrub this volume');
    }
  }

  /** Upstream's bind: volume first (claimRef, then phase), then the claim (volumeName, then phase). */
  private async bind(volume: PersistentVolume, claim: PersistentVolumeClaim): Promise<void> {
    const ref = {
      kind: 'PersistentVolumeClaim',
      namespace: claim.metadata?.namespace,
      name: claim.metadata?.name,
      uid: claim.metadata?.uid,
      apiVersion: 'v1',
      resourceVersion: claim.metadata?.resourceVersion,
    };
    let v = volume;
    const current = v.spec?.claimRef;
    if (!current || current.uid !== ref.uid || current.name !== ref.name || current.namespace !== ref.namespace) {
      v = await this.client.update<PersistentVolume>(resources.persistentvolumes, {
        ...v,
        metadata: { ...v.metadata, annotations: { ...(v.metadata?.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
        spec: { ...v.spec, claimRef: ref },
      });
    }
    await this.setVolumePhase(v, 'Bound');

    let c = claim;
    const annotations = c.metadata?.annotations ?? {};
    if (c.spec?.volumeName !== v.metadata?.name || annotations[ANN_BIND_COMPLETED] !== 'yes') {
      const next: Record<string, string> = { ...annotations, [ANN_BIND_COMPLETED]: 'yes' };
      if (c.spec?.volumeName !== v.metadata?.name) next[ANN_BOUND_BY_CONTROLLER] = 'yes';
      c = await this.client.update<PersistentVolumeClaim>(resources.persistentvolumeclaims, {
        ...c,
        metadata: { ...c.metadata, annotations: next },
        spec: { ...c.spec, volumeName: v.metadata?.name },
      });
    }
    if (c.status?.phase !== 'Bound' || !c.status?.capacity) {
      await this.client.update<PersistentVolumeClaim>(
        resources.persistentvolumeclaims,
        { ...c, status: { ...(c.status ?? {}), phase: 'Bound', accessModes: v.spec?.accessModes, capacity: v.spec?.capacity } },
        { subresource: 'status' },
      );
    }
  }

  /** Upstream's findBestMatchForClaim: a volume pre-bound to the claim, else the smallest that fits. */
  private findBestMatch(claim: PersistentVolumeClaim, preBoundOnly = false): PersistentVolume | undefined {
    const requested = parseQuantity(claim.spec?.resources?.requests?.storage ?? '0').nanos;
    const cls = storageClassOf(claim);
    const modes = claim.spec?.accessModes ?? [];
    const mode = claim.spec?.volumeMode ?? 'Filesystem';
    const selector = claim.spec?.selector ? labelSelectorFromObject(claim.spec.selector) : undefined;
    let best: PersistentVolume | undefined;
    let bestSize = 0n;
    for (const v of this.volumes.lister().list()) {
      if (v.metadata?.deletionTimestamp) continue;
      const ref = v.spec?.claimRef;
      const preBoundHere = ref && ref.namespace === claim.metadata?.namespace && ref.name === claim.metadata?.name && (!ref.uid || ref.uid === claim.metadata?.uid);
      if (ref && !preBoundHere) continue;
      if (preBoundOnly && !preBoundHere) continue;
      if (!ref && v.status?.phase && v.status.phase !== 'Available' && v.status.phase !== 'Pending') continue;
      const size = parseQuantity(v.spec?.capacity?.storage ?? '0').nanos;
      if ((v.spec?.volumeMode ?? 'Filesystem') !== mode) continue;
      if ((v.spec?.storageClassName ?? v.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] ?? '') !== cls) continue;
      if (!modes.every((m) => v.spec?.accessModes?.includes(m))) continue;
      if (size < requested) continue;
      if (preBoundHere) return v;
      if (selector && !matches(selector, v.metadata?.labels)) continue;
      if (!best || size < bestSize) {
        best = v;
        bestSize = size;
      }
    }
    return best;
  }

  private async setClaimPhase(claim: PersistentVolumeClaim, phase: 'Pending' | 'Bound' | 'Lost'): Promise<void> {
    if (claim.status?.phase === phase) return;
    await this.client.update<PersistentVolumeClaim>(resources.persistentvolumeclaims, { ...claim, status: { ...(claim.status ?? {}), phase } }, { subresource: 'status' });
  }

  private async setVolumePhase(volume: PersistentVolume, phase: 'Available' | 'Bound' | 'Released'): Promise<PersistentVolume | undefined> {
    if (volume.status?.phase === phase) return volume;
    return this.client.update<PersistentVolume>(resources.persistentvolumes, { ...volume, status: { ...(volume.status ?? {}), phase } }, { subresource: 'status' });
  }
}

function storageClassOf(claim: PersistentVolumeClaim): string {
  return claim.spec?.storageClassName ?? claim.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] ?? '';
}
