// networking.k8s.io/v1 ingressclasses.

import { fieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

export const ingressclasses: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  listKind: 'IngressClassList',
  resource: 'ingressclasses',
  singular: 'ingressclass',
  namespaced: false,
  typeName: 'io.k8s.api.networking.v1.IngressClass',
  subresources: [],
  hasGeneration: true,
  strategy: {
    validate: (ic) => {
      const errs = metaValidator(false, nameIsDNSSubdomain)(ic);
      if (!ic.spec?.controller) errs.push(fieldError.required('spec.controller'));
      return errs;
    },
    validateUpdate: (ic, old) => {
      const errs = metaUpdateValidator()(ic, old);
      if (ic.spec?.controller !== old.spec?.controller) errs.push(fieldError.immutable('spec.controller', ic.spec?.controller ?? ''));
      return errs;
    },
    table: {
      columns: [
        NAME_COLUMN,
        column('Controller', 'string', 'Controller that is responsible for handling this class'),
        column('Parameters', 'string', 'A reference to a resource with additional parameters'),
        AGE_COLUMN,
      ],
      row(ic, now) {
        const p = ic.spec?.parameters;
        let parameters = '<none>';
        if (p) parameters = `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}`;
        return [ic.metadata?.name, ic.spec?.controller ?? '', parameters, age(ic, now)];
      },
    },
  },
};
