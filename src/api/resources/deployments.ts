// apps/v1 deployments.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN } from './apps-table.ts';
import { defaultPodTemplate } from './pod-spec.ts';
import { ensureObject, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, labelSelectorString } from './table-format.ts';
import {
  validateRollingUpdateBudget,
  validateNonNegative,
  validateReplicaTemplate,
  validateSelectorImmutable,
  validateWorkloadSelector,
} from './workload.ts';

export function defaultDeployment(d: any): void {
  const spec = ensureObject(d, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureObject(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObject(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(ensureObject(spec, 'template'));
}

function validateStrategy(strategy: any): FieldError[] {
  const errs: FieldError[] = [];
  const path = 'spec.strategy';
  switch (strategy?.type) {
    case 'Recreate':
      if (strategy.rollingUpdate) {
        errs.push(fieldError.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) {
        errs.push(fieldError.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil'));
        break;
      }
      errs.push(...validateRollingUpdateBudget(ru, `${path}.rollingUpdate`));
      break;
    }
    default:
      errs.push(fieldError.notSupported(path, strategy?.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  return errs;
}

export function validateDeploymentSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonNegative(spec?.replicas, 'spec.replicas'));
  errs.push(...validateWorkloadSelector(spec, 'deployment'));
  errs.push(...validateReplicaTemplate(spec, 'ReplicaSet'));
  errs.push(...validateStrategy(spec?.strategy));
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(spec?.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  if (typeof spec?.progressDeadlineSeconds === 'number') {
    errs.push(...validateNonNegative(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds'));
    if (spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)) {
      errs.push(fieldError.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const deployments: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  resource: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  typeName: 'io.k8s.api.apps.v1.Deployment',
  subresources: ['status', 'scale'],
  hasGeneration: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    selector: (d) => labelSelectorString(d.spec?.selector),
  },
  strategy: {
    defaults: defaultDeployment,
    prepareForCreate: (d) => {
      d.status = {};
    },
    prepareForUpdate: keepOldStatus,
    validate: (d) => [...validateMeta(d), ...validateDeploymentSpec(d.spec)],
    validateUpdate: (d, old) => [...validateMetaUpdate(d, old), ...validateSelectorImmutable(d, old)],
    prepareForStatusUpdate: (d, old) => keepAllButStatus(d, old, ['labels']),
    validateStatusUpdate: (d, old) => validateMetaUpdate(d, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Ready', 'string', 'Number of the pod with ready state'),
        column('Up-to-date', 'string', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
        column('Available', 'string', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
        SELECTOR_COLUMN,
      ],
      row(d, now) {
        const [containers, images] = containerCells(d.spec?.template?.spec);
        return [
          d.metadata?.name,
          `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
          d.status?.updatedReplicas ?? 0,
          d.status?.availableReplicas ?? 0,
          age(d, now),
          containers,
          images,
          labelSelectorString(d.spec?.selector),
        ];
      },
    },
  },
};
