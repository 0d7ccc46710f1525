// core/v1 serviceaccounts.

import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

export const serviceaccounts: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  typeName: 'io.k8s.api.core.v1.ServiceAccount',
  subresources: ['token'],
  strategy: {
    validate: metaValidator(true, nameIsDNSSubdomain),
    validateUpdate: metaUpdateValidator(),
    table: {
      columns: [NAME_COLUMN, column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE_COLUMN],
      row: (sa, now) => [sa.metadata?.name, (sa.secrets ?? []).length, age(sa, now)],
    },
  },
};
