// core/v1 pods: defaults (SetDefaults_Pod + the ServiceAccount, DefaultTolerationSeconds and
// Priority admission defaults), status reset on create, the narrow set of spec fields an
// update may change, kubectl's STATUS column, and the pod field selectors.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition, TableSpec } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { defaultPodSpec, podQOSClass, validatePodSpec } from './pod-spec.ts';
import { clone, ensureObject, equalJSON, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, column, since } from './table-format.ts';

const DEFAULT_TOLERATIONS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];
const DEFAULT_TOLERATION_SECONDS = 300;
const NODE_UNREACHABLE_POD_REASON = 'NodeLost';

export function defaultPod(pod: any): void {
  const spec = ensureObject(pod, 'spec');
  defaultPodSpec(spec);
  // Containers that state limits but no requests request their limits.
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const limits = c?.resources?.limits;
    if (!limits) continue;
    const requests = ensureObject(c.resources, 'requests');
    for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
  }
  setDefault(spec, 'serviceAccountName', spec.serviceAccount || 'default');
  // The deprecated alias mirrors serviceAccountName, as v1 conversion keeps it.
  spec.serviceAccount = spec.serviceAccountName;
}

/** What the DefaultTolerationSeconds and Priority admission plugins add to a new pod. */
function admitNewPod(pod: any): void {
  const spec = ensureObject(pod, 'spec');
  const tolerations: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  for (const key of DEFAULT_TOLERATIONS) {
    const covered = tolerations.some(
      (t) => (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'),
    );
    if (!covered) {
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS });
    }
  }
  spec.tolerations = tolerations;
  setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
}

function prepareForCreate(pod: any): void {
  admitNewPod(pod);
  const status: any = { phase: 'Pending', qosClass: podQOSClass(pod.spec) };
  if (Array.isArray(pod.spec?.schedulingGates) && pod.spec.schedulingGates.length > 0) {
    status.conditions = [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
        lastProbeTime: null,
        lastTransitionTime: null,
      },
    ];
  }
  pod.status = status;
}

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function changedKeys(a: any, b: any): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => !equalJSON(a?.[k], b?.[k])).sort();
}

export function validatePodUpdate(pod: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pod.spec ?? {};
  const oldSpec = old.spec ?? {};
  const munged = clone(spec);
  // Images may change; the number of containers may not (that shows up as a diff below).
  for (const kind of ['containers', 'initContainers'] as const) {
    const olds: any[] = oldSpec[kind] ?? [];
    (munged[kind] ?? []).forEach((c: any, i: number) => {
      if (olds[i] && c) c.image = olds[i].image;
    });
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const prev = oldSpec.activeDeadlineSeconds;
    if (prev !== undefined && prev !== null && spec.activeDeadlineSeconds > prev) {
      errs.push(
        fieldError.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be less than or equal to previous value'),
      );
    }
    munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  } else if (oldSpec.activeDeadlineSeconds !== undefined && oldSpec.activeDeadlineSeconds !== null) {
    errs.push(fieldError.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    munged.activeDeadlineSeconds = oldSpec.activeDeadlineSeconds;
  }
  const oldTolerations: any[] = oldSpec.tolerations ?? [];
  const newTolerations: any[] = spec.tolerations ?? [];
  const keepsOld = oldTolerations.every((t) => newTolerations.some((n) => equalJSON(n, t) || sameTolerationLonger(n, t)));
  if (keepsOld) {
    if (oldSpec.tolerations === undefined) delete munged.tolerations;
    else munged.tolerations = clone(oldSpec.tolerations);
  }
  if (
    typeof oldSpec.terminationGracePeriodSeconds === 'number' &&
    oldSpec.terminationGracePeriodSeconds < 0 &&
    spec.terminationGracePeriodSeconds === 1
  ) {
    munged.terminationGracePeriodSeconds = oldSpec.terminationGracePeriodSeconds;
  }
  // Scheduling gates may only be removed.
  const oldGates: any[] = oldSpec.schedulingGates ?? [];
  const newGates: any[] = spec.schedulingGates ?? [];
  if (newGates.every((g) => oldGates.some((o) => o.name === g.name))) {
    if (oldSpec.schedulingGates === undefined) delete munged.schedulingGates;
    else munged.schedulingGates = clone(oldSpec.schedulingGates);
  }
  if (!equalJSON(munged, oldSpec)) {
    const diff = changedKeys(munged, oldSpec)
      .map((k) => `  spec.${k}: ${JSON.stringify(oldSpec[k] ?? null)} -> ${JSON.stringify(munged[k] ?? null)}`)
      .join('\n');
    errs.push(fieldError.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`));
  }
  return errs;
}

// A NoExecute toleration may shorten its tolerationSeconds on update.
function sameTolerationLonger(n: any, t: any): boolean {
  const { tolerationSeconds: a, ...restN } = n ?? {};
  const { tolerationSeconds: b, ...restT } = t ?? {};
  return equalJSON(restN, restT) && typeof a === 'number' && typeof b === 'number' && a <= b;
}

function isRestartableInit(c: any): boolean {
  return c?.restartPolicy === 'Always';
}

function hasCondition(pod: any, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** The READY, STATUS and RESTARTS cells as kubectl prints them. */
export function podStatusCells(pod: any, now: Date): { ready: string; status: string; restarts: string } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = (spec.containers ?? []).length;
  let readyContainers = 0;
  let lastRestart: string | undefined;
  let lastRestartableInitRestart: string | undefined;
  let reason: string = status.reason || status.phase || '';
  for (const c of status.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initContainers = new Map<string, any>();
  for (const c of spec.initContainers ?? []) {
    initContainers.set(c.name, c);
    if (isRestartableInit(c)) totalContainers++;
  }
  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    restarts += cs.restartCount ?? 0;
    const lastTerm = cs.lastState?.terminated?.finishedAt;
    lastRestart = later(lastRestart, lastTerm);
    const restartable = isRestartableInit(initContainers.get(cs.name));
    if (restartable) {
      restartableInitRestarts += cs.restartCount ?? 0;
      lastRestartableInitRestart = later(lastRestartableInitRestart, lastTerm);
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && (term.exitCode ?? 0) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready) readyContainers++;
      continue;
    }
    if (term) {
      if (!term.reason) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
      else reason = `Init:${term.reason}`;
    } else if (waiting && waiting.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }
  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, cs.lastState?.terminated?.finishedAt);
      const waiting = cs.state?.waiting;
      const term = cs.state?.terminated;
      if (waiting && waiting.reason) reason = waiting.reason;
      else if (term && term.reason) reason = term.reason;
      else if (term && !term.reason) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }
  const deleting = !!pod.metadata?.deletionTimestamp;
  if (deleting && status.reason === NODE_UNREACHABLE_POD_REASON) reason = 'Unknown';
  else if (deleting && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart) restartsText = `${restarts} (${since(lastRestart, now)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText };
}

export const podTable: TableSpec = {
  columns: [
    NAME_COLUMN,
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    AGE_COLUMN,
    column('IP', 'string', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', 1),
    column('Node', 'string', 'NodeName indicates in which node this pod is scheduled.', 1),
    column('Nominated Node', 'string', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.', 1),
    column('Readiness Gates', 'string', 'If specified, all readiness gates will be evaluated for pod readiness.', 1),
  ],
  row(pod: any, now: Date) {
    const cells = podStatusCells(pod, now);
    const podIP = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
    const gates: any[] = pod.spec?.readinessGates ?? [];
    let readinessGates = '<none>';
    if (gates.length > 0) {
      let trueConditions = 0;
      for (const g of gates) {
        const cond = (pod.status?.conditions ?? []).find((c: any) => c.type === g.conditionType);
        if (cond?.status === 'True') trueConditions++;
      }
      readinessGates = `${trueConditions}/${gates.length}`;
    }
    return [
      pod.metadata?.name,
      cells.ready,
      cells.status,
      cells.restarts,
      since(pod.metadata?.creationTimestamp, now),
      podIP,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates,
    ];
  },
};

export const podFieldSelectors: Record<string, (obj: any) => string | undefined> = {
  'spec.nodeName': (p) => p.spec?.nodeName ?? '',
  'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
  'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
  'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
  'spec.hostNetwork': (p) => String(p.spec?.hostNetwork === true),
  'status.phase': (p) => p.status?.phase ?? '',
  'status.podIP': (p) => p.status?.podIPs?.[0]?.ip ?? '',
  'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
};

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

/**
 * A pod on a node gets its grace period (the kubelet stops it); an unscheduled or finished
 * pod goes at once; a negative request means 1 second, as upstream.
 */
export function podGracePeriod(pod: any, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const grace = requested ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  return grace < 0 ? 1 : grace;
}

export const pods: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  resource: 'pods',
  singular: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  typeName: 'io.k8s.api.core.v1.Pod',
  subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers'],
  returnDeletedObject: true,
  strategy: {
    defaults: defaultPod,
    gracePeriod: podGracePeriod,
    prepareForCreate,
    prepareForUpdate: keepOldStatus,
    validate: (pod) => [...validateMeta(pod), ...validatePodSpec(pod.spec, 'spec')],
    validateUpdate: (pod, old) => [...validateMetaUpdate(pod, old), ...validatePodUpdate(pod, old)],
    prepareForStatusUpdate: (pod, old) => {
      keepAllButStatus(pod, old, ['ownerReferences', 'finalizers', 'deletionTimestamp', 'deletionGracePeriodSeconds']);
    },
    validateStatusUpdate: (pod, old) => validateMetaUpdate(pod, old),
    table: podTable,
    fieldSelectors: podFieldSelectors,
  },
};
