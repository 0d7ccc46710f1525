// core/v1 endpoints.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isDNS1123Label, isValidPortNum, nameIsDNSSubdomain } from '../validation/names.ts';
import { metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateSubsets(ep: any): FieldError[] {
  const errs: FieldError[] = [];
  (ep.subsets ?? []).forEach((ss: any, i: number) => {
    const p = `subsets[${i}]`;
    for (const kind of ['addresses', 'notReadyAddresses']) {
      (ss?.[kind] ?? []).forEach((a: any, j: number) => {
        if (!a?.ip) errs.push(fieldError.required(`${p}.${kind}[${j}].ip`));
      });
    }
    const ports: any[] = ss?.ports ?? [];
    ports.forEach((port: any, j: number) => {
      const pp = `${p}.ports[${j}]`;
      if (ports.length > 1 && !port?.name) errs.push(fieldError.required(`${pp}.name`));
      else if (port?.name) for (const msg of isDNS1123Label(port.name)) errs.push(fieldError.invalid(`${pp}.name`, port.name, msg));
      for (const msg of isValidPortNum(port?.port)) errs.push(fieldError.invalid(`${pp}.port`, port?.port ?? 0, msg));
      if (!port?.protocol) errs.push(fieldError.required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(port.protocol)) errs.push(fieldError.notSupported(`${pp}.protocol`, port.protocol, PROTOCOLS));
    });
  });
  return errs;
}

/** The ENDPOINTS cell: up to three `ip:port` entries, then ` + N more...`. */
export function formatEndpoints(ep: any): string {
  const subsets: any[] = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const join = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addresses: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(join(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpoints: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  resource: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  typeName: 'io.k8s.api.core.v1.Endpoints',
  subresources: [],
  strategy: {
    defaults: (ep) => {
      for (const ss of ep.subsets ?? []) for (const p of ss?.ports ?? []) if (p) setDefault(p, 'protocol', 'TCP');
    },
    validate: (ep) => [...metaValidator(true, nameIsDNSSubdomain)(ep), ...validateSubsets(ep)],
    validateUpdate: metaUpdateValidator(),
    table: {
      columns: [NAME_COLUMN, column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'), AGE_COLUMN],
      row: (ep, now) => [ep.metadata?.name, formatEndpoints(ep), age(ep, now)],
    },
  },
};
