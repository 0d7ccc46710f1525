// scheduling.k8s.io/v1 priorityclasses.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

export const HIGHEST_USER_DEFINABLE_PRIORITY = 1000000000;
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};
const PREEMPTION_POLICIES = ['Never', 'PreemptLowerPriority'];

function validatePriorityClass(pc: any): FieldError[] {
  const errs: FieldError[] = [];
  const name: string = pc.metadata?.name ?? '';
  const system = SYSTEM_PRIORITY_CLASSES[name];
  if (system !== undefined) {
    if (pc.value !== system) {
      errs.push(fieldError.forbidden('metadata.name', `${name} is a system priority class and its value must be ${system}`));
    }
  } else {
    if (name.startsWith('system-')) errs.push(fieldError.forbidden('metadata.name', "priority class names with 'system-' prefix are reserved"));
    if (typeof pc.value === 'number' && pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
      errs.push(fieldError.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
    }
  }
  if (pc.preemptionPolicy && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) {
    errs.push(fieldError.notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  return errs;
}

export const priorityclasses: ResourceDefinition = {
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  listKind: 'PriorityClassList',
  resource: 'priorityclasses',
  singular: 'priorityclass',
  namespaced: false,
  shortNames: ['pc'],
  typeName: 'io.k8s.api.scheduling.v1.PriorityClass',
  subresources: [],
  strategy: {
    defaults: (pc) => setDefault(pc, 'preemptionPolicy', 'PreemptLowerPriority'),
    validate: (pc) => [...metaValidator(false, nameIsDNSSubdomain)(pc), ...validatePriorityClass(pc)],
    validateUpdate: (pc, old) => {
      const errs = metaUpdateValidator()(pc, old);
      if (pc.value !== old.value) errs.push(fieldError.forbidden('value', 'may not be changed in an update.'));
      if (pc.preemptionPolicy !== old.preemptionPolicy) errs.push(fieldError.immutable('preemptionPolicy', pc.preemptionPolicy ?? ''));
      return errs;
    },
    table: {
      columns: [
        NAME_COLUMN,
        column('Value', 'integer', 'value represents the integer value of this priority class.'),
        column('Global-Default', 'boolean', 'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.'),
        AGE_COLUMN,
        column('PreemptionPolicy', 'string', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
      ],
      row: (pc, now) => [pc.metadata?.name, pc.value ?? 0, pc.globalDefault === true, age(pc, now), pc.preemptionPolicy ?? ''],
    },
  },
};
