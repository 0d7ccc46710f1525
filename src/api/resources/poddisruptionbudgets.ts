// policy/v1 poddisruptionbudgets.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';
import { validateLabelSelector } from '../labels.ts';
import { validateIntOrPercent } from './workload.ts';

const EVICTION_POLICIES = ['AlwaysAllow', 'IfHealthyBudget'];

function validatePDB(pdb: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pdb.spec ?? {};
  const has = (v: unknown) => v !== undefined && v !== null;
  if (has(spec.minAvailable) && has(spec.maxUnavailable)) {
    errs.push(fieldError.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  errs.push(...validateIntOrPercent(spec.minAvailable, 'spec.minAvailable'));
  errs.push(...validateIntOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (spec.unhealthyPodEvictionPolicy && !EVICTION_POLICIES.includes(spec.unhealthyPodEvictionPolicy)) {
    errs.push(fieldError.notSupported('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, EVICTION_POLICIES));
  }
  return errs;
}

const show = (v: unknown) => (v === undefined || v === null ? 'N/A' : String(v));

export const poddisruptionbudgets: ResourceDefinition = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  resource: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  typeName: 'io.k8s.api.policy.v1.PodDisruptionBudget',
  subresources: ['status'],
  hasGeneration: true,
  strategy: {
    prepareForCreate: (pdb) => {
      pdb.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    },
    prepareForUpdate: keepOldStatus,
    validate: (pdb) => [...metaValidator(true, nameIsDNSSubdomain)(pdb), ...validatePDB(pdb)],
    validateUpdate: metaUpdateValidator(),
    prepareForStatusUpdate: (pdb, old) => keepAllButStatus(pdb, old),
    validateStatusUpdate: metaUpdateValidator(),
    table: {
      columns: [
        NAME_COLUMN,
        column('Min Available', 'string', 'The minimum number of pods that must be available.'),
        column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
        column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
        AGE_COLUMN,
      ],
      row: (pdb, now) => [
        pdb.metadata?.name,
        show(pdb.spec?.minAvailable),
        show(pdb.spec?.maxUnavailable),
        pdb.status?.disruptionsAllowed ?? 0,
        age(pdb, now),
      ],
    },
  },
};
