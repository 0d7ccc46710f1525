// core/v1 limitranges.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { compareQuantities } from '../validation/quantity-value.ts';
import { ensureObject, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { NAME_COLUMN, column, createdAt } from './table-format.ts';

const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'];

/** SetDefaults_LimitRangeItem: container defaults fall back to max, default requests to the default or min. */
export function defaultLimitRange(lr: any): void {
  for (const item of lr.spec?.limits ?? []) {
    if (item?.type !== 'Container') continue;
    const def = ensureObject(item, 'default');
    const defReq = ensureObject(item, 'defaultRequest');
    for (const [k, v] of Object.entries(item.max ?? {})) if (def[k] === undefined) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (defReq[k] === undefined) defReq[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (defReq[k] === undefined) defReq[k] = v;
  }
}

function validateLimitRange(lr: any): FieldError[] {
  const errs: FieldError[] = [];
  (lr.spec?.limits ?? []).forEach((item: any, i: number) => {
    const p = `spec.limits[${i}]`;
    if (!LIMIT_TYPES.includes(item?.type)) errs.push(fieldError.notSupported(`${p}.type`, item?.type ?? '', LIMIT_TYPES));
    for (const [k, v] of Object.entries<any>(item?.min ?? {})) {
      const max = item?.max?.[k];
      if (max !== undefined && compareQuantities(v, max) === 1) {
        errs.push(fieldError.invalid(`${p}.min[${k}]`, String(v), `min value ${v} is greater than max value ${max}`));
      }
    }
  });
  return errs;
}

export const limitranges: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  listKind: 'LimitRangeList',
  resource: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  typeName: 'io.k8s.api.core.v1.LimitRange',
  subresources: [],
  strategy: {
    defaults: defaultLimitRange,
    validate: (lr) => [...metaValidator(true, nameIsDNSSubdomain)(lr), ...validateLimitRange(lr)],
    validateUpdate: metaUpdateValidator(),
    table: {
      columns: [NAME_COLUMN, column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
      row: (lr) => [lr.metadata?.name, createdAt(lr)],
    },
  },
};
