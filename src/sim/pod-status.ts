// The pod statuses a simulated kubelet writes: Running (every container started and
// ready), a container that exited (terminal for the pod, or waiting in CrashLoopBackOff
// before a restart), as the real kubelet reports them.
//
// Pod annotations that drive a simulated pod's life:
//   sim.k8ts.io/run-seconds: "<seconds>"  how long the containers run before they exit
//                                          (decimal allowed). Absent: they run until the
//                                          pod is deleted.
//   sim.k8ts.io/exit-code: "<int>"        the exit code when they exit (default 0).
// What happens on exit follows spec.restartPolicy, as the kubelet does: Never → the pod ends
// Succeeded (exit 0) or Failed; OnFailure → Succeeded on 0, else restart; Always → restart.
// The first restart is immediate; later ones wait out upstream's crash-loop backoff
// (10 s doubling to 5 min).

import { nowRfc3339 } from '../api/meta.ts';

export const RUN_SECONDS_ANNOTATION = 'sim.k8ts.io/run-seconds';
export const EXIT_CODE_ANNOTATION = 'sim.k8ts.io/exit-code';

export const CRASH_LOOP_INITIAL_BACKOFF_MS = 10_000;
export const CRASH_LOOP_MAX_BACKOFF_MS = 300_000;

export interface SimContainer {
  name: string;
  image?: string;
}

export interface SimPod {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    resourceVersion?: string;
  };
  spec: {
    nodeName?: string;
    restartPolicy?: string;
    hostNetwork?: boolean;
    containers: SimContainer[];
    initContainers?: SimContainer[];
    terminationGracePeriodSeconds?: number;
  };
  status?: {
    phase?: string;
    podIP?: string;
    startTime?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
  };
}

/** How long the containers run, from the annotation; undefined = forever. */
export function runDurationMs(pod: SimPod): number | undefined {
  const text = pod.metadata.annotations?.[RUN_SECONDS_ANNOTATION];
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return seconds * 1000;
}

export function exitCodeOf(pod: SimPod): number {
  const n = Number(pod.metadata.annotations?.[EXIT_CODE_ANNOTATION] ?? 0);
  return Number.isInteger(n) ? n : 1;
}

/** What the kubelet does when every container exited with `exitCode`. */
export function afterExit(pod: SimPod, exitCode: number): 'Succeeded' | 'Failed' | 'restart' {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return 'restart';
  if (exitCode === 0) return 'Succeeded';
  return policy === 'OnFailure' ? 'restart' : 'Failed';
}

/** The wait before the `restart`-th restart (1-based). */
export function crashLoopBackoffMs(restart: number): number {
  if (restart <= 1) return 0;
  return Math.min(CRASH_LOOP_INITIAL_BACKOFF_MS * 2 ** (restart - 2), CRASH_LOOP_MAX_BACKOFF_MS);
}

/** A container's life so far: for restartCount and lastState. */
export interface ContainerHistory {
  restarts: number;
  startedAt: string;
  lastExit?: { exitCode: number; startedAt: string; finishedAt: string };
}

function containerId(pod: SimPod, name: string, restarts: number): string {
  return `sim://${pod.metadata.uid ?? pod.metadata.name}-${name}-${restarts}`;
}

function terminatedState(exitCode: number, startedAt: string, finishedAt: string, id?: string) {
  const s: Record<string, unknown> = { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt };
  if (id) s.containerID = id;
  return { terminated: s };
}

function imageOf(c: SimContainer): string {
  return c.image ?? '';
}

function initContainerStatuses(pod: SimPod, startedAt: string): Record<string, unknown>[] | undefined {
  if (!pod.spec.initContainers?.length) return undefined;
  return pod.spec.initContainers.map((c) => ({
    name: c.name,
    image: imageOf(c),
    imageID: `sim://${imageOf(c)}`,
    containerID: containerId(pod, c.name, 0),
    ready: true,
    started: false,
    restartCount: 0,
    state: terminatedState(0, startedAt, startedAt, containerId(pod, c.name, 0)),
  }));
}

function condition(type: string, status: string, at: string, reason?: string): Record<string, unknown> {
  const c: Record<string, unknown> = { type, status, lastProbeTime: null, lastTransitionTime: at };
  if (reason) c.reason = reason;
  return c;
}

function scheduledAt(pod: SimPod, fallback: string): string {
  return pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True')?.lastTransitionTime ?? fallback;
}

export interface Addresses {
  podIP: string;
  hostIP: string;
}

/** Every container running, started and ready. */
export function runningStatus(pod: SimPod, addr: Addresses, history: ContainerHistory, now: Date = new Date()): Record<string, unknown> {
  const t = nowRfc3339(now);
  const startTime = pod.status?.startTime ?? history.startedAt;
  return {
    phase: 'Running',
    hostIP: addr.hostIP,
    hostIPs: [{ ip: addr.hostIP }],
    podIP: addr.podIP,
    podIPs: [{ ip: addr.podIP }],
    startTime,
    conditions: [
      condition('PodReadyToStartContainers', 'True', startTime),
      condition('Initialized', 'True', startTime),
      condition('Ready', 'True', t),
      condition('ContainersReady', 'True', t),
      condition('PodScheduled', 'True', scheduledAt(pod, startTime)),
    ],
    initContainerStatuses: initContainerStatuses(pod, startTime),
    containerStatuses: pod.spec.containers.map((c) => {
      const s: Record<string, unknown> = {
        name: c.name,
        image: imageOf(c),
        imageID: `sim://${imageOf(c)}`,
        containerID: containerId(pod, c.name, history.restarts),
        ready: true,
        started: true,
        restartCount: history.restarts,
        state: { running: { startedAt: history.startedAt } },
      };
      if (history.lastExit) {
        const e = history.lastExit;
        s.lastState = terminatedState(e.exitCode, e.startedAt, e.finishedAt, containerId(pod, c.name, history.restarts - 1));
      }
      return s;
    }),
  };
}

/** The containers exited; the pod either ended (Succeeded/Failed) or waits to restart them. */
export function exitedStatus(
  pod: SimPod,
  addr: Addresses,
  history: ContainerHistory,
  exitCode: number,
  outcome: 'Succeeded' | 'Failed' | 'restart',
  now: Date = new Date(),
  backoffMs = 0,
): Record<string, unknown> {
  const t = nowRfc3339(now);
  const startTime = pod.status?.startTime ?? history.startedAt;
  const notReady = outcome === 'restart' ? 'ContainersNotReady' : 'PodCompleted';
  return {
    phase: outcome === 'restart' ? 'Running' : outcome,
    hostIP: addr.hostIP,
    hostIPs: [{ ip: addr.hostIP }],
    podIP: addr.podIP,
    podIPs: [{ ip: addr.podIP }],
    startTime,
    conditions: [
      condition('PodReadyToStartContainers', outcome === 'restart' ? 'True' : 'False', startTime),
      condition('Initialized', 'True', startTime, outcome === 'restart' ? undefined : 'PodCompleted'),
      condition('Ready', 'False', t, notReady),
      condition('ContainersReady', 'False', t, notReady),
      condition('PodScheduled', 'True', scheduledAt(pod, startTime)),
    ],
    initContainerStatuses: initContainerStatuses(pod, startTime),
    containerStatuses: pod.spec.containers.map((c) => {
      const id = containerId(pod, c.name, history.restarts);
      const terminated = terminatedState(exitCode, history.startedAt, t, id);
      const s: Record<string, unknown> = {
        name: c.name,
        image: imageOf(c),
        imageID: `sim://${imageOf(c)}`,
        containerID: id,
        ready: false,
        started: false,
        restartCount: history.restarts,
      };
      if (outcome === 'restart') {
        s.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoffMs / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})` } };
        s.lastState = terminated;
      } else {
        s.state = terminated;
      }
      return s;
    }),
  };
}
