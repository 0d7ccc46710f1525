// apps/v1 replicasets.

import type { FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN } from './apps-table.ts';
import { defaultPodTemplate } from './pod-spec.ts';
import { ensureObject, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, formatLabelSelector, labelSelectorString } from './table-format.ts';
import { validateNonNegative, validateReplicaTemplate, validateSelectorImmutable, validateWorkloadSelector } from './workload.ts';

export function validateReplicaSetSpec(spec: any): FieldError[] {
  return [
    ...validateNonNegative(spec?.replicas, 'spec.replicas'),
    ...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'),
    ...validateWorkloadSelector(spec, 'deployment'),
    ...validateReplicaTemplate(spec, 'ReplicaSet'),
  ];
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const replicasets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  resource: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  typeName: 'io.k8s.api.apps.v1.ReplicaSet',
  subresources: ['status', 'scale'],
  hasGeneration: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    selector: (rs) => labelSelectorString(rs.spec?.selector),
  },
  strategy: {
    defaults: (rs) => {
      const spec = ensureObject(rs, 'spec');
      setDefault(spec, 'replicas', 1);
      defaultPodTemplate(ensureObject(spec, 'template'));
    },
    prepareForCreate: (rs) => {
      rs.status = { replicas: 0 };
    },
    prepareForUpdate: keepOldStatus,
    validate: (rs) => [...validateMeta(rs), ...validateReplicaSetSpec(rs.spec)],
    validateUpdate: (rs, old) => [...validateMetaUpdate(rs, old), ...validateSelectorImmutable(rs, old)],
    prepareForStatusUpdate: (rs, old) => keepAllButStatus(rs, old, ['labels']),
    validateStatusUpdate: (rs, old) => validateMetaUpdate(rs, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Desired', 'integer', 'Replicas is the number of desired pods.'),
        column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
        column('Ready', 'integer', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.'),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
        SELECTOR_COLUMN,
      ],
      row(rs, now) {
        const [containers, images] = containerCells(rs.spec?.template?.spec);
        return [
          rs.metadata?.name,
          rs.spec?.replicas ?? 0,
          rs.status?.replicas ?? 0,
          rs.status?.readyReplicas ?? 0,
          age(rs, now),
          containers,
          images,
          formatLabelSelector(rs.spec?.selector),
        ];
      },
    },
    fieldSelectors: {
      'status.replicas': (rs) => String(rs.status?.replicas ?? 0),
    },
  },
};
