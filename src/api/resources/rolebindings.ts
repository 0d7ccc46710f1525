// rbac.authorization.k8s.io/v1 rolebindings and clusterrolebindings.

import type { ResourceDefinition, TableSpec } from '../strategy.ts';
import { RBAC_GROUP, defaultBinding, subjectsCells, validateBindingSpec, validateRBACMeta, validateRoleRefUnchanged } from './rbac.ts';
import { metaUpdateValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

function bindingTable(roleDescription: string): TableSpec {
  return {
    columns: [
      NAME_COLUMN,
      column('Role', 'string', roleDescription),
      AGE_COLUMN,
      column('Users', 'string', 'Users in the roleBinding', 1),
      column('Groups', 'string', 'Groups in the roleBinding', 1),
      column('ServiceAccounts', 'string', 'ServiceAccounts in the roleBinding', 1),
    ],
    row(b, now) {
      return [b.metadata?.name, `${b.roleRef?.kind ?? ''}/${b.roleRef?.name ?? ''}`, age(b, now), ...subjectsCells(b)];
    },
  };
}

const validateMetaUpdate = metaUpdateValidator();

export const rolebindings: ResourceDefinition = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'RoleBinding',
  listKind: 'RoleBindingList',
  resource: 'rolebindings',
  singular: 'rolebinding',
  namespaced: true,
  typeName: 'io.k8s.api.rbac.v1.RoleBinding',
  subresources: [],
  strategy: {
    defaults: defaultBinding,
    validate: (b) => [...validateRBACMeta(true)(b), ...validateBindingSpec(b, true)],
    validateUpdate: (b, old) => [...validateMetaUpdate(b, old), ...validateRoleRefUnchanged(b, old)],
    table: bindingTable('Role of the RoleBinding'),
  },
};

export const clusterrolebindings: ResourceDefinition = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRoleBinding',
  listKind: 'ClusterRoleBindingList',
  resource: 'clusterrolebindings',
  singular: 'clusterrolebinding',
  namespaced: false,
  typeName: 'io.k8s.api.rbac.v1.ClusterRoleBinding',
  subresources: [],
  strategy: {
    defaults: defaultBinding,
    validate: (b) => [...validateRBACMeta(false)(b), ...validateBindingSpec(b, false)],
    validateUpdate: (b, old) => [...validateMetaUpdate(b, old), ...validateRoleRefUnchanged(b, old)],
    table: bindingTable('ClusterRole of the ClusterRoleBinding'),
  },
};
