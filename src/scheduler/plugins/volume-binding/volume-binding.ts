// VolumeBinding: the pod's PersistentVolumeClaims must exist; bound claims' volumes must be
// reachable from the node (PV nodeAffinity); unbound WaitForFirstConsumer claims need a
// matching available PV on the node or a provisioner allowed there. Unbound claims of an
// Immediate class make the pod wait until the PV controller binds them.

import { intValue } from '../../../api/quantity.ts';
import {
  Status,
  type ClusterEvent,
  type CycleState,
  type FilterPlugin,
  type Handle,
  type NodeInfo,
  type PreBindPlugin,
  type PreFilterPlugin,
  type ReservePlugin,
} from '../../framework/interfaces.ts';
import { nodeSelectorMatches } from '../../framework/node-selector.ts';
import { compileSelector } from '../../framework/selectors.ts';
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../framework/v1.ts';

export const VOLUME_BINDING = 'VolumeBinding';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';
const STATE_KEY = 'PreFilter' + VOLUME_BINDING;

interface ClaimsState {
  bound: { pvc: PersistentVolumeClaim; pv: PersistentVolume }[];
  toBind: { pvc: PersistentVolumeClaim; cls: StorageClass }[];
  /** Per node: claim key → PV name chosen for it ('' means dynamic provisioning). */
  decisions: Map<string, Map<string, string>>;
  clone(): ClaimsState;
}

/** Binds the chosen PVs / triggers provisioning through the API (supplied by the shell). */
export type VolumeBinderFunction = (pod: Pod, nodeName: string, decisions: Map<string, string>) => Promise<void>;

function claimKey(pvc: PersistentVolumeClaim): string {
  return `${pvc.metadata.namespace ?? 'default'}/${pvc.metadata.name}`;
}

function pvAvailableFor(pv: PersistentVolume, pvc: PersistentVolumeClaim, className: string, node: Node): boolean {
  const ref = pv.spec?.claimRef;
  if (ref && !(ref.name === pvc.metadata.name && (ref.namespace ?? 'default') === (pvc.metadata.namespace ?? 'default'))) return false;
  if (pv.metadata.deletionTimestamp) return false;
  if (pv.status?.phase && pv.status.phase !== 'Available' && !ref) return false;
  if ((pv.spec?.storageClassName ?? '') !== className) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
  for (const m of pvc.spec?.accessModes ?? []) if (!pv.spec?.accessModes?.includes(m)) return false;
  const want = pvc.spec?.resources?.requests?.storage;
  const have = pv.spec?.capacity?.storage;
  if (want !== undefined && (have === undefined || intValue(have) < intValue(want))) return false;
  if (pvc.spec?.selector && !compileSelector(pvc.spec.selector)(pv.metadata.labels)) return false;
  return nodeSelectorMatches(pv.spec?.nodeAffinity?.required, node);
}

function provisioningAllowed(cls: StorageClass, node: Node): boolean {
  if (cls.provisioner === NO_PROVISIONER) return false;
  const topologies = cls.allowedTopologies ?? [];
  if (!topologies.length) return true;
  const labels = node.metadata.labels ?? {};
  return topologies.some((t) => (t.matchLabelExpressions ?? []).every((e) => e.values.includes(labels[e.key] ?? '\u0000')));
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, ReservePlugin, PreBindPlugin {
  readonly name = VOLUME_BINDING;
  constructor(
    private readonly handle: Handle,
    private readonly binder?: VolumeBinderFunction,
  ) {}

  preFilter(state: CycleState, pod: Pod): { status: Status } {
    const ns = pod.metadata.namespace ?? 'default';
    const claims = (pod.spec.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => !!c);
    if (!claims.length) return { status: Status.skip() };
    const st: ClaimsState = {
      bound: [],
      toBind: [],
      decisions: new Map(),
      clone() {
        return { ...this, decisions: new Map(this.decisions) };
      },
    };
    for (const name of claims) {
      const pvc = this.handle.lookup.getPVC(ns, name);
      if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${name}" not found`) };
      if (pvc.metadata.deletionTimestamp) return { status: Status.unresolvable(`persistentvolumeclaim "${name}" is being deleted`) };
      const volumeName = pvc.spec?.volumeName;
      if (volumeName) {
        const pv = this.handle.lookup.getPV(volumeName);
        if (!pv) return { status: Status.unresolvable(`pvc ${ns}/${name} is bound to non-existent pv ${volumeName}`) };
        st.bound.push({ pvc, pv });
        continue;
      }
      const className = pvc.spec?.storageClassName ?? '';
      const cls = className ? this.handle.lookup.getStorageClass(className) : undefined;
      if (!cls || (cls.volumeBindingMode ?? 'Immediate') !== 'WaitForFirstConsumer') {
        return { status: Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE) };
      }
      st.toBind.push({ pvc, cls });
    }
    state.write(STATE_KEY, st);
    return { status: Status.success() };
  }

  filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
    const st = state.read<ClaimsState>(STATE_KEY);
    const node = nodeInfo.node;
    if (!st || !node) return Status.success();
    for (const { pv } of st.bound) {
      if (!nodeSelectorMatches(pv.spec?.nodeAffinity?.required, node)) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    if (!st.toBind.length) return Status.success();
    const chosen = new Map<string, string>();
    const taken = new Set<string>();
    for (const { pvc, cls } of st.toBind) {
      const pv = this.handle.lookup
        .listPVs()
        .filter((p) => !taken.has(p.metadata.name!) && pvAvailableFor(p, pvc, cls.metadata.name ?? '', node))
        .sort((a, b) => intValue(a.spec?.capacity?.storage ?? 0) - intValue(b.spec?.capacity?.storage ?? 0))[0];
      if (pv) {
        taken.add(pv.metadata.name!);
        chosen.set(claimKey(pvc), pv.metadata.name!);
      } else if (provisioningAllowed(cls, node)) {
        chosen.set(claimKey(pvc), '');
      } else {
        return Status.unresolvable(ERR_REASON_BIND_CONFLICT);
      }
    }
    st.decisions.set(nodeInfo.name, chosen);
    return Status.success();
  }

  reserve(state: CycleState, _pod: Pod, nodeName: string): Status {
    const st = state.read<ClaimsState>(STATE_KEY);
    if (st) state.write(STATE_KEY + '/chosen', st.decisions.get(nodeName) ?? new Map());
    return Status.success();
  }

  unreserve(state: CycleState): void {
    state.delete(STATE_KEY + '/chosen');
  }

  async preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status> {
    const chosen = state.read<Map<string, string>>(STATE_KEY + '/chosen');
    if (!chosen?.size || !this.binder) return Status.success();
    try {
      await this.binder(pod, nodeName, chosen);
      return Status.success();
    } catch (e) {
      return Status.error(e as Error);
    }
  }

  eventsToRegister(): ClusterEvent[] {
    return [
      { resource: 'PersistentVolumeClaim', action: '*' },
      { resource: 'PersistentVolume', action: '*' },
      { resource: 'StorageClass', action: '*' },
      { resource: 'Node', action: 'Add' },
      { resource: 'Node', action: 'Update' },
    ];
  }
}
