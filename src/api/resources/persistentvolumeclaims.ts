// core/v1 persistentvolumeclaims.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { accessModesText, storageClassOf } from './persistent-volume-format.ts';
import { clone, ensureObject, equalJSON, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, quantityText } from './table-format.ts';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

export function defaultPersistentVolumeClaim(pvc: any): void {
  setDefault(ensureObject(pvc, 'spec'), 'volumeMode', 'Filesystem');
  setDefault(ensureObject(pvc, 'status'), 'phase', 'Pending');
}

function validatePVC(pvc: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pvc.spec ?? {};
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) {
    errs.push(fieldError.required('spec.accessModes', 'at least 1 access mode is required'));
  }
  for (const m of spec.accessModes ?? []) if (!ACCESS_MODES.includes(m)) errs.push(fieldError.notSupported('spec.accessModes', m, ACCESS_MODES));
  if (spec.resources?.requests?.storage === undefined) errs.push(fieldError.required('spec.resources[storage]'));
  if (spec.volumeMode && !['Block', 'Filesystem'].includes(spec.volumeMode)) {
    errs.push(fieldError.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  }
  return errs;
}

function validatePVCUpdate(pvc: any, old: any): FieldError[] {
  const a = clone(pvc.spec ?? {});
  const b = clone(old.spec ?? {});
  // A bound claim may grow; an unbound one may be bound (volumeName set once).
  if (a.resources) delete a.resources.requests;
  if (b.resources) delete b.resources.requests;
  if (!b.volumeName) delete a.volumeName;
  delete a.volumeAttributesClassName;
  delete b.volumeAttributesClassName;
  if (equalJSON(a, b)) return [];
  return [fieldError.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

export const persistentvolumeclaims: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  typeName: 'io.k8s.api.core.v1.PersistentVolumeClaim',
  subresources: ['status'],
  strategy: {
    defaults: defaultPersistentVolumeClaim,
    prepareForCreate: (pvc) => {
      pvc.status = { phase: 'Pending' };
    },
    prepareForUpdate: keepOldStatus,
    validate: (pvc) => [...metaValidator(true, nameIsDNSSubdomain)(pvc), ...validatePVC(pvc)],
    validateUpdate: (pvc, old) => [...metaUpdateValidator()(pvc, old), ...validatePVCUpdate(pvc, old)],
    prepareForStatusUpdate: (pvc, old) => keepAllButStatus(pvc, old),
    validateStatusUpdate: metaUpdateValidator(),
    table: {
      columns: [
        NAME_COLUMN,
        column('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
        column('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
        column('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
        column('Access Modes', 'string', 'accessModes contains the desired access modes the volume should have.'),
        column('StorageClass', 'string', 'storageClassName is the name of the StorageClass required by the claim.'),
        column('VolumeAttributesClass', 'string', 'volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim.'),
        AGE_COLUMN,
        column('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
      ],
      row(pvc, now) {
        const phase = pvc.metadata?.deletionTimestamp ? 'Terminating' : pvc.status?.phase ?? '';
        const bound = !!pvc.spec?.volumeName;
        return [
          pvc.metadata?.name,
          phase,
          pvc.spec?.volumeName ?? '',
          bound ? quantityText(pvc.status?.capacity?.storage) : '',
          bound ? accessModesText(pvc.status?.accessModes) : '',
          storageClassOf(pvc),
          pvc.spec?.volumeAttributesClassName ?? '<unset>',
          age(pvc, now),
          pvc.spec?.volumeMode ?? '<unset>',
        ];
      },
    },
  },
};
