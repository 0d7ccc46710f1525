// The in-process half of upstream's apiextensions-apiserver: watches CustomResourceDefinitions
// and, for each, checks its names, writes its status (NamesAccepted, Established,
// acceptedNames, storedVersions) and installs or removes the REST endpoints, discovery and
// OpenAPI of its served versions. Deleting a CRD is held by the
// customresourcecleanup.apiextensions.k8s.io finalizer until its objects are gone.

import { FieldManager } from '../fieldmanager/field-manager.ts';
import { customResourceSchema } from '../fieldmanager/type-schema.ts';
import type { Store } from '../../storage/store.ts';
import type { ResourceDefinition } from '../../api/strategy.ts';
import { StatusError, badRequest } from '../../api/errors.ts';
import { deepEqual } from '../../api/patch/json-value.ts';
import { nowRfc3339 } from '../../api/meta.ts';
import { CRD_CLEANUP_FINALIZER, customresourcedefinitions } from '../../api/resources/customresourcedefinitions.ts';
import { setCustomResourceSchema } from '../../api/openapi/resource-types.ts';
import { strictDecodingMessage, unknownFieldMessage } from '../../api/schema/validate.ts';
import type { ResourceRegistry } from '../resource-registry.ts';
import { GenericStore, type ResourceHooks } from '../registry/generic-store.ts';
import { internalContext, type RequestContext } from '../registry/context.ts';
import { namespaceLifecycle } from '../registry/namespace-lifecycle.ts';
import type { CacheEvent } from '../watch-cache.ts';
import { customResourceVersions, type CustomResourceVersion } from './custom-resource.ts';
import { VersionConvertingStore } from './version-converting-store.ts';

/** What the controller needs of the API server. */
export interface CrdHost {
  readonly registry: ResourceRegistry;
  readonly stores: Map<ResourceDefinition, GenericStore>;
  readonly opts: { store: Store };
  addResource(def: ResourceDefinition, hooks?: ResourceHooks): GenericStore;
  storeFor(group: string, version: string, resource: string): GenericStore | undefined;
}

interface Installed {
  /** The CRD spec the endpoints were built from. */
  signature: string;
  versions: CustomResourceVersion[];
  terminating: boolean;
}

const RETRY_MS = 500;

export class CrdController {
  readonly crds: GenericStore;
  private readonly installed = new Map<string, Installed>();
  private readonly deprecations = new WeakMap<ResourceDefinition, string>();
  private readonly queue = new Map<string, Promise<void>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private unwatch?: () => void;
  private stopped = false;

  constructor(private readonly host: CrdHost) {
    this.crds = host.addResource(customresourcedefinitions, {
      // Upstream's CRD REST Delete: the first delete adds the cleanup finalizer and marks the CRD Terminating.
      beforeDelete: (crd) => {
        if (crd.metadata.deletionTimestamp) return;
        const finalizers: string[] = crd.metadata.finalizers ?? [];
        if (!finalizers.includes(CRD_CLEANUP_FINALIZER)) crd.metadata.finalizers = [...finalizers, CRD_CLEANUP_FINALIZER];
        crd.status = { ...(crd.status ?? {}) };
        crd.status.conditions = setCondition(crd.status.conditions, {
          type: 'Terminating',
          status: 'True',
          reason: 'InstanceDeletionInProgress',
          message: 'CustomResource deletion is in progress',
        });
      },
    });
  }

  /** Serves every stored CRD, then follows changes. Resolves once the stored ones are served. */
  async start(): Promise<void> {
    await this.follow();
  }

  stop(): void {
    this.stopped = true;
    this.unwatch?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** Lists the CRDs and watches the cache from that list's revision; again whenever the cache restarts. */
  private async follow(): Promise<void> {
    await this.crds.cache.ready();
    if (this.stopped) return;
    const rev = this.crds.cache.rev;
    const current = this.crds.cache.list();
    this.unwatch = this.crds.cache.watch(rev, {
      events: (evs: CacheEvent[]) => {
        for (const e of evs) void this.enqueue(e.entry.obj.metadata.name);
      },
      close: () => {
        // The cache restarts its store watch itself; follow it again and catch up.
        this.later(() => this.refollow());
      },
    });
    const names = new Set<string>([...current.map((e) => e.obj.metadata.name as string), ...this.installed.keys()]);
    await Promise.all([...names].map((name) => this.enqueue(name)));
  }

  private refollow(): void {
    this.follow().catch(() => this.later(() => this.refollow()));
  }

  private later(fn: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, RETRY_MS);
    t.unref();
    this.timers.add(t);
  }

  /** Reconciles one CRD; calls for the same name run one after another. */
  private enqueue(name: string): Promise<void> {
    const prev = this.queue.get(name) ?? Promise.resolve();
    const next = prev
      .then(() => (this.stopped ? undefined : this.reconcile(name)))
      .catch(() => this.later(() => void this.enqueue(name)));
    this.queue.set(name, next);
    next.finally(() => {
      if (this.queue.get(name) === next) this.queue.delete(name);
    });
    return next;
  }

  private async current(name: string): Promise<any | undefined> {
    try {
      return await this.crds.get('', name);
    } catch (e) {
      if (e instanceof StatusError && e.code === 404) return undefined;
      throw e;
    }
  }

  private async reconcile(name: string): Promise<void> {
    const crd = await this.current(name);
    if (!crd) {
      this.uninstall(name);
      return;
    }
    if (crd.metadata.deletionTimestamp) {
      await this.finalize(crd);
      return;
    }
    const conflict = this.namesConflict(crd);
    const status = desiredStatus(crd, conflict);
    if (!conflict) this.install({ ...crd, status });
    if (!deepEqual(status, crd.status)) {
      await this.crds.guaranteedUpdate('', name, internalContext('system:apiextensions-controller'), 'status', (cur) => {
        cur.status = desiredStatus(cur, this.namesConflict(cur));
        return cur;
      });
    }
  }

  /** Names another established CRD of the same group already uses, upstream's NamesAccepted check. */
  private namesConflict(crd: any): { reason: string; message: string } | undefined {
    const names = crd.spec.names ?? {};
    // A resource the server serves already (built in) is never replaced by a CRD.
    const mine = new Set(this.installed.get(crd.metadata.name)?.versions.map((v) => v.def));
    for (const v of crd.spec.versions ?? []) {
      const served = this.host.registry.lookup(crd.spec.group, v.name, names.plural);
      if (served && !mine.has(served) && !this.isCustom(served)) return { reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
    }
    for (const e of this.crds.cache.list()) {
      const other = e.obj;
      if (other.metadata.name === crd.metadata.name || other.spec?.group !== crd.spec.group) continue;
      const taken = other.status?.acceptedNames ?? {};
      const used = new Set<string>([taken.plural, taken.singular, ...(taken.shortNames ?? [])].filter(Boolean));
      if (used.has(names.plural)) return { reason: 'PluralConflict', message: `"${names.plural}" is already in use` };
      if (names.singular && used.has(names.singular)) return { reason: 'SingularConflict', message: `"${names.singular}" is already in use` };
      for (const s of names.shortNames ?? []) if (used.has(s)) return { reason: 'ShortNamesConflict', message: `"${s}" is already in use` };
      if (taken.kind && taken.kind === names.kind) return { reason: 'KindConflict', message: `"${names.kind}" is already in use` };
      if (taken.listKind && taken.listKind === names.listKind) return { reason: 'ListKindConflict', message: `"${names.listKind}" is already in use` };
    }
    return undefined;
  }

  /** The Warning for requests to a deprecated custom resource version, if `def` is one. */
  deprecationWarning(def: ResourceDefinition): string | undefined {
    return this.deprecations.get(def);
  }

  private isCustom(def: ResourceDefinition): boolean {
    for (const entry of this.installed.values()) if (entry.versions.some((v) => v.def === def)) return true;
    return false;
  }

  /** Serves the CRD's versions; rebuilds them only when its spec (or accepted names) changed. */
  private install(crd: any): void {
    const signature = JSON.stringify([crd.spec, crd.status?.acceptedNames]);
    const name: string = crd.metadata.name;
    const have = this.installed.get(name);
    if (have && have.signature === signature) return;
    const versions = customResourceVersions(crd);
    this.uninstall(name);
    const entry: Installed = { signature, versions, terminating: false };
    for (const v of versions) {
      const store = new GenericStore(v.def, new VersionConvertingStore(this.host.opts.store, v.apiVersion, v.storageApiVersion, v.onRead));
      // Server-side apply merges lists and maps as the CRD's schema declares them.
      if (v.schema) store.fieldManager = new FieldManager(customResourceSchema(v.schema), v.apiVersion, v.def.subresources.includes('status'));
      store.hooks = this.hooksFor(v, entry);
      this.host.stores.set(v.def, store);
      setCustomResourceSchema(v.def, v.schema);
      if (v.deprecationWarning) this.deprecations.set(v.def, v.deprecationWarning);
      this.host.registry.add(v.def);
    }
    this.installed.set(name, entry);
  }

  private uninstall(name: string): void {
    const have = this.installed.get(name);
    if (!have) return;
    this.installed.delete(name);
    for (const v of have.versions) {
      if (this.host.registry.lookup(v.def.group, v.def.version, v.def.resource) === v.def) {
        this.host.registry.remove(v.def.group, v.def.version, v.def.resource);
      }
      const store = this.host.stores.get(v.def);
      this.host.stores.delete(v.def);
      store?.cache.stop();
      setCustomResourceSchema(v.def, undefined);
    }
  }

  private hooksFor(v: CustomResourceVersion, entry: Installed): ResourceHooks {
    const namespaces = this.host.storeFor('', 'v1', 'namespaces');
    const lifecycle = v.def.namespaced && namespaces ? namespaceLifecycle(namespaces) : undefined;
    const unknownFields = (obj: any, ctx: RequestContext) => {
      const pruned = v.prunedFields.get(obj);
      if (!pruned) return;
      v.prunedFields.delete(obj);
      if (ctx.fieldValidation === 'Strict') throw badRequest(strictDecodingMessage(v.def.kind, v.def.version, pruned));
      if (ctx.fieldValidation === 'Warn') {
        for (const p of pruned) {
          const w = unknownFieldMessage(p);
          if (!ctx.warnings.includes(w)) ctx.warnings.push(w);
        }
      }
    };
    return {
      beforeCreate: async (obj, ctx) => {
        if (entry.terminating) {
          throw new StatusError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`);
        }
        unknownFields(obj, ctx);
        if (lifecycle) await lifecycle(obj.metadata.namespace);
      },
      beforeUpdate: async (obj, _old, ctx) => unknownFields(obj, ctx),
    };
  }

  /** The cleanup finalizer's work: delete every object of the CRD, then let the CRD go. */
  private async finalize(crd: any): Promise<void> {
    const name: string = crd.metadata.name;
    if (!(crd.metadata.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    if (!this.installed.has(name) && !this.namesConflict(crd) && crd.status?.acceptedNames?.plural) this.install(crd);
    const entry = this.installed.get(name);
    const store = entry ? this.host.stores.get(entry.versions[0]?.def) : undefined;
    if (entry) entry.terminating = true;
    if (store) {
      const ctx = internalContext('system:apiextensions-controller');
      const { items } = await store.list('', { selection: {} });
      for (const e of items) {
        try {
          await store.delete(e.obj.metadata.namespace ?? '', e.obj.metadata.name, { propagationPolicy: 'Background' }, ctx);
        } catch (err) {
          if (!(err instanceof StatusError && err.code === 404)) throw err;
        }
      }
      const left = await store.list('', { selection: {} });
      if (left.items.length > 0) {
        // Objects held by their own finalizers: wait for them, as upstream does.
        await this.crds.guaranteedUpdate('', name, internalContext('system:apiextensions-controller'), 'status', (cur) => {
          cur.status = { ...(cur.status ?? {}) };
          cur.status.conditions = setCondition(cur.status.conditions, {
            type: 'Terminating',
            status: 'True',
            reason: 'InstanceDeletionCheck',
            message: `could not confirm zero CustomResources remaining: ${left.items.length} remaining`,
          });
          return cur;
        });
        this.later(() => void this.enqueue(name));
        return;
      }
    }
    await this.crds.guaranteedUpdate('', name, internalContext('system:apiextensions-controller'), '', (cur) => {
      const rest = (cur.metadata.finalizers ?? []).filter((f: string) => f !== CRD_CLEANUP_FINALIZER);
      if (rest.length > 0) cur.metadata.finalizers = rest;
      else delete cur.metadata.finalizers;
      return cur;
    });
  }
}

interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** Sets a condition, keeping lastTransitionTime when its status does not change. */
function setCondition(conditions: Condition[] | undefined, c: Condition): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = { type: c.type, status: c.status, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : nowRfc3339(), reason: c.reason, message: c.message };
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return list;
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

function desiredStatus(crd: any, conflict: { reason: string; message: string } | undefined): any {
  const status = { ...(crd.status ?? {}) };
  const names = crd.spec.names ?? {};
  if (conflict) {
    status.conditions = setCondition(status.conditions, { type: 'NamesAccepted', status: 'False', reason: conflict.reason, message: conflict.message });
    status.conditions = setCondition(status.conditions, { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    status.acceptedNames ??= { plural: '', kind: '' };
  } else {
    const accepted: any = { plural: names.plural, singular: names.singular, kind: names.kind, listKind: names.listKind };
    if (names.shortNames?.length) accepted.shortNames = [...names.shortNames];
    if (names.categories?.length) accepted.categories = [...names.categories];
    status.acceptedNames = accepted;
    status.conditions = setCondition(status.conditions, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    status.conditions = setCondition(status.conditions, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
  }
  status.storedVersions ??= [];
  return status;
}
