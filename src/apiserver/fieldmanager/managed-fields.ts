// metadata.managedFields in and out: one entry per manager identity (manager, operation,
// apiVersion for updates, subresource) holding the fields it owns.

import { FieldSet } from './field-set.ts';

export type Operation = 'Apply' | 'Update';

export interface ManagerEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  subresource: string;
  time?: string;
  set: FieldSet;
}

/** Entries by identity; see managerIdentity. */
export type Managers = Map<string, ManagerEntry>;

/**
 * Upstream's manager identifier: appliers are one identity whatever apiVersion they used;
 * updaters are one per apiVersion. Time and fields never count.
 */
export function managerIdentity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return JSON.stringify([e.manager, e.operation, e.operation === 'Apply' ? '' : e.apiVersion, e.subresource]);
}

/** How conflict messages name a manager: `"kubectl-client-side-apply" using apps/v1`. */
export function describeManager(e: ManagerEntry): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/** `managedFields: [{}]` asks to clear every entry. */
export function isResetRequest(list: unknown): boolean {
  return Array.isArray(list) && list.length === 1 && list[0] !== null && typeof list[0] === 'object' && Object.keys(list[0]).length === 0;
}

/** Throws on a malformed entry. */
export function decodeManagedFields(list: unknown): Managers {
  const out: Managers = new Map();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) throw new Error('managedFields must be a list');
  for (const raw of list) {
    if (raw === null || typeof raw !== 'object') throw new Error('managedFields entries must be objects');
    const e = raw as Record<string, unknown>;
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error(`invalid operation ${JSON.stringify(e.operation)}`);
    if (e.fieldsType !== undefined && e.fieldsType !== 'FieldsV1') throw new Error(`invalid fieldsType ${JSON.stringify(e.fieldsType)}`);
    const entry: ManagerEntry = {
      manager: typeof e.manager === 'string' ? e.manager : '',
      operation: e.operation,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : '',
      subresource: typeof e.subresource === 'string' ? e.subresource : '',
      time: typeof e.time === 'string' ? e.time : undefined,
      set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}),
    };
    const id = managerIdentity(entry);
    if (out.has(id)) throw new Error(`duplicate entries for key ${id}`);
    out.set(id, entry);
  }
  return out;
}

/** Sorted as upstream: appliers first, then by time, manager, apiVersion, subresource. */
export function encodeManagedFields(managers: Managers): Record<string, unknown>[] {
  const entries = [...managers.values()].filter((e) => !e.set.isEmpty());
  entries.sort((p, q) => {
    if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
    const pt = p.time ? Math.floor(Date.parse(p.time) / 1000) : 0;
    const qt = q.time ? Math.floor(Date.parse(q.time) / 1000) : 0;
    if (pt !== qt) return pt - qt;
    if (p.manager !== q.manager) return p.manager < q.manager ? -1 : 1;
    if (p.apiVersion !== q.apiVersion) return p.apiVersion < q.apiVersion ? -1 : 1;
    return p.subresource < q.subresource ? -1 : p.subresource > q.subresource ? 1 : 0;
  });
  return entries.map((e) => {
    const out: Record<string, unknown> = {};
    if (e.manager) out.manager = e.manager;
    out.operation = e.operation;
    out.apiVersion = e.apiVersion;
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/**
 * Keeps at most MAX_UPDATE_MANAGERS updaters (upstream's capManagersManager): the oldest are
 * merged, per apiVersion, into an `ancient-changes` entry. Returns true if it changed anything.
 */
export function capUpdateManagers(managers: Managers): boolean {
  const updaters = [...managers.entries()].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return false;
  updaters.sort(([, a], [, b]) => (a.time ?? '').localeCompare(b.time ?? ''));
  const firstByVersion = new Map<string, string>();
  let count = updaters.length;
  for (const [id, e] of updaters) {
    if (count <= MAX_UPDATE_MANAGERS) break;
    const bucketId = managerIdentity({ manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: e.apiVersion, subresource: '' });
    const first = firstByVersion.get(e.apiVersion);
    if (id === bucketId && first !== undefined) continue;
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, id);
      continue;
    }
    let bucket = managers.get(bucketId);
    if (!bucket) {
      const firstEntry = managers.get(first)!;
      managers.delete(first);
      bucket = { ...firstEntry, manager: ANCIENT_CHANGES_MANAGER, subresource: '' };
      managers.set(bucketId, bucket);
    }
    bucket.set = bucket.set.union(e.set);
    bucket.time = e.time;
    managers.delete(id);
    count--;
  }
  return true;
}
