// VolumeRestrictions: in-tree disks that cannot be mounted twice (GCE PD, AWS EBS, RBD,
// iSCSI) and ReadWriteOncePod claims already used by another pod.

import {
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type Handle,
  type NodeInfo,
  type PreFilterPlugin,
} from '../../framework/interfaces.ts';
import type { Pod, Volume } from '../../framework/v1.ts';

export const VOLUME_RESTRICTIONS = 'VolumeRestrictions';
export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

function isConflict(a: Volume, b: Volume): boolean {
  if (a.gcePersistentDisk && b.gcePersistentDisk) {
    return a.gcePersistentDisk.pdName === b.gcePersistentDisk.pdName && !(a.gcePersistentDisk.readOnly && b.gcePersistentDisk.readOnly);
  }
  if (a.awsElasticBlockStore && b.awsElasticBlockStore) {
    return a.awsElasticBlockStore.volumeID === b.awsElasticBlockStore.volumeID;
  }
  if (a.iscsi && b.iscsi) {
    return a.iscsi.iqn === b.iscsi.iqn && !(a.iscsi.readOnly && b.iscsi.readOnly);
  }
  if (a.rbd && b.rbd) {
    const shared = a.rbd.monitors.some((m) => b.rbd!.monitors.includes(m));
    return shared && (a.rbd.pool ?? 'rbd') === (b.rbd.pool ?? 'rbd') && a.rbd.image === b.rbd.image && !(a.rbd.readOnly && b.rbd.readOnly);
  }
  return false;
}

function hasDiskVolume(v: Volume): boolean {
  return !!(v.gcePersistentDisk || v.awsElasticBlockStore || v.iscsi || v.rbd);
}

export class VolumeRestrictions implements PreFilterPlugin, FilterPlugin {
  readonly name = VOLUME_RESTRICTIONS;
  constructor(private readonly handle: Handle) {}

  preFilter(_state: CycleState, pod: Pod, nodes: NodeInfo[]): { status: Status } {
    const volumes = pod.spec.volumes ?? [];
    if (!volumes.some((v) => hasDiskVolume(v) || v.persistentVolumeClaim)) return { status: Status.skip() };
    const ns = pod.metadata.namespace ?? 'default';
    for (const v of volumes) {
      const claimName = v.persistentVolumeClaim?.claimName;
      if (!claimName) continue;
      const pvc = this.handle.lookup.getPVC(ns, claimName);
      if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${claimName}" not found`) };
      if (!pvc.spec?.accessModes?.includes('ReadWriteOncePod')) continue;
      const key = `${ns}/${claimName}`;
      for (const n of nodes) {
        if (n.pvcRefCounts.has(key)) return { status: Status.unresolvable(ERR_REASON_RWOP_CONFLICT) };
      }
    }
    return { status: Status.success() };
  }

  filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status {
    for (const v of pod.spec.volumes ?? []) {
      if (!hasDiskVolume(v)) continue;
      for (const existing of nodeInfo.pods) {
        for (const ev of existing.pod.spec.volumes ?? []) {
          if (isConflict(v, ev)) return Status.unschedulable(ERR_REASON_DISK_CONFLICT);
        }
      }
    }
    return Status.success();
  }

  eventsToRegister(): ClusterEvent[] {
    return [{ resource: 'Pod', action: 'Delete' }, { resource: 'PersistentVolumeClaim', action: '*' }, { resource: 'Node', action: 'Add' }];
  }
}
