// PodSpec behaviour shared by Pods and every kind with a pod template: upstream's
// SetDefaults_PodSpec/Container/Volume… and the semantic checks of ValidatePodSpec that
// users meet most.

import { fieldError, type FieldError } from '../errors.ts';
import { validateLabels } from '../labels.ts';
import { validateAnnotations } from '../validation/annotations.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidPortName, isValidPortNum } from '../validation/names.ts';
import { compareQuantities, isNegativeQuantity } from '../validation/quantity-value.ts';
import { ensureObject, setDefault } from './strategy-helpers.ts';
import { quantityText } from './table-format.ts';

const DEFAULT_MODE = 0o644;

/** Always when the tag is `latest` or absent, IfNotPresent otherwise (digests count as pinned). */
export function defaultImagePullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  const colon = tail.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return tail.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(probe: any): void {
  if (!probe || typeof probe !== 'object') return;
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  if (probe.httpGet) {
    setDefault(probe.httpGet, 'path', '/');
    setDefault(probe.httpGet, 'scheme', 'HTTP');
  }
}

export function defaultContainer(c: any, hostNetwork: boolean): void {
  if (!c || typeof c !== 'object') return;
  setDefault(c, 'imagePullPolicy', defaultImagePullPolicy(c.image));
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  ensureObject(c, 'resources');
  for (const p of c.ports ?? []) {
    if (!p || typeof p !== 'object') continue;
    setDefault(p, 'protocol', 'TCP');
    if (hostNetwork && p.containerPort && !p.hostPort) p.hostPort = p.containerPort;
  }
  for (const e of c.env ?? []) {
    if (e?.valueFrom?.fieldRef) setDefault(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: any): void {
  if (!v || typeof v !== 'object') return;
  const sources = Object.keys(v).filter((k) => k !== 'name');
  if (sources.length === 0) v.emptyDir = {};
  if (v.secret) setDefault(v.secret, 'defaultMode', DEFAULT_MODE);
  if (v.configMap) setDefault(v.configMap, 'defaultMode', DEFAULT_MODE);
  if (v.downwardAPI) {
    setDefault(v.downwardAPI, 'defaultMode', DEFAULT_MODE);
    for (const item of v.downwardAPI.items ?? []) if (item?.fieldRef) setDefault(item.fieldRef, 'apiVersion', 'v1');
  }
  if (v.projected) setDefault(v.projected, 'defaultMode', DEFAULT_MODE);
  if (v.hostPath) setDefault(v.hostPath, 'type', '');
}

export function defaultPodSpec(spec: any): void {
  if (!spec || typeof spec !== 'object') return;
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  ensureObject(spec, 'securityContext');
  setDefault(spec, 'schedulerName', 'default-scheduler');
  setDefault(spec, 'enableServiceLinks', true);
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.ephemeralContainers ?? []) {
    if (!c || typeof c !== 'object') continue;
    setDefault(c, 'imagePullPolicy', defaultImagePullPolicy(c.image));
    setDefault(c, 'terminationMessagePath', '/dev/termination-log');
    setDefault(c, 'terminationMessagePolicy', 'File');
  }
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

export function defaultPodTemplate(template: any): void {
  if (!template || typeof template !== 'object') return;
  defaultPodSpec(ensureObject(template, 'spec'));
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];

function validateResources(resources: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!resources) return errs;
  const limits = resources.limits ?? {};
  const requests = resources.requests ?? {};
  for (const [kind, bag] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, q] of Object.entries<any>(bag)) {
      if (isNegativeQuantity(q)) errs.push(fieldError.invalid(`${path}.${kind}[${name}]`, String(q), 'must be greater than or equal to 0'));
    }
  }
  for (const [name, q] of Object.entries<any>(requests)) {
    if (!(name in limits)) continue;
    if (compareQuantities(q, limits[name]) === 1) {
      errs.push(
        fieldError.invalid(`${path}.requests[${name}]`, quantityText(q), `must be less than or equal to ${name} limit of ${quantityText(limits[name])}`),
      );
    }
  }
  return errs;
}

function validateContainer(c: any, path: string, names: Set<string>, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c || typeof c !== 'object') return [fieldError.required(path)];
  if (!c.name) {
    errs.push(fieldError.required(`${path}.name`));
  } else {
    for (const msg of isDNS1123Label(c.name)) errs.push(fieldError.invalid(`${path}.name`, c.name, msg));
    if (names.has(c.name)) errs.push(fieldError.duplicate(`${path}.name`, c.name));
    names.add(c.name);
  }
  if (!c.image || (typeof c.image === 'string' && c.image.trim() === '')) errs.push(fieldError.required(`${path}.image`));
  if (c.imagePullPolicy !== undefined && !PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(fieldError.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  const portNames = new Set<string>();
  (c.ports ?? []).forEach((p: any, i: number) => {
    const pp = `${path}.ports[${i}]`;
    if (p?.name) {
      for (const msg of isValidPortName(p.name)) errs.push(fieldError.invalid(`${pp}.name`, p.name, msg));
      if (portNames.has(p.name)) errs.push(fieldError.duplicate(`${pp}.name`, p.name));
      portNames.add(p.name);
    }
    if (!p?.containerPort) errs.push(fieldError.required(`${pp}.containerPort`));
    else for (const msg of isValidPortNum(p.containerPort)) errs.push(fieldError.invalid(`${pp}.containerPort`, p.containerPort, msg));
    if (p?.hostPort) for (const msg of isValidPortNum(p.hostPort)) errs.push(fieldError.invalid(`${pp}.hostPort`, p.hostPort, msg));
    if (!p?.protocol) errs.push(fieldError.required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldError.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
  });
  const envNames = (c.env ?? []) as any[];
  envNames.forEach((e, i) => {
    if (!e?.name) errs.push(fieldError.required(`${path}.env[${i}].name`));
  });
  (c.volumeMounts ?? []).forEach((m: any, i: number) => {
    if (!m?.name) errs.push(fieldError.required(`${path}.volumeMounts[${i}].name`));
    if (!m?.mountPath) errs.push(fieldError.required(`${path}.volumeMounts[${i}].mountPath`));
  });
  if (!isInit) {
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const p = c[probe];
      if (p && typeof p === 'object') {
        const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => p[h]);
        if (handlers.length === 0) errs.push(fieldError.required(`${path}.${probe}`, 'must specify a handler type'));
      }
    }
  }
  errs.push(...validateResources(c.resources, `${path}.resources`));
  return errs;
}

function validateVolumes(volumes: any[] | undefined, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (volumes ?? []).forEach((v: any, i: number) => {
    const vp = `${path}[${i}]`;
    if (!v?.name) {
      errs.push(fieldError.required(`${vp}.name`));
      return;
    }
    for (const msg of isDNS1123Label(v.name)) errs.push(fieldError.invalid(`${vp}.name`, v.name, msg));
    if (names.has(v.name)) errs.push(fieldError.duplicate(`${vp}.name`, v.name));
    names.add(v.name);
    const sources = Object.keys(v).filter((k) => k !== 'name');
    if (sources.length > 1) {
      errs.push(fieldError.forbidden(`${vp}.${sources[1]}`, `may not specify more than 1 volume type`));
    }
  });
  return { errs, names };
}

export interface PodSpecOptions {
  /** Restart policies allowed here (e.g. only Always in Deployments). */
  restartPolicies?: string[];
}

export function validatePodSpec(spec: any, path: string, opts: PodSpecOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec || typeof spec !== 'object') return [fieldError.required(path)];
  const vols = validateVolumes(spec.volumes, `${path}.volumes`);
  errs.push(...vols.errs);
  const names = new Set<string>();
  (spec.initContainers ?? []).forEach((c: any, i: number) => {
    errs.push(...validateContainer(c, `${path}.initContainers[${i}]`, names, true));
  });
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
    errs.push(fieldError.required(`${path}.containers`));
  } else {
    spec.containers.forEach((c: any, i: number) => {
      errs.push(...validateContainer(c, `${path}.containers[${i}]`, names, false));
    });
  }
  for (const [kind, list] of [['initContainers', spec.initContainers], ['containers', spec.containers]] as const) {
    (list ?? []).forEach((c: any, i: number) => {
      (c?.volumeMounts ?? []).forEach((m: any, j: number) => {
        if (m?.name && !vols.names.has(m.name)) {
          errs.push({
            type: 'FieldValueNotFound',
            field: `${path}.${kind}[${i}].volumeMounts[${j}].name`,
            message: `Not found: ${JSON.stringify(m.name)}`,
          });
        }
      });
    });
  }
  const allowedRestart = opts.restartPolicies ?? RESTART_POLICIES;
  if (!spec.restartPolicy) {
    errs.push(fieldError.required(`${path}.restartPolicy`));
  } else if (!allowedRestart.includes(spec.restartPolicy)) {
    errs.push(fieldError.notSupported(`${path}.restartPolicy`, spec.restartPolicy, allowedRestart));
  }
  if (!spec.dnsPolicy) {
    errs.push(fieldError.required(`${path}.dnsPolicy`));
  } else if (!DNS_POLICIES.includes(spec.dnsPolicy)) {
    errs.push(fieldError.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  } else if (spec.dnsPolicy === 'None' && !spec.dnsConfig) {
    errs.push(fieldError.required(`${path}.dnsConfig`, `must provide \`dnsConfig\` when \`dnsPolicy\` is None`));
  }
  if (typeof spec.terminationGracePeriodSeconds === 'number' && spec.terminationGracePeriodSeconds < 0) {
    errs.push(
      fieldError.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'),
    );
  }
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    const v = spec.activeDeadlineSeconds;
    if (!(v >= 1 && v <= 2147483647)) {
      errs.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, v, 'must be between 1 and 2147483647, inclusive'));
    }
  }
  if (spec.nodeSelector) errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  if (spec.serviceAccountName) {
    for (const msg of isDNS1123Subdomain(spec.serviceAccountName)) {
      errs.push(fieldError.invalid(`${path}.serviceAccountName`, spec.serviceAccountName, msg));
    }
  }
  (spec.tolerations ?? []).forEach((t: any, i: number) => errs.push(...validateToleration(t, `${path}.tolerations[${i}]`)));
  return errs;
}

const TOLERATION_OPERATORS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

function validateToleration(t: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (t?.key) for (const msg of isQualifiedName(t.key)) errs.push(fieldError.invalid(`${path}.key`, t.key, msg));
  if (!t?.key && t?.operator !== 'Exists') {
    errs.push(fieldError.invalid(`${path}.operator`, t?.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
  }
  if (t?.tolerationSeconds !== undefined && t?.tolerationSeconds !== null && t?.effect !== 'NoExecute') {
    errs.push(fieldError.invalid(`${path}.effect`, t?.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
  }
  if (t?.operator && !TOLERATION_OPERATORS.includes(t.operator)) {
    errs.push(fieldError.notSupported(`${path}.operator`, t.operator, TOLERATION_OPERATORS));
  } else if (t?.operator === 'Exists' && t?.value) {
    errs.push(fieldError.invalid(`${path}.operator`, t.value, 'value must be empty when `operator` is \'Exists\''));
  }
  if (t?.effect && !TAINT_EFFECTS.includes(t.effect)) errs.push(fieldError.notSupported(`${path}.effect`, t.effect, TAINT_EFFECTS));
  return errs;
}

/** A pod template's metadata (labels, annotations) and spec. */
export function validatePodTemplateSpec(template: any, path: string, opts: PodSpecOptions = {}): FieldError[] {
  if (!template || typeof template !== 'object') return [fieldError.required(path)];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(template.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(template.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`, opts));
  return errs;
}

/** Guaranteed, Burstable or BestEffort, from the containers' requests and limits. */
export function podQOSClass(spec: any): string {
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c?.resources?.requests ?? {};
    const lim = c?.resources?.limits ?? {};
    const relevant = (k: string) => k === 'cpu' || k === 'memory';
    if (Object.keys(req).some(relevant) || Object.keys(lim).some(relevant)) anySet = true;
    for (const r of ['cpu', 'memory']) {
      if (!(r in lim)) guaranteed = false;
      else if (r in req && compareQuantities(req[r], lim[r]) !== 0) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
