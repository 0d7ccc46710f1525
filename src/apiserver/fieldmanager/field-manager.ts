// Field ownership for one resource (upstream's FieldManager): every write records in
// metadata.managedFields which manager set which fields; an apply merges a configuration
// into the live object, removes what its manager stopped applying, and refuses (409) to
// change fields other managers own unless forced.

import { badRequest } from '../../api/errors.ts';
import { deepEqual } from '../../api/patch/json-value.ts';
import { nowRfc3339 } from '../../api/meta.ts';
import { FieldSet } from './field-set.ts';
import { compare } from './compare.ts';
import { conflictError, type Conflict } from './conflict.ts';
import { mergeApplied } from './merge.ts';
import { pruneUnowned } from './prune.ts';
import { toFieldSet } from './to-field-set.ts';
import { MissingKeyError, isGranular, isPlainObject } from './typed-value.ts';
import { wholeFieldsV1 } from './whole-fields-v1.ts';
import { capUpdateManagers, decodeManagedFields, encodeManagedFields, isResetRequest, managerIdentity, type ManagerEntry, type Managers } from './managed-fields.ts';
import type { SchemaNode } from './type-schema.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Server-set metadata nobody owns (upstream's stripMeta set; exact paths, not subtrees). */
const STRIPPED = FieldSet.of(
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ['f:metadata', 'f:name'],
  ['f:metadata', 'f:namespace'],
  ['f:metadata', 'f:creationTimestamp'],
  ['f:metadata', 'f:selfLink'],
  ['f:metadata', 'f:uid'],
  ['f:metadata', 'f:clusterName'],
  ['f:metadata', 'f:generation'],
  ['f:metadata', 'f:managedFields'],
  ['f:metadata', 'f:resourceVersion'],
);

export interface ApplyOptions {
  manager: string;
  force: boolean;
  subresource: string;
}

export class FieldManager {
  constructor(
    readonly schema: SchemaNode,
    /** The apiVersion entries are recorded with, e.g. `apps/v1`. */
    readonly apiVersion: string,
    /** With a status subresource, the main resource ignores status and status ignores the rest. */
    readonly hasStatusSubresource: boolean,
  ) {}

  /**
   * Records an ordinary write (create, update, patch) in `next.metadata.managedFields`:
   * fields it added or changed become `manager`'s (taken from any other manager), fields it
   * removed are nobody's. `old` is undefined for a create.
   */
  trackUpdate(old: any, next: any, manager: string, subresource: string): void {
    next.metadata ??= {};
    const meta = next.metadata;
    const sent = meta.managedFields;
    if (old === undefined && !(Array.isArray(sent) && sent.length > 0 && !isResetRequest(sent)) && this.trackCreate(next, manager, subresource)) return;
    const live = old?.metadata?.managedFields;
    let managers: Managers;
    let base: unknown;
    if (isResetRequest(sent)) {
      managers = new Map();
      base = undefined;
    } else if (Array.isArray(sent) && sent.length > 0 && !deepEqual(sent, live)) {
      // The client wrote managedFields itself (kubectl's client-side to server-side upgrade does).
      const fromClient = safeDecode(sent);
      managers = fromClient ?? safeDecode(live) ?? new Map();
      base = fromClient ? sent : live;
    } else {
      managers = safeDecode(live) ?? new Map();
      base = live;
    }
    // Ignored fields are top-level ones (status, or all but status): left out of the comparison.
    const ignored = this.ignoredFields(subresource, old, next);
    const before = withoutTopLevel(withoutManagedFields(old), ignored);
    const after = withoutTopLevel(withoutManagedFields(next), ignored);
    const cmp = compare(before, after, this.schema);
    const changed = cmp.added.union(cmp.modified).difference(STRIPPED);
    const removed = cmp.removed;
    let dirty = false;
    for (const e of managers.values()) {
      if (e.set.intersects(changed)) {
        e.set = e.set.difference(changed);
        dirty = true;
      }
      if (e.set.intersects(removed)) {
        e.set = e.set.difference(removed);
        dirty = true;
      }
    }
    if (!changed.isEmpty()) {
      const id = managerIdentity({ manager, operation: 'Update', apiVersion: this.apiVersion, subresource });
      const prev = managers.get(id);
      managers.set(id, {
        manager,
        operation: 'Update',
        apiVersion: this.apiVersion,
        subresource,
        time: nowRfc3339(),
        set: prev ? prev.set.union(changed) : changed,
      });
      dirty = true;
    }
    if (capUpdateManagers(managers)) dirty = true;
    if (!dirty && base !== undefined) {
      meta.managedFields = base;
      return;
    }
    setManagedFields(meta, managers);
  }

  /**
   * trackUpdate for a create whose client sent no managedFields: the manager owns every field
   * it set, written straight to fieldsV1. False when the object is not walked field by field
   * (then the general path decides).
   */
  private trackCreate(next: any, manager: string, subresource: string): boolean {
    const ignored = this.ignoredFields(subresource, undefined, next);
    const after = withoutTopLevel(withoutManagedFields(next), ignored);
    if (!isGranular(this.schema, after)) return false;
    const fieldsV1 = wholeFieldsV1(after, this.schema, STRIPPED);
    if (fieldsV1 === undefined) {
      delete next.metadata.managedFields;
      return true;
    }
    // The one entry encodeManagedFields would write, in its key order.
    const entry: Record<string, unknown> = {};
    if (manager) entry.manager = manager;
    entry.operation = 'Update';
    entry.apiVersion = this.apiVersion;
    entry.time = nowRfc3339();
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = fieldsV1;
    if (subresource) entry.subresource = subresource;
    next.metadata.managedFields = [entry];
    return true;
  }

  /**
   * Server-side apply of `config` onto `live` (undefined: the object does not exist yet).
   * Returns the new object with its managedFields; throws 409 on conflicts unless forced.
   */
  apply(live: any, config: any, opts: ApplyOptions): any {
    if (config === null || typeof config !== 'object' || Array.isArray(config)) throw badRequest('the apply configuration must be an object');
    if (config.metadata?.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    const liveValue = withoutManagedFields(live);
    const managers = (live && safeDecode(live.metadata?.managedFields)) || new Map<string, ManagerEntry>();
    if (live && managers.size === 0) this.ownEverythingBeforeFirstApply(liveValue, managers);

    const ignored = this.ignoredFields(opts.subresource, liveValue, config);
    let applied: FieldSet;
    let merged: any;
    try {
      applied = toFieldSet(config, this.schema).recursiveDifference(ignored).difference(STRIPPED);
      merged = mergeApplied(liveValue ?? {}, config, this.schema);
    } catch (e) {
      if (e instanceof MissingKeyError) throw badRequest(`failed to create typed patch object (${this.apiVersion}, Kind=${config.kind}): ${e.message}`);
      throw e;
    }
    const id = managerIdentity({ manager: opts.manager, operation: 'Apply', apiVersion: this.apiVersion, subresource: opts.subresource });
    const previous = managers.get(id);
    const mine: ManagerEntry = {
      manager: opts.manager,
      operation: 'Apply',
      apiVersion: this.apiVersion,
      subresource: opts.subresource,
      time: previous?.time,
      set: applied,
    };
    managers.set(id, mine);
    if (previous && !previous.set.isEmpty()) {
      const owned = new FieldSet();
      for (const e of managers.values()) owned.addAll(e.set);
      pruneUnowned(merged, this.schema, previous.set.recursiveDifference(ignored), owned);
    }

    if (liveValue) {
      const cmp = compare(liveValue, merged, this.schema);
      const changed = cmp.added.union(cmp.modified).recursiveDifference(ignored).difference(STRIPPED);
      const removed = cmp.removed.recursiveDifference(ignored);
      const conflicts: Conflict[] = [];
      for (const [otherId, e] of managers) {
        if (otherId === id) continue;
        for (const path of e.set.intersection(changed).paths()) conflicts.push({ entry: e, path });
      }
      if (conflicts.length > 0 && !opts.force && !this.upgradesClientSideApply(opts.manager, live, liveValue, conflicts)) {
        throw conflictError(conflicts);
      }
      for (const [otherId, e] of managers) {
        if (otherId === id) continue;
        if (e.set.intersects(changed)) e.set = e.set.difference(changed);
        if (e.set.intersects(removed)) e.set = e.set.difference(removed);
      }
    }
    if (!mine.time || !deepEqual(liveValue, merged)) mine.time = nowRfc3339();
    capUpdateManagers(managers);
    if (opts.manager === 'kubectl') syncLastApplied(merged, config);
    merged.metadata ??= {};
    setManagedFields(merged.metadata, managers);
    return merged;
  }

  /** Objects without managedFields (written before tracking) belong to `before-first-apply`. */
  private ownEverythingBeforeFirstApply(liveValue: any, managers: Managers): void {
    const set = compare(undefined, liveValue, this.schema).added.recursiveDifference(this.ignoredFields('', liveValue, undefined)).difference(STRIPPED);
    if (set.isEmpty()) return;
    const entry: ManagerEntry = { manager: 'before-first-apply', operation: 'Update', apiVersion: this.apiVersion, subresource: '', time: nowRfc3339(), set };
    managers.set(managerIdentity(entry), entry);
  }

  /**
   * kubectl's first server-side apply of an object it managed client-side: conflicts on
   * fields whose live value is still what the last-applied annotation says are allowed.
   */
  private upgradesClientSideApply(manager: string, live: any, liveValue: any, conflicts: Conflict[]): boolean {
    if (manager !== 'kubectl') return false;
    const text = live?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
    if (typeof text !== 'string' || text === '') return false;
    let lastApplied: unknown;
    try {
      lastApplied = JSON.parse(text);
    } catch {
      return false;
    }
    let allowed: FieldSet;
    try {
      const cmp = compare(lastApplied, liveValue, this.schema);
      allowed = toFieldSet(lastApplied, this.schema).difference(cmp.modified);
    } catch {
      return false;
    }
    return conflicts.every((c) => allowed.has(c.path));
  }

  private ignoredFields(subresource: string, a: any, b: any): FieldSet {
    const out = new FieldSet();
    if (!this.hasStatusSubresource) return out;
    if (subresource === '') {
      out.insert(['f:status']);
    } else if (subresource === 'status') {
      for (const obj of [a, b]) {
        if (!isPlainObject(obj)) continue;
        for (const k of Object.keys(obj)) if (k !== 'status' && k !== 'metadata' && k !== 'apiVersion' && k !== 'kind') out.insert(['f:' + k]);
      }
    }
    return out;
  }
}

function safeDecode(list: unknown): Managers | undefined {
  if (list === undefined || list === null) return undefined;
  try {
    return decodeManagedFields(list);
  } catch {
    return undefined;
  }
}

function withoutManagedFields(obj: any): any {
  if (!isPlainObject(obj)) return undefined;
  const meta = obj.metadata;
  if (!isPlainObject(meta) || !('managedFields' in meta)) return obj;
  const { managedFields: _mf, ...rest } = meta;
  return { ...obj, metadata: rest };
}

function withoutTopLevel(obj: any, ignored: FieldSet): any {
  if (!obj || !ignored.children) return obj;
  let out: any;
  for (const k of ignored.children.keys()) {
    const name = k.slice(2);
    if (!(name in obj)) continue;
    out ??= { ...obj };
    delete out[name];
  }
  return out ?? obj;
}

function setManagedFields(meta: any, managers: Managers): void {
  const encoded = encodeManagedFields(managers);
  if (encoded.length > 0) meta.managedFields = encoded;
  else delete meta.managedFields;
}

/**
 * kubectl's server-side apply keeps an existing last-applied annotation in step with what it
 * applied, so a later client-side apply computes the right removals (upstream's lastAppliedUpdater).
 */
function syncLastApplied(merged: any, config: any): void {
  const annotations = merged?.metadata?.annotations;
  if (!isPlainObject(annotations) || typeof annotations[LAST_APPLIED_ANNOTATION] !== 'string') return;
  const copy = JSON.parse(JSON.stringify(config));
  if (isPlainObject(copy.metadata?.annotations)) {
    delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  annotations[LAST_APPLIED_ANNOTATION] = JSON.stringify(sortKeys(copy));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}
