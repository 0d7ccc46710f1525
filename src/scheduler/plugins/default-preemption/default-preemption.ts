// DefaultPreemption (PostFilter): when no node fits, find the node where evicting the
// fewest, lowest-priority pods lets the pod fit. For each candidate node all lower-priority
// pods are removed, then reprieved one by one (most important first, PDB-protected pods
// before others) while the pod still fits; the rest are the victims. Among candidates:
// fewest PDB violations, lowest highest-victim priority, lowest priority sum, fewest
// victims, latest start of the highest-priority victims, then first found.

import { Code, Status, type CycleState, type Handle, type NodeInfo, type PostFilterPlugin, type PostFilterResult } from '../../framework/interfaces.ts';
import { fitErrorMessage } from '../../framework/fit-error.ts';
import type { PodInfo } from '../../framework/pod-info.ts';
import { compileSelector } from '../../framework/selectors.ts';
import { podPriority, type Pod, type PodDisruptionBudget } from '../../framework/v1.ts';

export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const ERR_PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';

export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

interface Candidate {
  node: string;
  victims: PodInfo[];
  numPDBViolations: number;
}

function startTime(p: Pod): number {
  const t = p.status?.startTime ?? p.metadata.creationTimestamp;
  return t ? Date.parse(t) : Number.MAX_SAFE_INTEGER;
}

/** Upstream MoreImportantPod: higher priority, then started earlier. */
export function moreImportantPod(a: Pod, b: Pod): boolean {
  const pa = podPriority(a);
  const pb = podPriority(b);
  if (pa !== pb) return pa > pb;
  return startTime(a) < startTime(b);
}

export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  private readonly minPct: number;
  private readonly minAbs: number;

  constructor(
    private readonly handle: Handle,
    args: DefaultPreemptionArgs = {},
  ) {
    this.minPct = args.minCandidateNodesPercentage ?? 10;
    this.minAbs = args.minCandidateNodesAbsolute ?? 100;
  }

  postFilter(state: CycleState, pod: Pod, statuses: Map<string, Status>): { result?: PostFilterResult; status: Status } {
    if (pod.spec.preemptionPolicy === 'Never') {
      return { status: Status.unschedulable('not eligible due to preemptionPolicy=Never.') };
    }
    const snapshot = this.handle.snapshot();
    const all = snapshot.list();
    const nodeToStatus = new Map<string, Status>();
    const potential: NodeInfo[] = [];
    for (const ni of all) {
      const s = statuses.get(ni.name);
      if (s && s.code === Code.UnschedulableAndUnresolvable) nodeToStatus.set(ni.name, Status.unresolvable(ERR_PREEMPTION_NOT_HELPFUL));
      else potential.push(ni);
    }
    const pdbs = this.handle.lookup.listPDBs(pod.metadata.namespace ?? 'default');
    const want = Math.max(this.minAbs, Math.trunc((potential.length * this.minPct) / 100));
    const candidates: Candidate[] = [];
    const offset = potential.length ? Math.floor(Math.random() * potential.length) : 0;
    for (let i = 0; i < potential.length && candidates.length < want; i++) {
      const ni = potential[(offset + i) % potential.length]!;
      const r = this.selectVictimsOnNode(state, pod, ni, pdbs);
      if ('status' in r) nodeToStatus.set(ni.name, r.status);
      else candidates.push({ node: ni.name, ...r });
    }
    if (!candidates.length) {
      const msg = fitErrorMessage(all.length, { nodeToStatus, unschedulablePlugins: new Set() });
      return { status: Status.unschedulable(`preemption: ${msg}`) };
    }
    const best = pickOneNodeForPreemption(candidates);
    return {
      result: { nominatedNodeName: best.node, victims: best.victims.map((v) => v.pod) },
      status: Status.success(),
    };
  }

  selectVictimsOnNode(
    state: CycleState,
    pod: Pod,
    original: NodeInfo,
    pdbs: PodDisruptionBudget[],
  ): { victims: PodInfo[]; numPDBViolations: number } | { status: Status } {
    const ni = original.clone();
    const st = state.clone();
    const prio = podPriority(pod);
    const potential: PodInfo[] = [];
    for (const pi of [...ni.pods]) {
      if (podPriority(pi.pod) >= prio) continue;
      potential.push(pi);
      ni.removePod(pi.key);
      const s = this.handle.runPreFilterExtensionRemovePod(st, pod, pi, ni);
      if (!s.isSuccess()) return { status: s };
    }
    if (!potential.length) return { status: Status.unresolvable(ERR_NO_VICTIMS) };
    const fits = this.handle.runFilterWithNominatedPods(st, pod, ni);
    if (!fits.isSuccess()) return { status: fits };
    potential.sort((a, b) => (moreImportantPod(a.pod, b.pod) ? -1 : moreImportantPod(b.pod, a.pod) ? 1 : 0));
    const { violating, nonViolating } = splitByPDB(potential, pdbs);
    const victims: PodInfo[] = [];
    let numPDBViolations = 0;
    const reprieve = (pi: PodInfo): boolean => {
      ni.addPod(pi);
      this.handle.runPreFilterExtensionAddPod(st, pod, pi, ni);
      if (this.handle.runFilterWithNominatedPods(st, pod, ni).isSuccess()) return true;
      ni.removePod(pi.key);
      this.handle.runPreFilterExtensionRemovePod(st, pod, pi, ni);
      victims.push(pi);
      return false;
    };
    for (const pi of violating) if (!reprieve(pi)) numPDBViolations++;
    for (const pi of nonViolating) reprieve(pi);
    victims.sort((a, b) => (moreImportantPod(a.pod, b.pod) ? -1 : moreImportantPod(b.pod, a.pod) ? 1 : 0));
    return { victims, numPDBViolations };
  }
}

/** Upstream filterPodsWithPDBViolation: pods whose eviction would exceed a PDB's allowance. */
function splitByPDB(pods: PodInfo[], pdbs: PodDisruptionBudget[]): { violating: PodInfo[]; nonViolating: PodInfo[] } {
  const allowed = pdbs.map((p) => p.status?.disruptionsAllowed ?? 0);
  const selectors = pdbs.map((p) => compileSelector(p.spec?.selector));
  const violating: PodInfo[] = [];
  const nonViolating: PodInfo[] = [];
  for (const pi of pods) {
    let violates = false;
    pdbs.forEach((pdb, i) => {
      if ((pdb.metadata.namespace ?? 'default') !== (pi.pod.metadata.namespace ?? 'default')) return;
      if (!Object.keys(pi.pod.metadata.labels ?? {}).length || !selectors[i]!(pi.pod.metadata.labels)) return;
      if (pdb.status?.disruptedPods?.[pi.pod.metadata.name ?? '']) return;
      allowed[i]!--;
      if (allowed[i]! < 0) violates = true;
    });
    (violates ? violating : nonViolating).push(pi);
  }
  return { violating, nonViolating };
}

export function pickOneNodeForPreemption(candidates: Candidate[]): Candidate {
  const INT32_OFFSET = 2 ** 31;
  const keyFns: ((c: Candidate) => number)[] = [
    (c) => -c.numPDBViolations,
    (c) => -(c.victims.length ? podPriority(c.victims[0]!.pod) : -Infinity),
    (c) => -c.victims.reduce((s, v) => s + podPriority(v.pod) + INT32_OFFSET, 0),
    (c) => -c.victims.length,
    (c) => {
      if (!c.victims.length) return 0;
      const top = podPriority(c.victims[0]!.pod);
      let earliest = Infinity;
      for (const v of c.victims) if (podPriority(v.pod) === top) earliest = Math.min(earliest, startTime(v.pod));
      return earliest;
    },
  ];
  let left = candidates;
  for (const f of keyFns) {
    let best = -Infinity;
    for (const c of left) best = Math.max(best, f(c));
    left = left.filter((c) => f(c) === best);
    if (left.length === 1) break;
  }
  return left[0]!;
}
