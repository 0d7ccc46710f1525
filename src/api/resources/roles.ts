// rbac.authorization.k8s.io/v1 roles and clusterroles.

import type { ResourceDefinition, TableSpec } from '../strategy.ts';
import { RBAC_GROUP, validatePolicyRules, validateRBACMeta } from './rbac.ts';
import { metaUpdateValidator } from './strategy-helpers.ts';
import { NAME_COLUMN, column, createdAt } from './table-format.ts';

const roleTable: TableSpec = {
  columns: [NAME_COLUMN, column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created.')],
  row: (r) => [r.metadata?.name, createdAt(r)],
};

export const roles: ResourceDefinition = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'Role',
  listKind: 'RoleList',
  resource: 'roles',
  singular: 'role',
  namespaced: true,
  typeName: 'io.k8s.api.rbac.v1.Role',
  subresources: [],
  strategy: {
    validate: (r) => [...validateRBACMeta(true)(r), ...validatePolicyRules(r.rules, true)],
    validateUpdate: metaUpdateValidator(),
    table: roleTable,
  },
};

export const clusterroles: ResourceDefinition = {
  group: RBAC_GROUP,
  version: 'v1',
  kind: 'ClusterRole',
  listKind: 'ClusterRoleList',
  resource: 'clusterroles',
  singular: 'clusterrole',
  namespaced: false,
  typeName: 'io.k8s.api.rbac.v1.ClusterRole',
  subresources: [],
  strategy: {
    // An aggregated role's rules are written by the aggregation controller.
    validate: (r) => [...validateRBACMeta(false)(r), ...(r.aggregationRule ? [] : validatePolicyRules(r.rules, false))],
    validateUpdate: metaUpdateValidator(),
    table: roleTable,
  },
};
