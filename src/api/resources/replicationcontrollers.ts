// core/v1 replicationcontrollers: the map-selector ancestor of ReplicaSet.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { validateLabels } from '../labels.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { CONTAINERS_COLUMN, IMAGES_COLUMN, SELECTOR_COLUMN } from './apps-table.ts';
import { defaultPodTemplate, validatePodTemplateSpec } from './pod-spec.ts';
import { clone, ensureObject, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, containerCells, formatLabels, mapSelectorString } from './table-format.ts';
import { templateLabelsMismatch, validateNonNegative } from './workload.ts';

export function defaultReplicationController(rc: any): void {
  const spec = ensureObject(rc, 'spec');
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(templateLabels).length > 0) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = clone(templateLabels);
    const meta = ensureObject(rc, 'metadata');
    if (!meta.labels || Object.keys(meta.labels).length === 0) meta.labels = clone(templateLabels);
  }
  setDefault(spec, 'replicas', 1);
  if (spec.template) defaultPodTemplate(spec.template);
}

function validateRCSpec(spec: any): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateNonNegative(spec?.replicas, 'spec.replicas'));
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  const selector: Record<string, string> = spec?.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldError.required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  const template = spec?.template;
  if (!template) {
    errs.push(fieldError.required('spec.template'));
    return errs;
  }
  const labels = template.metadata?.labels ?? {};
  if (Object.keys(selector).length > 0 && Object.entries(selector).some(([k, v]) => labels[k] !== v)) {
    errs.push(templateLabelsMismatch(template.metadata?.labels));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template', { restartPolicies: ['Always'] }));
  if (template.spec?.activeDeadlineSeconds !== undefined && template.spec?.activeDeadlineSeconds !== null) {
    errs.push(fieldError.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const replicationcontrollers: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  resource: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  typeName: 'io.k8s.api.core.v1.ReplicationController',
  subresources: ['status', 'scale'],
  hasGeneration: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    selector: (rc) => mapSelectorString(rc.spec?.selector),
  },
  strategy: {
    defaults: defaultReplicationController,
    prepareForCreate: (rc) => {
      rc.status = { replicas: 0 };
    },
    prepareForUpdate: keepOldStatus,
    validate: (rc) => [...validateMeta(rc), ...validateRCSpec(rc.spec)],
    validateUpdate: (rc, old) => validateMetaUpdate(rc, old),
    prepareForStatusUpdate: (rc, old) => keepAllButStatus(rc, old, ['labels']),
    validateStatusUpdate: (rc, old) => validateMetaUpdate(rc, old),
    table: {
      columns: [
        NAME_COLUMN,
        column('Desired', 'integer', 'Replicas is the number of desired replicas.'),
        column('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
        column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
        AGE_COLUMN,
        CONTAINERS_COLUMN,
        IMAGES_COLUMN,
        SELECTOR_COLUMN,
      ],
      row(rc, now) {
        const [containers, images] = containerCells(rc.spec?.template?.spec);
        return [
          rc.metadata?.name,
          rc.spec?.replicas ?? 0,
          rc.status?.replicas ?? 0,
          rc.status?.readyReplicas ?? 0,
          age(rc, now),
          containers,
          images,
          formatLabels(rc.spec?.selector),
        ];
      },
    },
    fieldSelectors: {
      'status.replicas': (rc) => String(rc.status?.replicas ?? 0),
    },
  },
};
