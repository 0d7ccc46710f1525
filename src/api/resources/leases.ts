// coordination.k8s.io/v1 leases (leader election, node heartbeats).

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';
import { validateNonNegative } from './workload.ts';

function validateLease(lease: any): FieldError[] {
  const errs: FieldError[] = [];
  const d = lease.spec?.leaseDurationSeconds;
  if (d !== undefined && d !== null && d <= 0) errs.push(fieldError.invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
  errs.push(...validateNonNegative(lease.spec?.leaseTransitions, 'spec.leaseTransitions'));
  return errs;
}

export const leases: ResourceDefinition = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  resource: 'leases',
  singular: 'lease',
  namespaced: true,
  typeName: 'io.k8s.api.coordination.v1.Lease',
  subresources: [],
  strategy: {
    validate: (l) => [...metaValidator(true, nameIsDNSSubdomain)(l), ...validateLease(l)],
    validateUpdate: metaUpdateValidator(),
    table: {
      columns: [NAME_COLUMN, column('Holder', 'string', 'The holder of the lease.'), AGE_COLUMN],
      row: (l, now) => [l.metadata?.name, l.spec?.holderIdentity ?? '', age(l, now)],
    },
  },
};
