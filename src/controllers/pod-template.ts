// A new pod from a controller's pod template (upstream's GetPodFromTemplate): the template's
// labels, annotations, finalizers and spec (copied, never shared with the cache), a
// generateName of `<owner>-`, and the owner as controller reference.

import type { Pod, PodTemplateSpec } from '../api/types/core-v1.ts';
import type { HasMetadata } from '../client/rest-client.ts';
import { newControllerRef } from './controller-utils.ts';

export interface OwnerKind {
  apiVersion: string;
  kind: string;
}

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
