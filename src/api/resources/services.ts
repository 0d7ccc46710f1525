// core/v1 services. Cluster IP and node port allocation belong to the API server; this
// module defaults, validates, keeps allocated values across updates and prints.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { goStringSlice } from '../validation/go-format.ts';
import { validateLabels } from '../labels.ts';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, nameIsDNS1035Label } from '../validation/names.ts';
import { clone, ensureObject, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, formatLabels } from './table-format.ts';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const LOAD_BALANCER_WIDTH = 16;

function needsNodePort(svc: any): boolean {
  const t = svc.spec?.type;
  return t === 'NodePort' || t === 'LoadBalancer';
}

function needsClusterIP(svc: any): boolean {
  return svc.spec?.type !== 'ExternalName';
}

export function defaultService(svc: any): void {
  const spec = ensureObject(svc, 'spec');
  setDefault(spec, 'sessionAffinity', 'None');
  setDefault(spec, 'type', 'ClusterIP');
  for (const p of spec.ports ?? []) {
    if (!p || typeof p !== 'object') continue;
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (needsNodePort(svc)) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = ensureObject(spec, 'sessionAffinityConfig');
    const clientIP = ensureObject(cfg, 'clientIP');
    setDefault(clientIP, 'timeoutSeconds', 10800);
  }
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.clusterIP && (!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0)) spec.clusterIPs = [spec.clusterIP];
  if (needsClusterIP(svc)) {
    const headlessWithoutSelector = spec.clusterIP === 'None' && Object.keys(spec.selector ?? {}).length === 0;
    // A headless service without a selector may carry endpoints of either family.
    setDefault(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
    if (headlessWithoutSelector && spec.ipFamilyPolicy === 'RequireDualStack' && spec.ipFamilies.length === 1) {
      spec.ipFamilies.push(spec.ipFamilies[0] === 'IPv4' ? 'IPv6' : 'IPv4');
    }
  }
}

/** A main-endpoint update keeps the allocated cluster IPs and node ports the user left out. */
function patchAllocatedValues(svc: any, old: any): void {
  const spec = ensureObject(svc, 'spec');
  const oldSpec = old.spec ?? {};
  if (needsClusterIP(old) && needsClusterIP(svc)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if ((!Array.isArray(spec.clusterIPs) || spec.clusterIPs.length === 0) && oldSpec.clusterIPs?.length) {
      spec.clusterIPs = clone(oldSpec.clusterIPs);
    }
  }
  if (needsNodePort(old) && needsNodePort(svc)) {
    const used = new Set((spec.ports ?? []).map((p: any) => p?.nodePort).filter(Boolean));
    const byName = new Map<string, number>();
    for (const p of oldSpec.ports ?? []) byName.set(p.name ?? '', p.nodePort);
    for (const p of spec.ports ?? []) {
      if (p && !p.nodePort) {
        const prev = byName.get(p.name ?? '');
        if (prev && !used.has(prev)) p.nodePort = prev;
      }
    }
  }
  if (spec.externalTrafficPolicy === 'Local' && spec.type === 'LoadBalancer' && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
    spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIP(s: string): boolean {
  return IPV4.test(s) || (s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s));
}

export function validateServiceSpec(svc: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = svc.spec ?? {};
  const headless = spec.clusterIP === 'None';
  if (!SERVICE_TYPES.includes(spec.type)) errs.push(fieldError.notSupported('spec.type', spec.type ?? '', SERVICE_TYPES));
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(fieldError.required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(fieldError.invalid('spec.externalName', spec.externalName, msg));
  }
  const ports: any[] = spec.ports ?? [];
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(fieldError.required('spec.ports'));
  const names = new Set<string>();
  const requireName = ports.length > 1;
  ports.forEach((p: any, i: number) => {
    const pp = `spec.ports[${i}]`;
    if (requireName && !p?.name) errs.push(fieldError.required(`${pp}.name`));
    else if (p?.name) {
      for (const msg of isDNS1123Label(p.name)) errs.push(fieldError.invalid(`${pp}.name`, p.name, msg));
      if (names.has(p.name)) errs.push(fieldError.duplicate(`${pp}.name`, p.name));
      names.add(p.name);
    }
    for (const msg of isValidPortNum(p?.port)) errs.push(fieldError.invalid(`${pp}.port`, p?.port ?? 0, msg));
    if (!p?.protocol) errs.push(fieldError.required(`${pp}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(fieldError.notSupported(`${pp}.protocol`, p.protocol, PROTOCOLS));
    const tp = p?.targetPort;
    if (typeof tp === 'number') {
      for (const msg of isValidPortNum(tp)) errs.push(fieldError.invalid(`${pp}.targetPort`, tp, msg));
    } else if (typeof tp === 'string') {
      for (const msg of isValidPortName(tp)) errs.push(fieldError.invalid(`${pp}.targetPort`, tp, msg));
    }
    if (p?.nodePort) {
      if (spec.type === 'ClusterIP') errs.push(fieldError.forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else for (const msg of isValidPortNum(p.nodePort)) errs.push(fieldError.invalid(`${pp}.nodePort`, p.nodePort, msg));
    }
  });
  const nodePorts = new Set<string>();
  ports.forEach((p: any, i: number) => {
    if (!p?.nodePort) return;
    const key = `${p.protocol}/${p.nodePort}`;
    if (nodePorts.has(key)) errs.push(fieldError.duplicate(`spec.ports[${i}].nodePort`, p.nodePort));
    nodePorts.add(key);
  });
  if (spec.sessionAffinity && !AFFINITIES.includes(spec.sessionAffinity)) {
    errs.push(fieldError.notSupported('spec.sessionAffinity', spec.sessionAffinity, AFFINITIES));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  if (spec.externalTrafficPolicy) {
    if (!needsNodePort(svc)) {
      errs.push(
        fieldError.invalid('spec.externalTrafficPolicy', spec.externalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"),
      );
    } else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) {
      errs.push(fieldError.notSupported('spec.externalTrafficPolicy', spec.externalTrafficPolicy, TRAFFIC_POLICIES));
    }
  }
  if (spec.internalTrafficPolicy && !TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) {
    errs.push(fieldError.notSupported('spec.internalTrafficPolicy', spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  (spec.clusterIPs ?? []).forEach((ip: string, i: number) => {
    if (ip === 'None' && i === 0) return;
    if (!isIP(ip)) errs.push(fieldError.invalid(`spec.clusterIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (spec.clusterIP && spec.clusterIPs?.length && spec.clusterIP !== spec.clusterIPs[0]) {
    errs.push(fieldError.invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`'));
  }
  (spec.externalIPs ?? []).forEach((ip: string, i: number) => {
    if (!isIP(ip)) errs.push(fieldError.invalid(`spec.externalIPs[${i}]`, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  return errs;
}

function validateServiceUpdate(svc: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  if (svc.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName') return errs;
  const oldIPs: string[] = old.spec?.clusterIPs ?? [];
  const newIPs: string[] = svc.spec?.clusterIPs ?? [];
  oldIPs.forEach((ip, i) => {
    if (i < newIPs.length && newIPs[i] !== ip) {
      errs.push({
        type: 'FieldValueInvalid',
        field: `spec.clusterIPs[${i}]`,
        message: `Invalid value: ${goStringSlice(newIPs)}: may not change once set`,
      });
    }
  });
  if (oldIPs.length > 0 && newIPs.length === 0) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: `Invalid value: ${goStringSlice(newIPs)}: primary clusterIP can not be unset` });
  }
  return errs;
}

function loadBalancerText(svc: any, wide: boolean): string {
  const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
  const parts = [...new Set(ingress.map((i) => i.ip || i.hostname).filter(Boolean))].sort();
  let r = parts.join(',');
  if (!wide && r.length > LOAD_BALANCER_WIDTH) r = `${r.slice(0, LOAD_BALANCER_WIDTH - 3)}...`;
  return r;
}

function externalIP(svc: any): string {
  const externalIPs: string[] = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerText(svc, true);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
  }
  return '<unknown>';
}

export function servicePorts(ports: any[] | undefined): string {
  return (ports ?? [])
    .map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`))
    .join(',');
}

const validateMeta = metaValidator(true, nameIsDNS1035Label);
const validateMetaUpdate = metaUpdateValidator();

export const services: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  resource: 'services',
  singular: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  typeName: 'io.k8s.api.core.v1.Service',
  subresources: ['status', 'proxy'],
  strategy: {
    defaults: defaultService,
    prepareForCreate: (svc) => {
      svc.status = {};
    },
    prepareForUpdate: (svc, old) => {
      keepOldStatus(svc, old);
      patchAllocatedValues(svc, old);
    },
    validate: (svc) => [...validateMeta(svc), ...validateServiceSpec(svc)],
    validateUpdate: (svc, old) => [...validateMetaUpdate(svc, old), ...validateServiceUpdate(svc, old)],
    prepareForStatusUpdate: (svc, old) => keepAllButStatus(svc, old),
    validateStatusUpdate: (svc, old) => validateMetaUpdate(svc, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Type', 'string', 'type determines how the Service is exposed.'),
        column('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
        column('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
        column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
        AGE_COLUMN,
        column('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
      ],
      row(svc, now) {
        const ports = servicePorts(svc.spec?.ports);
        return [
          svc.metadata?.name,
          svc.spec?.type ?? '',
          svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP ?? '<none>',
          externalIP(svc),
          ports || '<none>',
          age(svc, now),
          formatLabels(svc.spec?.selector),
        ];
      },
    },
  },
};
