// apps/v1 statefulsets.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN } from './apps-table.ts';
import { defaultPodTemplate } from './pod-spec.ts';
import {
  clone,
  ensureObject,
  equalJSON,
  keepAllButStatus,
  keepOldStatus,
  metaUpdateValidator,
  metaValidator,
  setDefault,
} from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, labelSelectorString } from './table-format.ts';
import { validateNonNegative, validateReplicaTemplate, validateWorkloadSelector } from './workload.ts';

export function defaultStatefulSet(sts: any): void {
  const spec = ensureObject(sts, 'spec');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureObject(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    ensureObject(strategy, 'rollingUpdate');
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) setDefault(strategy.rollingUpdate, 'partition', 0);
  setDefault(spec, 'revisionHistoryLimit', 10);
  const retention = ensureObject(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  for (const pvc of spec.volumeClaimTemplates ?? []) {
    if (!pvc || typeof pvc !== 'object') continue;
    const pvcSpec = ensureObject(pvc, 'spec');
    setDefault(pvcSpec, 'volumeMode', 'Filesystem');
    const status = ensureObject(pvc, 'status');
    setDefault(status, 'phase', 'Pending');
    setDefault(pvc, 'apiVersion', 'v1');
    setDefault(pvc, 'kind', 'PersistentVolumeClaim');
  }
  defaultPodTemplate(ensureObject(spec, 'template'));
}

const RETENTION = ['Delete', 'Retain'];

export function validateStatefulSetSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec?.podManagementPolicy;
  if (!policy) errs.push(fieldError.required('spec.podManagementPolicy'));
  else if (!['OrderedReady', 'Parallel'].includes(policy)) {
    errs.push(fieldError.notSupported('spec.podManagementPolicy', policy, ['OrderedReady', 'Parallel']));
  }
  const strategy = spec?.updateStrategy;
  switch (strategy?.type) {
    case 'OnDelete':
      if (strategy.rollingUpdate) {
        errs.push(fieldError.invalid('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate':
      errs.push(...validateNonNegative(strategy.rollingUpdate?.partition, 'spec.updateStrategy.rollingUpdate.partition'));
      break;
    default:
      errs.push(fieldError.notSupported('spec.updateStrategy.type', strategy?.type ?? '', ['OnDelete', 'RollingUpdate']));
  }
  const retention = spec?.persistentVolumeClaimRetentionPolicy;
  for (const key of ['whenDeleted', 'whenScaled']) {
    const v = retention?.[key];
    if (v !== undefined && !RETENTION.includes(v)) {
      errs.push(fieldError.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${key}`, v, RETENTION));
    }
  }
  errs.push(...validateNonNegative(spec?.replicas, 'spec.replicas'));
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateWorkloadSelector(spec, 'statefulset'));
  errs.push(...validateReplicaTemplate(spec, 'StatefulSet'));
  return errs;
}

const MUTABLE_SPEC_FIELDS = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function validateStatefulSetUpdate(sts: any, old: any): FieldError[] {
  const a = clone(sts.spec ?? {});
  const b = clone(old.spec ?? {});
  for (const k of MUTABLE_SPEC_FIELDS) {
    delete a[k];
    delete b[k];
  }
  if (equalJSON(a, b)) return [];
  return [
    fieldError.forbidden(
      'spec',
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ];
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const statefulsets: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  resource: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  typeName: 'io.k8s.api.apps.v1.StatefulSet',
  subresources: ['status', 'scale'],
  hasGeneration: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    selector: (s) => labelSelectorString(s.spec?.selector),
  },
  strategy: {
    defaults: defaultStatefulSet,
    prepareForCreate: (s) => {
      s.status = { replicas: 0, availableReplicas: 0 };
    },
    prepareForUpdate: keepOldStatus,
    validate: (s) => [...validateMeta(s), ...validateStatefulSetSpec(s.spec)],
    validateUpdate: (s, old) => [...validateMetaUpdate(s, old), ...validateStatefulSetUpdate(s, old)],
    prepareForStatusUpdate: (s, old) => keepAllButStatus(s, old, ['labels']),
    validateStatusUpdate: (s, old) => validateMetaUpdate(s, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Ready', 'string', 'Number of the pod with ready state'),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
      ],
      row(s, now) {
        const [containers, images] = containerCells(s.spec?.template?.spec);
        return [s.metadata?.name, `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 0}`, age(s, now), containers, images];
      },
    },
  },
};
