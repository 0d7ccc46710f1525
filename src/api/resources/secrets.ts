// core/v1 secrets: stringData folded into data, type-specific required keys, size limit.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { MAX_DATA_SIZE_BYTES, validateDataKeys, validateImmutableData } from './config-data.ts';
import { ensureObject, metaUpdateValidator, metaValidator, setDefault } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

/** SetDefaults_Secret plus v1 conversion: stringData overrides data and is not stored. */
export function defaultSecret(secret: any): void {
  setDefault(secret, 'type', 'Opaque');
  if (secret.stringData && typeof secret.stringData === 'object') {
    const data = ensureObject(secret, 'data');
    for (const [k, v] of Object.entries(secret.stringData)) data[k] = Buffer.from(String(v ?? '')).toString('base64');
  }
  delete secret.stringData;
}

const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

function decoded(v: unknown): Buffer {
  return Buffer.from(String(v ?? ''), 'base64');
}

export function validateSecretData(secret: any): FieldError[] {
  const errs: FieldError[] = [];
  const data: Record<string, string> = secret.data ?? {};
  errs.push(...validateDataKeys(data, 'data'));
  let total = 0;
  for (const v of Object.values(data)) total += decoded(v).length;
  if (total > MAX_DATA_SIZE_BYTES) errs.push(fieldError.tooLong('data', MAX_DATA_SIZE_BYTES));
  const type: string = secret.type ?? 'Opaque';
  for (const key of REQUIRED_KEYS[type] ?? []) {
    if (!(key in data)) errs.push(fieldError.required(`data[${key}]`));
  }
  if (type === 'kubernetes.io/dockerconfigjson' && '.dockerconfigjson' in data) {
    try {
      const parsed = JSON.parse(decoded(data['.dockerconfigjson']).toString('utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    } catch (e) {
      errs.push(fieldError.invalid('data[.dockerconfigjson]', '<secret contents redacted>', (e as Error).message));
    }
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    errs.push(fieldError.required('data[username]'));
    errs.push(fieldError.required('data[password]'));
  }
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(fieldError.required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return errs;
}

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

export const secrets: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  resource: 'secrets',
  singular: 'secret',
  namespaced: true,
  typeName: 'io.k8s.api.core.v1.Secret',
  subresources: [],
  strategy: {
    defaults: defaultSecret,
    validate: (s) => [...validateMeta(s), ...validateSecretData(s)],
    validateUpdate: (s, old) => {
      const errs = validateMetaUpdate(s, old);
      if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(fieldError.immutable('type', s.type ?? ''));
      errs.push(...validateImmutableData(s, old, ['data']));
      return errs;
    },
    table: {
      columns: [
        NAME_COLUMN,
        column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
        column('Data', 'string', 'Contains the secret data.'),
        AGE_COLUMN,
      ],
      row: (s, now) => [s.metadata?.name, s.type ?? '', Object.keys(s.data ?? {}).length, age(s, now)],
    },
    fieldSelectors: {
      type: (s) => s.type ?? '',
    },
  },
};
