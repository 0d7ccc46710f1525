// core/v1 componentstatuses: read-only health of the control plane's parts.

import type { ResourceDefinition } from '../strategy.ts';
import { NAME_COLUMN, column } from './table-format.ts';

export const componentstatuses: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'ComponentStatus',
  listKind: 'ComponentStatusList',
  resource: 'componentstatuses',
  singular: 'componentstatus',
  namespaced: false,
  shortNames: ['cs'],
  verbs: ['get', 'list'],
  typeName: 'io.k8s.api.core.v1.ComponentStatus',
  subresources: [],
  strategy: {
    table: {
      columns: [
        NAME_COLUMN,
        column('Status', 'string', 'Status of the component conditions'),
        column('Message', 'string', 'Message of the component conditions'),
        column('Error', 'string', 'Error of the component conditions'),
      ],
      row(cs) {
        let status = 'Unknown';
        let message = '';
        let error = '';
        const healthy = (cs.conditions ?? []).find((c: any) => c.type === 'Healthy');
        if (healthy) {
          status = healthy.status === 'True' ? 'Healthy' : 'Unhealthy';
          message = healthy.message ?? '';
          error = healthy.error ?? '';
        }
        return [cs.metadata?.name, status, message, error];
      },
    },
  },
};
