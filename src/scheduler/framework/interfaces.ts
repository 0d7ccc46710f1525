// The scheduling framework's extension points, one small interface each (upstream
// pkg/scheduler/framework/interface.go). A plugin implements only the points it needs;
// the runtime finds them by shape, never by plugin name.

import type { CycleState } from './cycle-state.ts';
import type { NodeInfo } from './node-info.ts';
import type { NamespaceLabels, PodInfo } from './pod-info.ts';
import type { Status } from './status.ts';
import type {
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  PodDisruptionBudget,
  StorageClass,
} from './v1.ts';

export { Code, Status } from './status.ts';
export { CycleState } from './cycle-state.ts';
export { NodeInfo } from './node-info.ts';

export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;

/** The nodes of this cycle, read-only for plugins. */
export interface NodeInfoLister {
  list(): NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  havePodsWithAffinityList(): NodeInfo[];
  havePodsWithRequiredAntiAffinityList(): NodeInfo[];
  /** How many nodes have this (normalized) image. */
  imageNumNodes(image: string): number;
}

/** Lookups for cluster objects besides pods and nodes (fed by informers in the shell). */
export interface ClusterLookup {
  getPVC(namespace: string, name: string): PersistentVolumeClaim | undefined;
  getPV(name: string): PersistentVolume | undefined;
  listPVs(): PersistentVolume[];
  getStorageClass(name: string): StorageClass | undefined;
  listPDBs(namespace: string): PodDisruptionBudget[];
  namespaceLabels: NamespaceLabels;
}

export const emptyLookup: ClusterLookup = {
  getPVC: () => undefined,
  getPV: () => undefined,
  listPVs: () => [],
  getStorageClass: () => undefined,
  listPDBs: () => [],
  namespaceLabels: () => undefined,
};

/** What a plugin may use of the framework (upstream framework.Handle). */
export interface Handle {
  snapshot(): NodeInfoLister;
  lookup: ClusterLookup;
  /** Pods nominated to a node (by preemption) and not yet bound. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[];
  /** Runs all Filter plugins (plus PreFilter extensions) against a possibly changed node. */
  runFilterWithNominatedPods(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
  runPreFilterExtensionAddPod(state: CycleState, pod: Pod, added: PodInfo, nodeInfo: NodeInfo): Status;
  runPreFilterExtensionRemovePod(state: CycleState, pod: Pod, removed: PodInfo, nodeInfo: NodeInfo): Status;
}

export interface Plugin {
  readonly name: string;
}

/** Which cluster changes can make a pod this plugin rejected schedulable again. */
export type ClusterEventResource =
  | 'Pod'
  | 'Node'
  | 'PersistentVolume'
  | 'PersistentVolumeClaim'
  | 'StorageClass'
  | 'Namespace'
  | '*';
export type ClusterEventAction = 'Add' | 'Update' | 'Delete' | '*';
export interface ClusterEvent {
  resource: ClusterEventResource;
  action: ClusterEventAction;
  /** Free text label for logs and metrics, e.g. "NodeAdd". */
  label?: string;
}

export interface EnqueueExtensions {
  eventsToRegister(): ClusterEvent[];
}

export interface PreEnqueuePlugin extends Plugin {
  preEnqueue(pod: Pod): Status;
}

/** Nodes PreFilter narrowed the cycle to; null means all nodes. */
export type PreFilterResult = Set<string> | null;

export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: Pod, podToAdd: PodInfo, nodeInfo: NodeInfo): Status;
  removePod(state: CycleState, podToSchedule: Pod, podToRemove: PodInfo, nodeInfo: NodeInfo): Status;
}

export interface PreFilterPlugin extends Plugin {
  preFilter(state: CycleState, pod: Pod, nodes: NodeInfo[]): { result?: PreFilterResult; status: Status };
  preFilterExtensions?(): PreFilterExtensions | null;
}

export interface FilterPlugin extends Plugin {
  filter(state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status;
}

export interface PostFilterResult {
  nominatedNodeName: string;
  victims: Pod[];
}

export interface PostFilterPlugin extends Plugin {
  /** `statuses` holds each filtered node's rejection. */
  postFilter(
    state: CycleState,
    pod: Pod,
    statuses: Map<string, Status>,
  ): { result?: PostFilterResult; status: Status };
}

export interface PreScorePlugin extends Plugin {
  preScore(state: CycleState, pod: Pod, nodes: NodeInfo[]): Status;
}

export interface ScorePlugin extends Plugin {
  /**
   * The node's raw score. Upstream also returns a Status; none of the in-tree plugins ever
   * fails here, so a plugin that cannot score throws and the cycle ends with an error.
   * A number, not an object, because this runs for hundreds of nodes per pod.
   */
  score(state: CycleState, pod: Pod, nodeInfo: NodeInfo): number;
  /** Rescales this plugin's raw scores in place to 0..MAX_NODE_SCORE; scores[i] is nodes[i]'s. */
  normalizeScore?(state: CycleState, pod: Pod, nodes: readonly NodeInfo[], scores: number[]): Status;
}

export interface ReservePlugin extends Plugin {
  reserve(state: CycleState, pod: Pod, nodeName: string): Status;
  unreserve(state: CycleState, pod: Pod, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** Wait status with a timeout makes the binding cycle wait for allow/reject. */
  permit(state: CycleState, pod: Pod, nodeName: string): { status: Status; timeoutMs?: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface BindPlugin extends Plugin {
  /** Skip means "not mine, ask the next Bind plugin". */
  bind(state: CycleState, pod: Pod, nodeName: string): Promise<Status>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: Pod, nodeName: string): void;
}

/** Arguments a plugin factory receives: its pluginConfig args and the framework handle. */
export type PluginFactory = (args: Record<string, unknown> | undefined, handle: Handle) => Plugin;

export const isPreEnqueue = (p: Plugin): p is PreEnqueuePlugin => typeof (p as PreEnqueuePlugin).preEnqueue === 'function';
export const isPreFilter = (p: Plugin): p is PreFilterPlugin => typeof (p as PreFilterPlugin).preFilter === 'function';
export const isFilter = (p: Plugin): p is FilterPlugin => typeof (p as FilterPlugin).filter === 'function';
export const isPostFilter = (p: Plugin): p is PostFilterPlugin => typeof (p as PostFilterPlugin).postFilter === 'function';
export const isPreScore = (p: Plugin): p is PreScorePlugin => typeof (p as PreScorePlugin).preScore === 'function';
export const isScore = (p: Plugin): p is ScorePlugin => typeof (p as ScorePlugin).score === 'function';
export const isReserve = (p: Plugin): p is ReservePlugin => typeof (p as ReservePlugin).reserve === 'function';
export const isPermit = (p: Plugin): p is PermitPlugin => typeof (p as PermitPlugin).permit === 'function';
export const isPreBind = (p: Plugin): p is PreBindPlugin => typeof (p as PreBindPlugin).preBind === 'function';
export const isBind = (p: Plugin): p is BindPlugin => typeof (p as BindPlugin).bind === 'function';
export const isPostBind = (p: Plugin): p is PostBindPlugin => typeof (p as PostBindPlugin).postBind === 'function';
export const hasEvents = (p: Plugin): p is Plugin & EnqueueExtensions =>
  typeof (p as unknown as EnqueueExtensions).eventsToRegister === 'function';

/** Upstream DefaultNormalizeScore: scale to 0..max by the highest score, optionally reversed. */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let v = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) v = maxPriority - v;
    scores[i] = v;
  }
}
