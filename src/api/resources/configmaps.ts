// core/v1 configmaps.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { MAX_DATA_SIZE_BYTES, validateDataKeys, validateImmutableData } from './config-data.ts';
import { metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

export function validateConfigMapData(cm: any): FieldError[] {
  const errs: FieldError[] = [];
  const data: Record<string, string> = cm.data ?? {};
  const binary: Record<string, string> = cm.binaryData ?? {};
  errs.push(...validateDataKeys(data, 'data'));
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    if (k in binary) errs.push(fieldError.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(String(v ?? ''));
  }
  errs.push(...validateDataKeys(binary, 'binaryData'));
  for (const [k, v] of Object.entries(binary)) {
    if (k in data) errs.push(fieldError.invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    total += Buffer.from(String(v ?? ''), 'base64').length;
  }
  if (total > MAX_DATA_SIZE_BYTES) errs.push(fieldError.tooLong('', MAX_DATA_SIZE_BYTES));
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const configmaps: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  resource: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  typeName: 'io.k8s.api.core.v1.ConfigMap',
  subresources: [],
  strategy: {
    validate: (cm) => [...validateMeta(cm), ...validateConfigMapData(cm)],
    validateUpdate: (cm, old) => [...validateMetaUpdate(cm, old), ...validateImmutableData(cm, old, ['data', 'binaryData'])],
    table: {
      columns: [NAME_COLUMN, column('Data', 'string', 'Data contains the configuration data.'), AGE_COLUMN],
      row: (cm, now) => [
        cm.metadata?.name,
        Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
        age(cm, now),
      ],
    },
  },
};
