// networking.k8s.io/v1 networkpolicies.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { ensureObject, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, formatLabelSelector } from './table-format.ts';
import { validateLabelSelector } from '../labels.ts';

const POLICY_TYPES = ['Egress', 'Ingress'];

export function defaultNetworkPolicy(np: any): void {
  const spec = ensureObject(np, 'spec');
  ensureObject(spec, 'podSelector');
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
    for (const p of rule?.ports ?? []) if (p) setDefault(p, 'protocol', 'TCP');
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) spec.policyTypes.push('Egress');
  }
}

function validateNetworkPolicy(np: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = np.spec ?? {};
  errs.push(...validateLabelSelector(spec.podSelector, 'spec.podSelector'));
  for (const t of spec.policyTypes ?? []) if (!POLICY_TYPES.includes(t)) errs.push(fieldError.notSupported('spec.policyTypes', t, POLICY_TYPES));
  if ((spec.policyTypes ?? []).length > 2) errs.push(fieldError.invalid('spec.policyTypes', spec.policyTypes, 'may not specify more than two policyTypes'));
  return errs;
}

export const networkpolicies: ResourceDefinition = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  listKind: 'NetworkPolicyList',
  resource: 'networkpolicies',
  singular: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  typeName: 'io.k8s.api.networking.v1.NetworkPolicy',
  subresources: [],
  hasGeneration: true,
  strategy: {
    defaults: defaultNetworkPolicy,
    validate: (np) => [...metaValidator(true, nameIsDNSSubdomain)(np), ...validateNetworkPolicy(np)],
    validateUpdate: metaUpdateValidator(),
    table: {
      columns: [
        NAME_COLUMN,
        column('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'),
        AGE_COLUMN,
      ],
      row: (np, now) => [np.metadata?.name, formatLabelSelector(np.spec?.podSelector), age(np, now)],
    },
  },
};
