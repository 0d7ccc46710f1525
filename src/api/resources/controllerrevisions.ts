// apps/v1 controllerrevisions: immutable snapshots of a controller's template.

import { fieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { equalJSON, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';
import { validateNonNegative } from './workload.ts';

const validateMeta = metaValidator(true, nameIsDNSSubdomain);
const validateMetaUpdate = metaUpdateValidator();

function controllerName(obj: any): string {
  const ref = (obj.metadata?.ownerReferences ?? []).find((r: any) => r.controller === true);
  if (!ref) return '<none>';
  const apiVersion: string = ref.apiVersion ?? '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${String(kind).toLowerCase()}/${ref.name}`;
}

export const controllerrevisions: ResourceDefinition = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  resource: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  typeName: 'io.k8s.api.apps.v1.ControllerRevision',
  subresources: [],
  strategy: {
    validate: (cr) => [...validateMeta(cr), ...validateNonNegative(cr.revision, 'revision')],
    validateUpdate: (cr, old) => {
      const errs = validateMetaUpdate(cr, old);
      if (!equalJSON(cr.data, old.data)) errs.push(fieldError.immutable('data', cr.data ?? null));
      return errs;
    },
    table: {
      columns: [
        NAME_COLUMN,
        column('Controller', 'string', 'Controller of the object'),
        column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
        AGE_COLUMN,
      ],
      row: (cr, now) => [cr.metadata?.name, controllerName(cr), cr.revision ?? 0, age(cr, now)],
    },
  },
};
