// The Namespace controller (upstream's pkg/controller/namespace): when a namespace is being
// deleted (phase Terminating, `kubernetes` in spec.finalizers), it deletes every namespaced
// object in it across all resources discovery lists, reports progress through the
// NamespaceDeletion*/NamespaceContentRemaining/NamespaceFinalizersRemaining conditions, and
// once nothing is left removes the `kubernetes` finalizer through namespaces/<n>/finalize.

import { isStatusError } from '../api/errors.ts';
import type { Namespace, NamespaceCondition } from '../api/types/core-v1.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { HasMetadata, RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, discoverResources, objectOf, QueueController, RequeueAfter, type DiscoveredResource } from './controller-utils.ts';

export const KUBERNETES_FINALIZER = 'kubernetes';
/** How soon a namespace whose content is still going away is looked at again. */
const RECHECK_MS = 1000;

interface ConditionSpec {
  type: string;
  trueReason: string;
  falseReason: string;
  falseMessage: string;
}

// Upstream's conditions, with the reason and message each shows when all is well.
const CONDITIONS: ConditionSpec[] = [
  { type: 'NamespaceDeletionDiscoveryFailure', trueReason: 'DiscoveryFailed', falseReason: 'ResourcesDiscovered', falseMessage: 'All resources successfully discovered' },
  { type: 'NamespaceDeletionGroupVersionParsingFailure', trueReason: 'GroupVersionParsingFailed', falseReason: 'ParsedGroupVersions', falseMessage: 'All legacy kube types successfully parsed' },
  { type: 'NamespaceDeletionContentFailure', trueReason: 'ContentDeletionFailed', falseReason: 'ContentDeleted', falseMessage: 'All content successfully deleted, may be waiting on finalization' },
  { type: 'NamespaceContentRemaining', trueReason: 'SomeResourcesRemain', falseReason: 'ContentRemoved', falseMessage: 'All content successfully removed' },
  { type: 'NamespaceFinalizersRemaining', trueReason: 'SomeFinalizersRemain', falseReason: 'ContentHasNoFinalizers', falseMessage: 'All content-preserving finalizers finished' },
];

export class NamespaceController extends QueueController {
  readonly name = 'namespace';
  private readonly lister: Lister<Namespace>;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
  ) {
    super();
    const namespaces = informers.informerFor<Namespace>(resources.namespaces);
    this.lister = namespaces.lister();
    this.waitFor(namespaces);
    const maybe = (ns: Namespace) => {
      if (ns.metadata?.deletionTimestamp) this.enqueue(ns);
    };
    namespaces.addEventHandler({ onAdd: maybe, onUpdate: (_o, ns) => maybe(ns), onDelete: (obj) => void objectOf(obj) });
  }

  async sync(name: string): Promise<void | RequeueAfter> {
    if (!this.lister.get(name)) return;
    let ns: Namespace;
    try {
      ns = await this.client.get<Namespace>(resources.namespaces, name);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    if (!ns.metadata?.deletionTimestamp) return;
    if (!(ns.spec?.finalizers ?? []).includes(KUBERNETES_FINALIZER)) return;

    const problems: Record<string, string[]> = {};
    const note = (type: string, msg: string) => (problems[type] ??= []).push(msg);

    let discovered: DiscoveredResource[] = [];
    try {
      const d = await discoverResources(this.client);
      discovered = d.resources;
      if (d.failed.length > 0) note('NamespaceDeletionDiscoveryFailure', `Discovery failed for some groups, ${d.failed.length} failing: unable to retrieve the complete list of server APIs: ${d.failed.join(', ')}`);
    } catch (err) {
      note('NamespaceDeletionDiscoveryFailure', `Discovery failed: ${(err as Error).message}`);
    }
    const deletable = discovered.filter((r) => r.namespaced && r.verbs.includes('list') && (r.verbs.includes('deletecollection') || r.verbs.includes('delete')));

    const remaining: string[] = [];
    const withFinalizers: string[] = [];
    for (const r of deletable) {
      try {
        const left = await this.deleteAll(r, name);
        const groupResource = r.group ? `${r.resource}.${r.group}` : r.resource;
        if (left.length > 0) remaining.push(`${groupResource} has ${left.length} resource instances`);
        const finalizers = new Map<string, number>();
        for (const obj of left) for (const f of obj.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
        for (const [f, n] of finalizers) withFinalizers.push(`${f} in ${n} resource instances`);
      } catch (err) {
        if (isStatusError(err, 'NotFound') || isStatusError(err, 'MethodNotAllowed')) continue;
        note('NamespaceDeletionContentFailure', `Failed to delete all resource types, 1 remaining: ${(err as Error).message}`);
      }
    }
    if (remaining.length > 0) note('NamespaceContentRemaining', `Some resources are remaining: ${remaining.sort().join(', ')}`);
    if (withFinalizers.length > 0) note('NamespaceFinalizersRemaining', `Some content in the namespace has finalizers remaining: ${withFinalizers.sort().join(', ')}`);

    ns = await this.updateConditions(ns, problems);
    if (Object.keys(problems).length > 0) return new RequeueAfter(RECHECK_MS);

    // Empty: let the namespace go.
    try {
      await this.client.raw('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        ...ns,
        spec: { ...(ns.spec ?? {}), finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER) },
      });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  /** Deletes every object of one resource in the namespace; answers what is still there. */
  private async deleteAll(r: DiscoveredResource, namespace: string): Promise<HasMetadata[]> {
    const listed = await this.client.list<HasMetadata>(r, { namespace });
    if (listed.items.length === 0) return [];
    if (r.verbs.includes('deletecollection')) {
      await this.client.deleteCollection(r, { namespace });
    } else {
      for (const obj of listed.items) {
        if (obj.metadata?.deletionTimestamp) continue;
        try {
          await this.client.delete(r, obj.metadata!.name!, { namespace });
        } catch (err) {
          if (!isStatusError(err, 'NotFound')) throw err;
        }
      }
    }
    return (await this.client.list<HasMetadata>(r, { namespace })).items;
  }

  private async updateConditions(ns: Namespace, problems: Record<string, string[]>): Promise<Namespace> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const current = ns.status?.conditions ?? [];
    const conditions: NamespaceCondition[] = CONDITIONS.map((spec) => {
      const msgs = problems[spec.type];
      const next: NamespaceCondition = msgs
        ? { type: spec.type, status: 'True', reason: spec.trueReason, message: msgs.join('; ') }
        : { type: spec.type, status: 'False', reason: spec.falseReason, message: spec.falseMessage };
      const old = current.find((c) => c.type === spec.type);
      next.lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
      return next;
    });
    const others = current.filter((c) => !CONDITIONS.some((s) => s.type === c.type));
    const all = [...others, ...conditions];
    if (canonicalJson(all) === canonicalJson(current)) return ns;
    try {
      return await this.client.update<Namespace>(resources.namespaces, { ...ns, status: { ...(ns.status ?? {}), conditions: all } }, { subresource: 'status' });
    } catch (err) {
      if (isStatusError(err, 'Conflict')) return this.client.get<Namespace>(resources.namespaces, ns.metadata!.name!);
      throw err;
    }
  }
}
