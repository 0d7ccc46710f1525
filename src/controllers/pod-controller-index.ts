// Upstream's PodControllerUIDIndex (pkg/controller/controller_utils.go): the shared pod cache
// indexed by the UID of each pod's controller, orphans under one key per namespace, so a
// controller reads the pods it owns, and the orphans it might adopt, without walking every
// pod of the namespace on each sync.

import type { Pod } from '../api/types/core-v1.ts';
import type { Indexer } from '../client/cache/indexer.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { HasMetadata } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { controllerRefOf } from './controller-utils.ts';

export const POD_CONTROLLER_UID_INDEX = 'podControllerUID';

/** The index value of a namespace's pods that have no controller. */
export function orphanPodIndexKey(namespace: string): string {
  return `<orphan>/${namespace}`;
}

function podControllerUid(pod: Pod): string[] {
  const ref = controllerRefOf(pod);
  return [ref ? ref.uid : orphanPodIndexKey(pod.metadata?.namespace ?? '')];
}

/** The shared pod informer, with the controller-UID index added if no one has yet. */
export function podInformerWithControllerIndex(informers: SharedInformerFactory): SharedIndexInformer<Pod> {
  return informers.informerFor<Pod>(resources.pods, { indexers: { [POD_CONTROLLER_UID_INDEX]: podControllerUid } });
}

/**
 * Pods whose controller is `owner` (by UID), and, with `includeOrphans`, the pods of its
 * namespace that have no controller (upstream's FilterPodsByOwner).
 */
export function podsOwnedBy(pods: Indexer<Pod>, owner: HasMetadata, includeOrphans: boolean): Pod[] {
  const owned = pods.byIndex(POD_CONTROLLER_UID_INDEX, owner.metadata?.uid ?? '');
  if (!includeOrphans) return owned;
  const orphans = pods.byIndex(POD_CONTROLLER_UID_INDEX, orphanPodIndexKey(owner.metadata?.namespace ?? ''));
  return orphans.length === 0 ? owned : owned.concat(orphans);
}
