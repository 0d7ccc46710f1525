// networking.k8s.io/v1 ingresses.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.ts';
import { keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!b) return [fieldError.required(path)];
  if (b.service && b.resource) errs.push(fieldError.invalid(path, '', 'cannot set both resource and service backends'));
  else if (b.service) {
    if (!b.service.name) errs.push(fieldError.required(`${path}.service.name`));
    const port = b.service.port ?? {};
    if (port.name && port.number) errs.push(fieldError.invalid(`${path}.service.port`, '', 'cannot set both port name & port number'));
    else if (!port.name && !port.number) errs.push(fieldError.required(`${path}.service.port`, 'port name or number is required'));
  } else if (!b.resource) {
    errs.push(fieldError.invalid(path, '', 'resource or service backend is required'));
  }
  return errs;
}

function validateIngress(ing: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = ing.spec ?? {};
  if (!spec.defaultBackend && (spec.rules ?? []).length === 0) {
    errs.push(fieldError.invalid('spec.rules', spec.rules ?? [], 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  (spec.rules ?? []).forEach((rule: any, i: number) => {
    const rp = `spec.rules[${i}]`;
    if (rule?.host) {
      const host = String(rule.host).replace(/^\*\./, 'wildcard.');
      for (const msg of isDNS1123Subdomain(host)) errs.push(fieldError.invalid(`${rp}.host`, rule.host, msg));
    }
    const paths: any[] = rule?.http?.paths ?? [];
    if (rule?.http && paths.length === 0) errs.push(fieldError.required(`${rp}.http.paths`));
    paths.forEach((p: any, j: number) => {
      const pp = `${rp}.http.paths[${j}]`;
      if (!p?.pathType) errs.push(fieldError.required(`${pp}.pathType`, 'pathType must be specified'));
      else if (!PATH_TYPES.includes(p.pathType)) errs.push(fieldError.notSupported(`${pp}.pathType`, p.pathType, PATH_TYPES));
      else if ((p.pathType === 'Exact' || p.pathType === 'Prefix') && !String(p.path ?? '').startsWith('/')) {
        errs.push(fieldError.invalid(`${pp}.path`, p.path ?? '', 'must be an absolute path'));
      }
      errs.push(...validateBackend(p?.backend, `${pp}.backend`));
    });
  });
  return errs;
}

function hosts(rules: any[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${(rules ?? []).length - max} more...` : ret;
}

export const ingresses: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  listKind: 'IngressList',
  resource: 'ingresses',
  singular: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  typeName: 'io.k8s.api.networking.v1.Ingress',
  subresources: ['status'],
  hasGeneration: true,
  strategy: {
    prepareForCreate: (ing) => {
      ing.status = {};
    },
    prepareForUpdate: keepOldStatus,
    validate: (ing) => [...metaValidator(true, nameIsDNSSubdomain)(ing), ...validateIngress(ing)],
    validateUpdate: metaUpdateValidator(),
    prepareForStatusUpdate: (ing, old) => keepAllButStatus(ing, old),
    validateStatusUpdate: metaUpdateValidator(),
    table: {
      columns: [
        NAME_COLUMN,
        column('Class', 'string', 'The name of the IngressClass resource that should be used for ingress.'),
        column('Hosts', 'string', 'Hosts that incoming requests are matched against before the ingress rule'),
        column('Address', 'string', 'Address is a list containing ingress points for the load-balancer'),
        column('Ports', 'string', 'Ports of TLS configurations that open'),
        AGE_COLUMN,
      ],
      row(ing, now) {
        const address = [...new Set<string>((ing.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip || i.hostname).filter(Boolean))]
          .sort()
          .join(',');
        return [
          ing.metadata?.name,
          ing.spec?.ingressClassName ?? '<none>',
          hosts(ing.spec?.rules),
          address,
          (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
          age(ing, now),
        ];
      },
    },
  },
};
