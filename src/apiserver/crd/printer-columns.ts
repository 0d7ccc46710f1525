// `additionalPrinterColumns` of a CRD version as the Table that `kubectl get` prints: NAME
// first, then each column's JSONPath value; `date` columns print as ages. Without columns
// a CRD shows NAME and AGE, as upstream.

import type { TableColumn, TableSpec } from '../../api/strategy.ts';
import { humanDuration } from '../../api/resources/table-format.ts';
import { getAtPath, parseSimpleJsonPath } from './jsonpath.ts';

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

export const DEFAULT_PRINTER_COLUMNS: PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  },
];

export function printerColumnsTable(columns: PrinterColumn[] | undefined): TableSpec {
  const cols = columns && columns.length > 0 ? columns : DEFAULT_PRINTER_COLUMNS;
  const paths = cols.map((c) => parseSimpleJsonPath(c.jsonPath));
  return {
    columns: [
      NAME_COLUMN,
      ...cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    ],
    row: (obj, now) => [obj.metadata?.name ?? '', ...cols.map((c, i) => cell(c, paths[i] ? getAtPath(obj, paths[i]!) : undefined, now))],
  };
}

/** Upstream's cellForJSONValue: a value of the wrong type for its column prints as nothing. */
function cell(column: PrinterColumn, v: unknown, now: Date): unknown {
  if (v === undefined || v === null) return null;
  switch (column.type) {
    case 'date': {
      if (typeof v !== 'string') return null;
      const t = Date.parse(v);
      return Number.isNaN(t) ? '<invalid>' : humanDuration(now.getTime() - t);
    }
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    default:
      return typeof v === 'string' ? v : JSON.stringify(v);
  }
}
