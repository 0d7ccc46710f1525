// The pods a workload controller owns: made from its pod template (upstream's
// GetPodFromTemplate) and claimed by its selector (upstream's PodControllerRefManager).

import { isStatusError } from '../api/errors.ts';
import { matches, type LabelSelector } from '../api/labels.ts';
import type { Pod, PodTemplateSpec } from '../api/types/core-v1.ts';
import type { HasMetadata, RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { adopt, controllerRefOf, newControllerRef, removeOwnerRef } from './controller-utils.ts';

export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

/** The template's labels, annotations, finalizers and spec (copied), generateName `<owner>-`, the owner as controller. */
export function podFromTemplate(template: PodTemplateSpec, owner: HasMetadata, ownerKind: OwnerKind): Pod {
  const t = structuredClone(template);
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.metadata?.name}-`,
      namespace: owner.metadata?.namespace,
      labels: { ...(meta.labels ?? {}) },
      annotations: meta.annotations ? { ...meta.annotations } : undefined,
      finalizers: meta.finalizers?.length ? [...meta.finalizers] : undefined,
      ownerReferences: [newControllerRef(owner, ownerKind.apiVersion, ownerKind.kind)],
    },
    spec: t.spec!,
  };
}

/**
 * Upstream's ClaimPods: the owner's pods among `candidates` (the namespace's pods). Orphans
 * matching the selector are adopted, unless the owner is being deleted; pods it controls that
 * no longer match are released. A pod that changed meanwhile (409) or went (404) is skipped.
 */
export async function claimPods(client: RestClient, owner: HasMetadata, ownerKind: OwnerKind, selector: LabelSelector, candidates: Pod[]): Promise<Pod[]> {
  const uid = owner.metadata?.uid;
  const claimed: Pod[] = [];
  for (const pod of candidates) {
    const ref = controllerRefOf(pod);
    const matching = matches(selector, pod.metadata?.labels);
    try {
      if (ref?.uid === uid) {
        if (matching) claimed.push(pod);
        else if (!owner.metadata?.deletionTimestamp) await removeOwnerRef(client, resources.pods, pod, uid!);
      } else if (!ref && matching && !owner.metadata?.deletionTimestamp && !pod.metadata?.deletionTimestamp) {
        await adopt(client, resources.pods, pod, newControllerRef(owner, ownerKind.apiVersion, ownerKind.kind));
        claimed.push(pod);
      }
    } catch (err) {
      if (!isStatusError(err, 'NotFound') && !isStatusError(err, 'Conflict')) throw err;
    }
  }
  return claimed;
}
