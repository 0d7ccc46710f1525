// core/v1 resourcequotas: users write spec.hard; the quota controller writes status.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { isNegativeQuantity } from '../validation/quantity-value.ts';
import { keepAllButStatus, keepOldStatus, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column, quantityText } from './table-format.ts';

const SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

function validateHard(hard: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(hard ?? {})) {
    if (isNegativeQuantity(v)) errs.push(fieldError.invalid(`${path}[${k}]`, String(v), 'must be greater than or equal to 0'));
  }
  return errs;
}

function validateQuota(q: any): FieldError[] {
  const errs = validateHard(q.spec?.hard, 'spec.hard');
  for (const s of q.spec?.scopes ?? []) if (!SCOPES.includes(s)) errs.push(fieldError.notSupported('spec.scopes', s, SCOPES));
  return errs;
}

/** `resource: used/hard` pairs, requests and limits apart, sorted by resource name. */
export function quotaColumns(q: any): [string, string] {
  const hard: Record<string, string> = q.status?.hard ?? {};
  const used: Record<string, string> = q.status?.used ?? {};
  const req: string[] = [];
  const lim: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const text = `${name}: ${quantityText(used[name])}/${quantityText(hard[name])}`;
    const pieces = name.split('.');
    (pieces.length > 1 && pieces[0] === 'limits' ? lim : req).push(text);
  }
  return [req.join(', '), lim.join(', ')];
}

export const resourcequotas: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ResourceQuota',
  listKind: 'ResourceQuotaList',
  resource: 'resourcequotas',
  singular: 'resourcequota',
  namespaced: true,
  shortNames: ['quota'],
  typeName: 'io.k8s.api.core.v1.ResourceQuota',
  subresources: ['status'],
  strategy: {
    prepareForCreate: (q) => {
      q.status = {};
    },
    prepareForUpdate: keepOldStatus,
    validate: (q) => [...metaValidator(true, nameIsDNSSubdomain)(q), ...validateQuota(q)],
    validateUpdate: metaUpdateValidator(),
    prepareForStatusUpdate: (q, old) => keepAllButStatus(q, old),
    validateStatusUpdate: (q, old) => [
      ...metaUpdateValidator()(q, old),
      ...validateHard(q.status?.hard, 'status.hard'),
      ...validateHard(q.status?.used, 'status.used'),
    ],
    table: {
      columns: [
        NAME_COLUMN,
        column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
        column('Limit', 'string', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
        AGE_COLUMN,
      ],
      row(q, now) {
        const [req, lim] = quotaColumns(q);
        return [q.metadata?.name, req, lim, age(q, now)];
      },
    },
  },
};
