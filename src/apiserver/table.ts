// meta.k8s.io Table responses for `kubectl get`: the resource's columns and one row per
// object, each row carrying the object's metadata (or the whole object when asked).

import type { ResourceDefinition, TableColumn } from '../api/strategy.ts';
import { humanDuration } from '../api/resources/table-format.ts';

const DEFAULT_COLUMNS: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
];

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function tableColumns(def: ResourceDefinition): TableColumn[] {
  return (def.strategy.table?.columns ?? DEFAULT_COLUMNS).map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description ?? '',
    priority: c.priority ?? 0,
  }));
}

export function tableRow(def: ResourceDefinition, obj: any, include: IncludeObject, now: Date): any {
  const cells = def.strategy.table
    ? def.strategy.table.row(obj, now)
    : [obj.metadata?.name ?? '', age(obj.metadata?.creationTimestamp, now)];
  const row: any = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialObjectMetadata(obj);
  return row;
}

export function partialObjectMetadata(obj: any, version = 'v1'): any {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export function toTable(
  def: ResourceDefinition,
  objs: any[],
  opts: { include: IncludeObject; resourceVersion?: string; continueToken?: string; version?: string; noHeaders?: boolean },
): any {
  const now = new Date();
  const metadata: any = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version ?? 'v1'}`,
    metadata,
    columnDefinitions: opts.noHeaders ? null : tableColumns(def),
    rows: objs.map((o) => tableRow(def, o, opts.include, now)),
  };
}

function age(ts: string | undefined, now: Date): string {
  if (!ts) return '<unknown>';
  return humanDuration(now.getTime() - Date.parse(ts));
}

export function parseIncludeObject(v: string | null): IncludeObject {
  if (v === 'None' || v === 'Object') return v;
  return 'Metadata';
}
