// core/v1 persistentvolumes.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsPathSegment } from '../validation/names.ts';
import { accessModesText, storageClassOf } from './persistent-volume-format.ts';
import { ensureObject, equalJSON, keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, quantityText } from './table-format.ts';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const NON_SOURCE_FIELDS = new Set([
  'accessModes',
  'capacity',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'mountOptions',
  'volumeMode',
  'nodeAffinity',
  'volumeAttributesClassName',
]);

function volumeSources(spec: any): string[] {
  return Object.keys(spec ?? {}).filter((k) => !NON_SOURCE_FIELDS.has(k));
}

export function defaultPersistentVolume(pv: any): void {
  const spec = ensureObject(pv, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  setDefault(ensureObject(pv, 'status'), 'phase', 'Pending');
}

function validatePV(pv: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = pv.spec ?? {};
  if (!Array.isArray(spec.accessModes) || spec.accessModes.length === 0) errs.push(fieldError.required('spec.accessModes'));
  for (const m of spec.accessModes ?? []) if (!ACCESS_MODES.includes(m)) errs.push(fieldError.notSupported('spec.accessModes', m, ACCESS_MODES));
  if (!spec.capacity || Object.keys(spec.capacity).length === 0) errs.push(fieldError.required('spec.capacity'));
  else if (spec.capacity.storage === undefined) errs.push(fieldError.required('spec.capacity[storage]'));
  if (spec.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(spec.persistentVolumeReclaimPolicy)) {
    errs.push(fieldError.notSupported('spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES));
  }
  const sources = volumeSources(spec);
  if (sources.length === 0) errs.push(fieldError.required('spec', 'must specify a volume type'));
  else if (sources.length > 1) errs.push(fieldError.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  if (spec.volumeMode && !['Block', 'Filesystem'].includes(spec.volumeMode)) {
    errs.push(fieldError.notSupported('spec.volumeMode', spec.volumeMode, ['Block', 'Filesystem']));
  }
  return errs;
}

function validatePVUpdate(pv: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  const pick = (spec: any) => Object.fromEntries(volumeSources(spec).map((k) => [k, spec[k]]));
  if (!equalJSON(pick(pv.spec ?? {}), pick(old.spec ?? {}))) {
    errs.push(fieldError.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  if (old.spec?.volumeMode !== pv.spec?.volumeMode) errs.push(fieldError.immutable('spec.volumeMode', pv.spec?.volumeMode ?? null));
  if (old.spec?.nodeAffinity && !equalJSON(old.spec.nodeAffinity, pv.spec?.nodeAffinity)) {
    errs.push(fieldError.invalid('spec.nodeAffinity', pv.spec?.nodeAffinity ?? null, 'field is immutable'));
  }
  return errs;
}

export const persistentvolumes: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  typeName: 'io.k8s.api.core.v1.PersistentVolume',
  subresources: ['status'],
  strategy: {
    defaults: defaultPersistentVolume,
    prepareForCreate: (pv) => {
      pv.status = { phase: 'Pending' };
    },
    prepareForUpdate: keepOldStatus,
    validate: (pv) => [...metaValidator(false, nameIsPathSegment)(pv), ...validatePV(pv)],
    validateUpdate: (pv, old) => [...metaUpdateValidator()(pv, old), ...validatePVUpdate(pv, old)],
    prepareForStatusUpdate: (pv, old) => keepAllButStatus(pv, old),
    validateStatusUpdate: metaUpdateValidator(),
    table: {
      columns: [
        NAME_COLUMN,
        column('Capacity', 'string', 'capacity is the description of the persistent volume\'s resources and capacity.'),
        column('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
        column('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
        column('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
        column('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
        column('StorageClass', 'string', 'storageClassName is the name of StorageClass to which this persistent volume belongs.'),
        column('VolumeAttributesClass', 'string', 'Name of VolumeAttributesClass to which this persistent volume belongs.'),
        column('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
        AGE_COLUMN,
        column('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
      ],
      row(pv, now) {
        const ref = pv.spec?.claimRef;
        const claim = ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '';
        const phase = pv.metadata?.deletionTimestamp ? 'Terminating' : pv.status?.phase ?? '';
        return [
          pv.metadata?.name,
          quantityText(pv.spec?.capacity?.storage),
          accessModesText(pv.spec?.accessModes),
          pv.spec?.persistentVolumeReclaimPolicy ?? '',
          phase,
          claim,
          storageClassOf(pv),
          pv.spec?.volumeAttributesClassName ?? '<unset>',
          pv.status?.reason ?? '',
          age(pv, now),
          pv.spec?.volumeMode ?? '<unset>',
        ];
      },
    },
  },
};
