// apps/v1 daemonsets.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN } from './apps-table.ts';
import { defaultPodTemplate } from './pod-spec.ts';
import { ensureObject, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, formatLabelSelector, formatLabels } from './table-format.ts';
import {
  validateRollingUpdateBudget,
  validateNonNegative,
  validateReplicaTemplate,
  validateSelectorImmutable,
  validateWorkloadSelector,
} from './workload.ts';

export function defaultDaemonSet(ds: any): void {
  const spec = ensureObject(ds, 'spec');
  const strategy = ensureObject(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureObject(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(ensureObject(spec, 'template'));
}

function validateUpdateStrategy(strategy: any): FieldError[] {
  const errs: FieldError[] = [];
  const path = 'spec.updateStrategy';
  switch (strategy?.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = strategy.rollingUpdate;
      if (!ru) {
        errs.push(fieldError.required(`${path}.rollingUpdate`));
        break;
      }
      errs.push(...validateRollingUpdateBudget(ru, `${path}.rollingUpdate`));
      break;
    }
    default:
      errs.push(fieldError.notSupported(`${path}.type`, strategy?.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  return errs;
}

export function validateDaemonSetSpec(spec: any): FieldError[] {
  return [
    ...validateWorkloadSelector(spec, 'daemonset'),
    ...validateReplicaTemplate(spec, 'DaemonSet'),
    ...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'),
    ...validateNonNegative(spec?.revisionHistoryLimit, 'spec.revisionHistoryLimit'),
    ...validateUpdateStrategy(spec?.updateStrategy),
  ];
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const daemonsets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  resource: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  typeName: 'io.k8s.api.apps.v1.DaemonSet',
  subresources: ['status'],
  hasGeneration: true,
  strategy: {
    defaults: defaultDaemonSet,
    prepareForCreate: (ds) => {
      ds.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    },
    prepareForUpdate: keepOldStatus,
    validate: (ds) => [...validateMeta(ds), ...validateDaemonSetSpec(ds.spec)],
    validateUpdate: (ds, old) => [...validateMetaUpdate(ds, old), ...validateSelectorImmutable(ds, old)],
    prepareForStatusUpdate: (ds, old) => keepAllButStatus(ds, old, ['labels']),
    validateStatusUpdate: (ds, old) => validateMetaUpdate(ds, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Desired', 'integer', 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).'),
        column('Current', 'integer', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
        column('Ready', 'integer', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
        column('Up-to-date', 'integer', 'The total number of nodes that are running updated daemon pod'),
        column('Available', 'integer', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
        column('Node Selector', 'string', "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
        SELECTOR_COLUMN,
      ],
      row(ds, now) {
        const [containers, images] = containerCells(ds.spec?.template?.spec);
        const s = ds.status ?? {};
        return [
          ds.metadata?.name,
          s.desiredNumberScheduled ?? 0,
          s.currentNumberScheduled ?? 0,
          s.numberReady ?? 0,
          s.updatedNumberScheduled ?? 0,
          s.numberAvailable ?? 0,
          formatLabels(ds.spec?.template?.spec?.nodeSelector),
          age(ds, now),
          containers,
          images,
          formatLabelSelector(ds.spec?.selector),
        ];
      },
    },
  },
};
