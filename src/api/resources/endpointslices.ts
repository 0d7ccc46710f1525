// discovery.k8s.io/v1 endpointslices.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, listWithMore } from './table-format.ts';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

function validateSlice(es: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!es.addressType) errs.push(fieldError.required('addressType'));
  else if (!ADDRESS_TYPES.includes(es.addressType)) errs.push(fieldError.notSupported('addressType', es.addressType, ADDRESS_TYPES));
  (es.endpoints ?? []).forEach((ep: any, i: number) => {
    const addrs: string[] = ep?.addresses ?? [];
    if (addrs.length === 0) errs.push(fieldError.required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    else if (addrs.length > 100) errs.push(fieldError.tooLong(`endpoints[${i}].addresses`, 100));
  });
  return errs;
}

function formatPorts(ports: any[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const p of ports ?? []) {
    if (list.length < max) list.push(p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*');
    else if (list.length === max) more = true;
    count++;
  }
  return listWithMore(list, more, count, max);
}

function formatEndpoints(endpoints: any[] | undefined): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  for (const ep of endpoints ?? []) {
    for (const a of ep.addresses ?? []) {
      if (list.length < max) list.push(a);
      else if (list.length === max) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, max);
}

export const endpointslices: ResourceDefinition = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  resource: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  typeName: 'io.k8s.api.discovery.v1.EndpointSlice',
  subresources: [],
  hasGeneration: true,
  strategy: {
    defaults: (es) => {
      for (const p of es.ports ?? []) {
        if (!p) continue;
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'name', '');
      }
    },
    validate: (es) => [...metaValidator(true, nameIsDNSSubdomain)(es), ...validateSlice(es)],
    validateUpdate: (es, old) => {
      const errs = metaUpdateValidator()(es, old);
      if (es.addressType !== old.addressType) errs.push(fieldError.immutable('addressType', es.addressType ?? ''));
      return errs;
    },
    table: {
      columns: [
        NAME_COLUMN,
        column('AddressType', 'string', 'The IP protocol for this slice'),
        column('Ports', 'string', 'The ports contained in this slice'),
        column('Endpoints', 'string', 'The endpoints contained in this slice'),
        AGE_COLUMN,
      ],
      row: (es, now) => [es.metadata?.name, es.addressType ?? '', formatPorts(es.ports), formatEndpoints(es.endpoints), age(es, now)],
    },
  },
};
