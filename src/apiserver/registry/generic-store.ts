// The generic REST storage of one resource (upstream's registry/generic/registry/store.go):
// create, get, list, update, patch, delete over the store, applying the resource's strategy
// (defaults, validation, status handling), server-set metadata, optimistic concurrency,
// finalizers, graceful deletion and the propagation policy.

import type { Store, KeyValue } from '../../storage/store.ts';
import { isStoreError } from '../../storage/store.ts';
import type { ResourceDefinition } from '../../api/strategy.ts';
import {
  StatusError,
  alreadyExists,
  badRequest,
  conflict,
  fieldError,
  invalid,
  notFound,
  OBJECT_MODIFIED,
  type FieldError,
  type GroupResource,
} from '../../api/errors.ts';
import { generatedName, newUid, nowRfc3339 } from '../../api/meta.ts';
import { deepClone, deepEqual } from '../../api/patch/json-value.ts';
import { applySchemaDefaults } from '../../api/schema/defaults.ts';
import { validateAgainstSchema, dropUnknownFields, unknownFieldMessage, strictDecodingMessage } from '../../api/schema/validate.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/object-meta.ts';
import { nameIsDNSSubdomain } from '../../api/validation/names.ts';
import { WatchCache, type CacheEntry } from '../watch-cache.ts';
import { decodeFromStore, encodeForStore, noteWritten, setResourceVersion, storedObject } from './object-codec.ts';
import { storageKey, storagePrefix } from '../resource-registry.ts';
import type { RequestContext } from './context.ts';
import { storageViewFor } from './storage-view.ts';
import { type Selection, selects } from './selection.ts';
import { FieldManager } from '../fieldmanager/field-manager.ts';
import { managerName } from '../fieldmanager/manager-name.ts';
import { schemaForType } from '../fieldmanager/type-schema.ts';
import { groupVersion } from '../../api/strategy.ts';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface ListOptions {
  selection: Selection;
  limit?: number;
  continueToken?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface ListResult {
  /** Entries from the watch cache or decoded from the store, with shared JSON. */
  items: CacheEntry[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteResult {
  /** The object as it now is (pending deletion) or was (deleted). */
  obj: any;
  /** True when the object is gone from the store. */
  deleted: boolean;
}

/** Hooks a resource adds around the generic flow (upstream: admission plugins and custom REST). */
export interface ResourceHooks {
  /** Before a create is written (after defaults and validation): admission, allocation. */
  beforeCreate?(obj: any, ctx: RequestContext): Promise<void>;
  /** The create did not happen (conflict, dry run): undo what beforeCreate reserved. */
  createAborted?(obj: any): void;
  beforeUpdate?(obj: any, old: any, ctx: RequestContext): Promise<void>;
  /** The object is being deleted now or marked for deletion; may mutate `obj` (e.g. phase). */
  beforeDelete?(obj: any): void;
  /** The object is gone from the store. */
  deleted?(obj: any): void;
  /** Blocks removal while true even without metadata.finalizers (namespaces' spec.finalizers). */
  holdsDeletion?(obj: any): boolean;
}

export type UpdateFn = (current: any) => any | Promise<any>;

const MAX_RETRIES = 16;
const MAX_GENERATE_NAME_RETRIES = 7;

/** Subresources whose handler makes the whole change itself (no spec/status split, no update strategy). */
const INTERNAL_WRITES = new Set(['binding', 'finalize']);

export class GenericStore {
  readonly cache: WatchCache;
  readonly gr: GroupResource;
  hooks: ResourceHooks = {};
  /** Records field ownership (managedFields) and performs server-side apply; replaceable for custom resources. */
  fieldManager: FieldManager;

  private readonly store: Store;

  constructor(
    readonly def: ResourceDefinition,
    store: Store,
  ) {
    this.gr = { group: def.group, resource: def.resource };
    this.fieldManager = new FieldManager(schemaForType(def.typeName), groupVersion(def), def.subresources.includes('status'));
    // Shared storage with a conversion, TTLs: see def.storage.
    this.store = storageViewFor(def, store);
    this.cache = new WatchCache(this.store, storagePrefix(def), decodeFromStore, undefined, (kv) => storedObject(kv.value, String(kv.modRevision)));
  }

  key(namespace: string, name: string): string {
    return storageKey(this.def, namespace, name);
  }

  // ---- reads ----

  async get(namespace: string, name: string, resourceVersion?: string): Promise<any> {
    if (resourceVersion === '0') {
      await this.cache.ready();
      const entry = this.cache.get(this.key(namespace, name));
      if (!entry) throw notFound(this.gr, name);
      return deepClone(entry.obj);
    }
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw notFound(this.gr, name);
    return decodeFromStore(kv);
  }

  async list(namespace: string, opts: ListOptions): Promise<ListResult> {
    const { selection } = opts;
    const ns = this.def.namespaced ? namespace : '';
    if (!opts.continueToken && (opts.resourceVersion === '0' || (opts.resourceVersion && opts.resourceVersionMatch !== 'Exact'))) {
      // Served from the watch cache: "any" or "not older than" the given version.
      await this.cache.ready();
      if (opts.resourceVersion !== '0') {
        const rv = parseResourceVersion(opts.resourceVersion);
        if (!(await this.cache.waitForRevision(rv, 3000))) {
          throw new StatusError(504, 'Timeout', `Too large resource version: ${rv}, current: ${this.cache.rev}`, {
            causes: [{ type: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          });
        }
      }
      const items = this.cache.list(ns || undefined).filter((e) => selects(selection, e.obj));
      return { items, resourceVersion: String(this.cache.rev) };
    }
    if (!opts.continueToken && !opts.resourceVersion) {
      const fromCache = await this.consistentListFromCache(ns, opts);
      if (fromCache) return fromCache;
    }
    return this.listFromStore(ns, opts);
  }

  /**
   * A most-recent list served from the watch cache when the store vouches that the cache has
   * every event so far (upstream's consistent reads from cache). The first page comes from
   * memory; later pages continue from the store at the same revision.
   */
  private async consistentListFromCache(ns: string, opts: ListOptions): Promise<ListResult | undefined> {
    await this.cache.ready();
    const rev = this.cache.consistentRevision();
    if (rev === undefined) return undefined;
    const all = this.cache.list(ns || undefined);
    const items: CacheEntry[] = [];
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    let i = 0;
    for (; i < all.length; i++) {
      if (!selects(opts.selection, all[i].obj)) continue;
      items.push(all[i]);
      if (limit && items.length >= limit) break;
    }
    const result: ListResult = { items, resourceVersion: String(rev) };
    if (limit && items.length >= limit && i < all.length - 1) {
      const prefix = storagePrefix(this.def, ns || undefined);
      result.continueToken = encodeContinue(rev, items[items.length - 1].key.slice(prefix.length));
    }
    return result;
  }

  private async listFromStore(ns: string, opts: ListOptions): Promise<ListResult> {
    const prefix = storagePrefix(this.def, ns || undefined);
    let revision: number | undefined;
    let after: string | undefined;
    if (opts.continueToken) {
      const token = decodeContinue(opts.continueToken, prefix);
      revision = token.rv;
      after = token.start;
    } else if (opts.resourceVersion && opts.resourceVersionMatch === 'Exact') {
      revision = parseResourceVersion(opts.resourceVersion);
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const items: CacheEntry[] = [];
    let more = false;
    let readRev = revision;
    let lastKey = after;
    for (;;) {
      const pageSize = limit ? Math.max(limit - items.length, Math.min(limit * 2, 1000)) : 0;
      let page;
      try {
        page = await this.store.list(prefix, { limit: pageSize, continueAfter: lastKey, revision: readRev });
      } catch (e) {
        if (isStoreError(e, 'Compacted')) {
          if (opts.continueToken) {
            throw new StatusError(
              410,
              'Expired',
              'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            );
          }
          throw new StatusError(410, 'Expired', `The resourceVersion for the provided list is too old.`);
        }
        if (isStoreError(e, 'NotFound') && readRev !== undefined) {
          throw new StatusError(504, 'Timeout', `Too large resource version: ${readRev}`, {
            causes: [{ type: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
            retryAfterSeconds: 1,
          });
        }
        throw storeFailure(e);
      }
      readRev = page.revision;
      for (let i = 0; i < page.kvs.length; i++) {
        const kv = page.kvs[i];
        lastKey = kv.key;
        const obj = decodeFromStore(kv);
        if (!selects(opts.selection, obj)) continue;
        items.push(entryOf(kv, obj));
        if (limit && items.length >= limit) {
          more = page.more || i < page.kvs.length - 1;
          break;
        }
      }
      if (limit && items.length >= limit) break;
      if (!page.more) break;
    }
    const result: ListResult = { items, resourceVersion: String(readRev) };
    if (more && lastKey) result.continueToken = encodeContinue(readRev!, lastKey.slice(prefix.length));
    return result;
  }

  // ---- create ----

  /** `applied`: the object comes from a server-side apply (managedFields set, fields already checked). */
  async create(namespace: string, input: any, ctx: RequestContext, applied = false, attempt = 0): Promise<any> {
    const obj = input;
    obj.metadata ??= {};
    const meta = obj.metadata;
    this.checkNamespace(namespace, meta);
    const generated = !meta.name && Boolean(meta.generateName);
    if (generated) meta.name = generatedName(meta.generateName);
    if (!applied) this.checkUnknownFields(obj, ctx);
    meta.uid = newUid();
    meta.creationTimestamp = nowRfc3339();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (this.def.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    this.applyDefaults(obj);
    if (!applied) this.fieldManager.trackUpdate(undefined, obj, managerName(ctx.fieldManager, ctx.userAgent), '');
    this.def.strategy.prepareForCreate?.(obj);
    this.validateOrThrow(obj, this.validateCreate(obj));
    if (this.hooks.beforeCreate) await this.hooks.beforeCreate(obj, ctx);
    if (ctx.dryRun) {
      this.hooks.createAborted?.(obj);
      return obj;
    }
    try {
      const value = encodeForStore(obj);
      const kv = await this.store.create(this.key(meta.namespace ?? '', meta.name), value);
      setResourceVersion(obj, String(kv.modRevision));
      noteWritten(obj, value, meta.resourceVersion);
      return obj;
    } catch (e) {
      this.hooks.createAborted?.(obj);
      if (isStoreError(e, 'KeyExists')) {
        // A generated name that is taken is drawn again, as upstream's RetryGenerateName.
        if (generated && attempt < MAX_GENERATE_NAME_RETRIES) {
          meta.name = '';
          return this.create(namespace, obj, ctx, applied, attempt + 1);
        }
        throw alreadyExists(this.gr, meta.name);
      }
      throw storeFailure(e);
    }
  }

  private checkNamespace(namespace: string, meta: any): void {
    if (this.def.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = meta.namespace || namespace;
      if (!meta.namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
    } else {
      delete meta.namespace;
    }
  }

  checkUnknownFields(obj: any, ctx: RequestContext): void {
    const { errors, unknownFields } = validateAgainstSchema(this.def.typeName, obj);
    if (errors.length > 0) {
      const first = errors[0];
      throw badRequest(`${this.def.kind} in version "${this.def.version}" cannot be handled as a ${this.def.kind}: ${first.field}: ${first.message}`);
    }
    if (unknownFields.length === 0) return;
    if (ctx.fieldValidation === 'Strict') {
      throw badRequest(strictDecodingMessage(this.def.kind, this.def.version, unknownFields));
    }
    if (ctx.fieldValidation === 'Warn') for (const f of unknownFields) ctx.warnings.push(unknownFieldMessage(f));
    dropUnknownFields(this.def.typeName, obj);
  }

  private applyDefaults(obj: any): void {
    applySchemaDefaults(this.def.typeName, obj);
    this.def.strategy.defaults?.(obj);
  }

  /** Strategies validate metadata themselves (name rules differ per resource); this is the fallback. */
  private validateCreate(obj: any): FieldError[] {
    if (this.def.strategy.validate) return this.def.strategy.validate(obj);
    return validateObjectMeta(obj.metadata, { namespaced: this.def.namespaced, nameFn: nameIsDNSSubdomain });
  }

  private validateOrThrow(obj: any, errs: FieldError[]): void {
    if (errs.length > 0) throw invalid(this.def.kind, this.def.group, obj.metadata?.name ?? '', errs);
  }

  // ---- update ----

  /**
   * PUT semantics: `input` replaces the object. A resourceVersion in it must match (409
   * otherwise); without one the update is unconditional and retried on races.
   */
  async update(namespace: string, name: string, input: any, ctx: RequestContext, subresource = ''): Promise<{ obj: any; created: boolean }> {
    input.metadata ??= {};
    if (input.metadata.name && input.metadata.name !== name) {
      throw badRequest(`the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`);
    }
    input.metadata.name = name;
    if (this.def.namespaced) this.checkNamespace(namespace, input.metadata);
    this.checkUnknownFields(input, ctx);
    const wantRv = input.metadata.resourceVersion as string | undefined;
    return this.guaranteedUpdate(namespace, name, ctx, subresource, () => deepClone(input), wantRv);
  }

  /** PATCH semantics: `patchFn` computes the new object from the current one; retried on races. */
  async patch(namespace: string, name: string, patchFn: UpdateFn, ctx: RequestContext, subresource = ''): Promise<any> {
    const { obj } = await this.guaranteedUpdate(namespace, name, ctx, subresource, async (current) => {
      const next = await patchFn(current);
      next.metadata ??= {};
      if (next.metadata.name !== undefined && next.metadata.name !== name) {
        throw badRequest(`the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`);
      }
      this.checkUnknownFields(next, ctx);
      // A patch that sets a resourceVersion different from the current one is a precondition.
      if (next.metadata.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
        throw conflict(this.gr, name, OBJECT_MODIFIED);
      }
      return next;
    });
    return obj;
  }

  /**
   * The read-modify-write loop: read the current object, let `tryUpdate` build the new one,
   * run the strategy, write with the read revision as precondition, retry on conflict
   * (unless the caller pinned a resourceVersion).
   */
  async guaranteedUpdate(
    namespace: string,
    name: string,
    ctx: RequestContext,
    subresource: string,
    tryUpdate: UpdateFn,
    pinnedRv?: string,
    applied = false,
  ): Promise<{ obj: any; created: boolean }> {
    const key = this.key(namespace, name);
    // The first attempt may start from the watch cache's copy instead of reading the store
    // (upstream's cachedExistingObject). That copy can lag: the write's revision precondition
    // catches it, and anything the stale copy makes fail or look unchanged is retried from the store.
    let tryCache = !ctx.dryRun;
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const cached = tryCache ? this.cache.current(key) : undefined;
      tryCache = false;
      let rev: number;
      let old: any;
      if (cached) {
        rev = cached.rev;
        old = cached.obj; // shared with the cache: read only (tryUpdate gets a copy)
      } else {
        const kv = await this.store.get(key);
        if (!kv) throw notFound(this.gr, name);
        rev = kv.modRevision;
        old = decodeFromStore(kv);
      }
      let next: any;
      try {
        if (pinnedRv && pinnedRv !== old.metadata.resourceVersion) throw conflict(this.gr, name, OBJECT_MODIFIED);
        next = await tryUpdate(deepClone(old));
        this.prepareUpdate(next, old, subresource);
        if (!applied && !INTERNAL_WRITES.has(subresource)) {
          this.fieldManager.trackUpdate(old, next, managerName(ctx.fieldManager, ctx.userAgent), subresource);
        }
        this.validateOrThrow(next, this.validateUpdate(next, old, subresource));
        if (this.hooks.beforeUpdate) await this.hooks.beforeUpdate(next, old, ctx);
      } catch (e) {
        if (cached) continue;
        throw e;
      }
      if (deepEqual(withoutRv(next), withoutRv(old))) {
        if (cached) continue;
        return { obj: old, created: false };
      }
      if (ctx.dryRun) return { obj: next, created: false };
      // Removing the last finalizer of an object being deleted deletes it.
      if (next.metadata.deletionTimestamp && !this.deletionHeld(next) && gracePassed(next)) {
        const deleted = await this.tryDelete(key, rev);
        if (deleted) return { obj: next, created: false };
        continue;
      }
      try {
        const value = encodeForStore(next);
        const written = await this.store.update(key, value, rev);
        setResourceVersion(next, String(written.modRevision));
        noteWritten(next, value, next.metadata.resourceVersion);
        return { obj: next, created: false };
      } catch (e) {
        if (isStoreError(e, 'Conflict')) {
          if (pinnedRv) throw conflict(this.gr, name, OBJECT_MODIFIED);
          continue;
        }
        if (isStoreError(e, 'NotFound')) throw notFound(this.gr, name);
        throw storeFailure(e);
      }
    }
    throw conflict(this.gr, name, 'too many concurrent updates, please retry');
  }

  private prepareUpdate(next: any, old: any, subresource: string): void {
    next.metadata ??= {};
    const m = next.metadata;
    const o = old.metadata;
    // Server-owned metadata is never taken from the client.
    m.name = o.name;
    if (this.def.namespaced) m.namespace = o.namespace;
    else delete m.namespace;
    if (m.uid && m.uid !== o.uid) {
      throw new StatusError(409, 'Conflict', `Precondition failed: UID in precondition: ${m.uid}, UID in object meta: ${o.uid}`, {
        name: o.name,
        group: this.def.group || undefined,
        kind: this.def.resource,
      });
    }
    m.uid = o.uid;
    m.creationTimestamp = o.creationTimestamp;
    m.deletionTimestamp = o.deletionTimestamp;
    m.deletionGracePeriodSeconds = o.deletionGracePeriodSeconds;
    if (m.deletionTimestamp === undefined) delete m.deletionTimestamp;
    if (m.deletionGracePeriodSeconds === undefined) delete m.deletionGracePeriodSeconds;
    m.resourceVersion = o.resourceVersion;
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    this.applyDefaults(next);
    const hasStatus = this.def.subresources.includes('status');
    if (INTERNAL_WRITES.has(subresource)) {
      // binding / finalize: the handler changed exactly what that subresource may change.
    } else if (subresource === 'status') {
      if (this.def.strategy.prepareForStatusUpdate) this.def.strategy.prepareForStatusUpdate(next, old);
      else {
        for (const k of Object.keys(next)) if (k !== 'status' && k !== 'metadata') delete next[k];
        for (const k of Object.keys(old)) if (k !== 'status' && k !== 'metadata') next[k] = deepClone(old[k]);
        m.ownerReferences = deepClone(o.ownerReferences);
        m.finalizers = deepClone(o.finalizers);
        if (m.ownerReferences === undefined) delete m.ownerReferences;
        if (m.finalizers === undefined) delete m.finalizers;
      }
    } else {
      if (this.def.strategy.prepareForUpdate) this.def.strategy.prepareForUpdate(next, old);
      else if (hasStatus) {
        if (old.status === undefined) delete next.status;
        else next.status = deepClone(old.status);
      }
    }
    if (this.def.hasGeneration) {
      m.generation = o.generation ?? 1;
      if (specChanged(next, old)) m.generation = (o.generation ?? 0) + 1;
    } else if (o.generation !== undefined) {
      m.generation = o.generation;
    } else {
      delete m.generation;
    }
  }

  private validateUpdate(next: any, old: any, subresource: string): FieldError[] {
    const errs: FieldError[] = this.def.strategy.validateUpdate ? [] : validateObjectMetaUpdate(next.metadata, old.metadata);
    if (INTERNAL_WRITES.has(subresource)) return validateObjectMetaUpdate(next.metadata, old.metadata);
    if (subresource === 'status') {
      return errs.concat(this.def.strategy.validateStatusUpdate?.(next, old) ?? []);
    }
    errs.push(...(this.def.strategy.validate?.(next) ?? []));
    errs.push(...(this.def.strategy.validateUpdate?.(next, old) ?? []));
    // Finalizers may not be added to an object that is being deleted.
    if (old.metadata.deletionTimestamp) {
      const before = new Set<string>(old.metadata.finalizers ?? []);
      const added = (next.metadata.finalizers ?? []).filter((f: string) => !before.has(f));
      if (added.length > 0) {
        errs.push(fieldError.forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f: string) => JSON.stringify(f)).join(', ')}}`));
      }
    }
    return errs;
  }

  // ---- delete ----

  async delete(namespace: string, name: string, options: DeleteOptions, ctx: RequestContext): Promise<DeleteResult> {
    const key = this.key(namespace, name);
    for (let attempt = 0; attempt < MAX_RETRIES; attempt++) {
      const kv = await this.store.get(key);
      if (!kv) throw notFound(this.gr, name);
      const obj = decodeFromStore(kv);
      const meta = obj.metadata;
      const pre = options.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw new StatusError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`, {
          name,
          group: this.def.group || undefined,
          kind: this.def.resource,
        });
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw new StatusError(
          409,
          'Conflict',
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
          { name, group: this.def.group || undefined, kind: this.def.resource },
        );
      }
      const next = deepClone(obj);
      const changedFinalizers = applyPropagationPolicy(next, options, this.defaultPropagation());
      const grace = this.def.strategy.gracePeriod?.(next, options.gracePeriodSeconds) ?? 0;
      this.hooks.beforeDelete?.(next);
      const held = this.deletionHeld(next);
      if (!held && grace === 0) {
        // Nothing holds it (or this is the kubelet's confirming delete): remove it now.
        if (ctx.dryRun) return { obj, deleted: true };
        if (await this.tryDelete(key, kv.modRevision)) return { obj, deleted: true };
        continue;
      }
      // Graceful or held by finalizers: mark it and let the holders finish.
      const now = Date.now();
      if (!meta.deletionTimestamp) {
        next.metadata.deletionTimestamp = nowRfc3339(new Date(now + grace * 1000));
        next.metadata.deletionGracePeriodSeconds = grace;
      } else if (grace < (meta.deletionGracePeriodSeconds ?? Infinity)) {
        // A shorter grace period may replace a longer one, never the reverse.
        const newDeadline = now + grace * 1000;
        if (newDeadline < Date.parse(meta.deletionTimestamp)) next.metadata.deletionTimestamp = nowRfc3339(new Date(newDeadline));
        next.metadata.deletionGracePeriodSeconds = grace;
      } else if (!changedFinalizers && deepEqual(next, obj)) {
        return { obj, deleted: false };
      }
      if (this.def.hasGeneration && !meta.deletionTimestamp) next.metadata.generation = (meta.generation ?? 0) + 1;
      if (ctx.dryRun) return { obj: next, deleted: false };
      try {
        const written = await this.store.update(key, encodeForStore(next), kv.modRevision);
        setResourceVersion(next, String(written.modRevision));
        return { obj: next, deleted: false };
      } catch (e) {
        if (isStoreError(e, 'Conflict')) continue;
        if (isStoreError(e, 'NotFound')) throw notFound(this.gr, name);
        throw storeFailure(e);
      }
    }
    throw conflict(this.gr, name, 'too many concurrent updates, please retry');
  }

  private async tryDelete(key: string, rev: number): Promise<boolean> {
    try {
      const gone = await this.store.delete(key, rev);
      this.hooks.deleted?.(decodeFromStore({ ...gone, modRevision: rev }));
      return true;
    } catch (e) {
      if (isStoreError(e, 'Conflict')) return false;
      if (isStoreError(e, 'NotFound')) return true;
      throw storeFailure(e);
    }
  }

  private deletionHeld(obj: any): boolean {
    return (obj.metadata.finalizers?.length ?? 0) > 0 || (this.hooks.holdsDeletion?.(obj) ?? false);
  }

  private defaultPropagation(): 'Orphan' | 'Background' {
    return 'Background';
  }

  /** Deletes every object matching the selection (deletecollection). */
  async deleteCollection(namespace: string, selection: Selection, options: DeleteOptions, ctx: RequestContext): Promise<any[]> {
    const { items } = await this.list(namespace, { selection });
    const out: any[] = [];
    for (const e of items) {
      try {
        const r = await this.delete(e.obj.metadata.namespace ?? '', e.obj.metadata.name, options, ctx);
        out.push(r.obj);
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) continue;
        throw err;
      }
    }
    return out;
  }
}

function entryOf(kv: KeyValue, obj: any): CacheEntry {
  let json: string | undefined;
  return { key: kv.key, namespace: obj.metadata?.namespace ?? '', obj, rev: kv.modRevision, json: () => (json ??= JSON.stringify(obj)) };
}

function withoutRv(obj: any): any {
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  return { ...obj, metadata: meta };
}

function specChanged(next: any, old: any): boolean {
  for (const k of new Set([...Object.keys(next), ...Object.keys(old)])) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(next[k], old[k])) return true;
  }
  return false;
}

function gracePassed(obj: any): boolean {
  return Date.parse(obj.metadata.deletionTimestamp) <= Date.now() || (obj.metadata.deletionGracePeriodSeconds ?? 0) === 0;
}

/** Records the propagation policy as upstream does: the orphan / foregroundDeletion finalizers. */
function applyPropagationPolicy(obj: any, options: DeleteOptions, dflt: 'Orphan' | 'Background'): boolean {
  let policy = options.propagationPolicy;
  if (!policy && options.orphanDependents !== undefined) policy = options.orphanDependents ? 'Orphan' : 'Background';
  policy ??= dflt;
  const finalizers: string[] = obj.metadata.finalizers ?? [];
  // Once an object is being deleted its policy can no longer change.
  if (obj.metadata.deletionTimestamp) return false;
  const want = policy === 'Orphan' ? 'orphan' : policy === 'Foreground' ? 'foregroundDeletion' : undefined;
  const other = policy === 'Orphan' ? 'foregroundDeletion' : 'orphan';
  let changed = false;
  let next = finalizers;
  if (next.includes(other) && want) {
    next = next.filter((f) => f !== other);
    changed = true;
  }
  if (policy === 'Background' && (next.includes('orphan') || next.includes('foregroundDeletion'))) {
    next = next.filter((f) => f !== 'orphan' && f !== 'foregroundDeletion');
    changed = true;
  }
  if (want && !next.includes(want)) {
    next = [...next, want];
    changed = true;
  }
  if (changed) {
    if (next.length > 0) obj.metadata.finalizers = next;
    else delete obj.metadata.finalizers;
  }
  return changed;
}

export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) {
    throw new StatusError(400, 'BadRequest', `invalid resource version: "${rv}"`, {
      causes: [{ type: 'FieldValueInvalid', field: 'resourceVersion', message: `Invalid value: "${rv}"` }],
    });
  }
  return Number(rv);
}

// Continue tokens are opaque to clients: base64 of {v, rv, start}, as upstream's.
function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string, prefix: string): { rv: number; start: string } {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || typeof t.start !== 'string') throw new Error('bad token');
    return { rv: t.rv, start: prefix + t.start };
  } catch {
    throw badRequest(`continue key is not valid: invalid continue token`);
  }
}

function storeFailure(e: unknown): Error {
  if (e instanceof StatusError) return e;
  if (isStoreError(e, 'TooLarge')) return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: ${(e as Error).message}`);
  if (isStoreError(e, 'Unavailable')) return new StatusError(503, 'ServiceUnavailable', `storage unavailable: ${(e as Error).message}`);
  return e as Error;
}
