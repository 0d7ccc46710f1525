// The scheduler's view of nodes and the pods on them (upstream internal/cache). Pods the
// scheduler decided to bind are "assumed" onto their node at once, so the next pod sees
// them without waiting for the API round trip; the informer's update with spec.nodeName
// confirms them, a failed bind forgets them, and an assumed pod whose binding finished but
// was never confirmed expires after a TTL. NodeInfos are updated in place per pod, and the
// cache itself serves as the cycle's snapshot: scheduling cycles run synchronously between
// updates, so nothing is copied per pod.

import type { NodeInfoLister } from '../framework/interfaces.ts';
import { NodeInfo } from '../framework/node-info.ts';
import { newPodInfo, type PodInfo } from '../framework/pod-info.ts';
import { podKey, type Node, type Pod } from '../framework/v1.ts';

/** Upstream's durationToExpireAssumedPod before it was made 0 (never). */
export const DEFAULT_ASSUMED_POD_TTL_MS = 15 * 60 * 1000;

interface PodState {
  info: PodInfo;
  nodeName: string;
  /** Set once binding finished, for assumed pods. */
  deadline?: number;
  bindingFinished: boolean;
}

export class SchedulerCache implements NodeInfoLister {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly assumed = new Set<string>();
  private readonly imageNodes = new Map<string, number>();
  private list_: NodeInfo[] | null = null;
  private affinityList: NodeInfo[] | null = null;
  private antiAffinityList: NodeInfo[] | null = null;

  constructor(
    private readonly ttlMs = DEFAULT_ASSUMED_POD_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- NodeInfoLister (the cycle's snapshot) ----

  list(): NodeInfo[] {
    if (!this.list_) this.list_ = [...this.nodes.values()].filter((n) => n.node !== null);
    return this.list_;
  }

  get(nodeName: string): NodeInfo | undefined {
    const n = this.nodes.get(nodeName);
    return n?.node ? n : undefined;
  }

  havePodsWithAffinityList(): NodeInfo[] {
    if (!this.affinityList) this.affinityList = this.list().filter((n) => n.podsWithAffinity.length > 0);
    return this.affinityList;
  }

  havePodsWithRequiredAntiAffinityList(): NodeInfo[] {
    if (!this.antiAffinityList) this.antiAffinityList = this.list().filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    return this.antiAffinityList;
  }

  imageNumNodes(image: string): number {
    return this.imageNodes.get(image) ?? 0;
  }

  nodeCount(): number {
    return this.list().length;
  }

  podCount(): number {
    return this.podStates.size;
  }

  // ---- nodes ----

  addNode(node: Node): NodeInfo {
    const name = node.metadata.name!;
    let ni = this.nodes.get(name);
    if (ni?.node) this.countImages(ni, -1);
    if (!ni) {
      ni = new NodeInfo();
      this.nodes.set(name, ni);
    }
    const wasListed = ni.node !== null;
    ni.setNode(node);
    this.countImages(ni, 1);
    if (!wasListed) this.list_ = null;
    this.affinityList = this.antiAffinityList = null;
    return ni;
  }

  updateNode(node: Node): NodeInfo {
    return this.addNode(node);
  }

  removeNode(name: string): void {
    const ni = this.nodes.get(name);
    if (!ni) return;
    if (ni.node) this.countImages(ni, -1);
    // Pods still on it keep a placeholder until they are deleted, as upstream.
    if (ni.pods.length) ni.node = null;
    else this.nodes.delete(name);
    this.list_ = this.affinityList = this.antiAffinityList = null;
  }

  private countImages(ni: NodeInfo, sign: number): void {
    for (const image of ni.imageSizes.keys()) {
      const n = (this.imageNodes.get(image) ?? 0) + sign;
      if (n <= 0) this.imageNodes.delete(image);
      else this.imageNodes.set(image, n);
    }
  }

  // ---- pods ----

  private placePod(pod: Pod, nodeName: string, info?: PodInfo): PodState {
    const pi = info ?? newPodInfo(pod);
    let ni = this.nodes.get(nodeName);
    if (!ni) {
      ni = new NodeInfo();
      this.nodes.set(nodeName, ni);
    }
    const hadAffinity = ni.podsWithAffinity.length > 0;
    const hadAnti = ni.podsWithRequiredAntiAffinity.length > 0;
    ni.addPod(pi);
    this.invalidateAffinityLists(ni, hadAffinity, hadAnti);
    const st: PodState = { info: pi, nodeName, bindingFinished: false };
    this.podStates.set(pi.key, st);
    return st;
  }

  private unplacePod(key: string): void {
    const st = this.podStates.get(key);
    if (!st) return;
    const ni = this.nodes.get(st.nodeName);
    if (ni) {
      const hadAffinity = ni.podsWithAffinity.length > 0;
      const hadAnti = ni.podsWithRequiredAntiAffinity.length > 0;
      ni.removePod(key);
      this.invalidateAffinityLists(ni, hadAffinity, hadAnti);
      if (!ni.node && !ni.pods.length) this.nodes.delete(st.nodeName);
    }
    this.podStates.delete(key);
  }

  private invalidateAffinityLists(ni: NodeInfo, hadAffinity: boolean, hadAnti: boolean): void {
    if (hadAffinity !== ni.podsWithAffinity.length > 0) this.affinityList = null;
    if (hadAnti !== ni.podsWithRequiredAntiAffinity.length > 0) this.antiAffinityList = null;
  }

  /** The scheduler decided `pod.spec.nodeName`: account for it before the bind is confirmed. */
  assumePod(pod: Pod, info?: PodInfo): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${key} is in the cache, so can't be assumed`);
    if (!pod.spec.nodeName) throw new Error(`pod ${key} has no nodeName to assume`);
    this.placePod(pod, pod.spec.nodeName, info);
    this.assumed.add(key);
  }

  /** Binding finished (successfully or not yet confirmed): the TTL starts now. */
  finishBinding(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st || !this.assumed.has(key)) return;
    st.bindingFinished = true;
    st.deadline = this.now() + this.ttlMs;
  }

  /** Binding failed: undo the assumption. */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    if (!this.assumed.has(key)) return;
    this.unplacePod(key);
    this.assumed.delete(key);
  }

  isAssumedPod(pod: Pod): boolean {
    return this.assumed.has(podKey(pod));
  }

  getPod(pod: Pod): Pod | undefined {
    return this.podStates.get(podKey(pod))?.info.pod;
  }

  /** An informer saw a pod with spec.nodeName (a bound pod): confirms an assumed one. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const nodeName = pod.spec.nodeName;
    if (!nodeName) return;
    const st = this.podStates.get(key);
    if (st && this.assumed.has(key)) {
      this.assumed.delete(key);
      if (st.nodeName !== nodeName) {
        this.unplacePod(key);
        this.placePod(pod, nodeName);
      } else {
        this.replacePodInfo(st, pod);
      }
      return;
    }
    if (st) {
      this.updatePod(pod);
      return;
    }
    this.placePod(pod, nodeName);
  }

  updatePod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st || this.assumed.has(key)) {
      this.addPod(pod);
      return;
    }
    if (!pod.spec.nodeName) return;
    this.unplacePod(key);
    this.placePod(pod, pod.spec.nodeName);
  }

  private replacePodInfo(st: PodState, pod: Pod): void {
    this.unplacePod(st.info.key);
    this.placePod(pod, st.nodeName);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    this.unplacePod(key);
    this.assumed.delete(key);
  }

  /** Drops assumed pods whose binding finished more than the TTL ago and were never confirmed. */
  cleanupExpiredAssumedPods(): Pod[] {
    const now = this.now();
    const expired: Pod[] = [];
    for (const key of this.assumed) {
      const st = this.podStates.get(key);
      if (!st || !st.bindingFinished || st.deadline === undefined || now < st.deadline) continue;
      expired.push(st.info.pod);
      this.unplacePod(key);
      this.assumed.delete(key);
    }
    return expired;
  }

  /** Every pod accounted on a node (for PodTopologySpread default selectors, debugging). */
  podInfos(): IterableIterator<PodInfo> {
    const it = this.podStates.values();
    return (function* () {
      for (const st of it) yield st.info;
    })();
  }
}

