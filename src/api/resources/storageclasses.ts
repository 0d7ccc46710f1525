// storage.k8s.io/v1 storageclasses.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isQualifiedName, nameIsDNSSubdomain } from '../validation/names.ts';
import { equalJSON, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const DEFAULT_CLASS_ANNOTATIONS = ['storageclass.kubernetes.io/is-default-class', 'storageclass.beta.kubernetes.io/is-default-class'];

function validateStorageClass(sc: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(fieldError.required('provisioner'));
  else for (const msg of isQualifiedName(sc.provisioner.toLowerCase())) errs.push(fieldError.invalid('provisioner', sc.provisioner, msg));
  if (sc.reclaimPolicy && !RECLAIM_POLICIES.includes(sc.reclaimPolicy)) errs.push(fieldError.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  if (sc.volumeBindingMode && !BINDING_MODES.includes(sc.volumeBindingMode)) {
    errs.push(fieldError.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  }
  return errs;
}

function validateStorageClassUpdate(sc: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!equalJSON(sc.parameters, old.parameters)) errs.push(fieldError.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(fieldError.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(fieldError.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (sc.volumeBindingMode !== old.volumeBindingMode) errs.push(fieldError.immutable('volumeBindingMode', sc.volumeBindingMode ?? ''));
  return errs;
}

export function isDefaultStorageClass(sc: any): boolean {
  return DEFAULT_CLASS_ANNOTATIONS.some((a) => sc.metadata?.annotations?.[a] === 'true');
}

export const storageclasses: ResourceDefinition = {
  group: 'storage.k8s.io',
  version: 'v1',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  resource: 'storageclasses',
  singular: 'storageclass',
  namespaced: false,
  shortNames: ['sc'],
  typeName: 'io.k8s.api.storage.v1.StorageClass',
  subresources: [],
  strategy: {
    defaults: (sc) => {
      setDefault(sc, 'reclaimPolicy', 'Delete');
      setDefault(sc, 'volumeBindingMode', 'Immediate');
    },
    validate: (sc) => [...metaValidator(false, nameIsDNSSubdomain)(sc), ...validateStorageClass(sc)],
    validateUpdate: (sc, old) => [...metaUpdateValidator()(sc, old), ...validateStorageClassUpdate(sc, old)],
    table: {
      columns: [
        NAME_COLUMN,
        column('Provisioner', 'string', 'provisioner indicates the type of the provisioner.'),
        column('ReclaimPolicy', 'string', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.'),
        column('VolumeBindingMode', 'string', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.'),
        column('AllowVolumeExpansion', 'string', 'allowVolumeExpansion shows whether the storage class allow volume expand.'),
        AGE_COLUMN,
      ],
      row: (sc, now) => [
        isDefaultStorageClass(sc) ? `${sc.metadata?.name} (default)` : sc.metadata?.name,
        sc.provisioner ?? '',
        sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate',
        sc.allowVolumeExpansion === true,
        age(sc, now),
      ],
    },
  },
};
