// ControllerRevisions, as DaemonSets and StatefulSets keep them (upstream's
// pkg/controller/history): an immutable snapshot of the owner's pod template, named
// `<owner>-<hash>`, numbered by `revision`, labelled on the pods it created with
// `controller-revision-hash`. The current revision is the one whose data equals the owner's
// template now; a template seen before gets its old revision back with a new number (that is
// how a rollback looks). Old revisions no pod uses are pruned beyond revisionHistoryLimit.

import { isStatusError } from '../api/errors.ts';
import type { ControllerRevision } from '../api/types/apps-v1.ts';
import type { PodTemplateSpec } from '../api/types/core-v1.ts';
import type { Lister } from '../client/cache/lister.ts';
import type { HasMetadata, RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, controllerRefOf, newControllerRef } from './controller-utils.ts';
import { safeEncodeString } from './deployment-util.ts';
import type { OwnerKind } from './pod-template.ts';

export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** What a DaemonSet or StatefulSet records: `{spec: {template: {…, $patch: replace}}}`. */
export function revisionData(template: PodTemplateSpec): Record<string, unknown> {
  return { spec: { template: { ...structuredClone(template), $patch: 'replace' } } };
}

/** The template a revision recorded. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec | undefined {
  const data = revision.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined;
  const t = data?.spec?.template;
  if (!t) return undefined;
  const { $patch: _ignored, ...template } = t;
  return template;
}

function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Upstream's HashControllerRevision: FNV-32a of the data (and the collision count), safely encoded. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(data)));
  if (collisionCount) {
    const le = new Uint8Array(4);
    new DataView(le.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(le, h);
  }
  return safeEncodeString(String(h));
}

/** The owner's revisions (controlled by it), oldest revision number first. */
export function revisionsOf(lister: Lister<ControllerRevision>, owner: HasMetadata): ControllerRevision[] {
  return lister
    .namespace(owner.metadata?.namespace ?? '')
    .list()
    .filter((r) => controllerRefOf(r)?.uid === owner.metadata?.uid)
    .sort((a, b) => a.revision - b.revision);
}

/**
 * Finds or creates the revision for `template`: an equal revision is reused (renumbered to
 * the newest if it is not already); otherwise a new one is created, bumping the collision
 * count when a different revision already holds the name. Answers the revision and the
 * collision count to record in the owner's status.
 */
export async function ensureRevision(
  client: RestClient,
  owner: HasMetadata,
  ownerKind: OwnerKind,
  template: PodTemplateSpec,
  existing: ControllerRevision[],
  collisionCount: number,
): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const data = revisionData(template);
  const wanted = canonicalJson(data);
  const maxRevision = existing.reduce((m, r) => Math.max(m, r.revision), 0);
  const equal = existing.filter((r) => canonicalJson(r.data) === wanted);
  if (equal.length > 0) {
    const latest = equal[equal.length - 1];
    if (latest.revision === maxRevision) return { revision: latest, collisionCount };
    const renumbered = await client.update<ControllerRevision>(resources.controllerrevisions, { ...latest, revision: maxRevision + 1 });
    return { revision: renumbered, collisionCount };
  }
  for (let count = collisionCount; ; count++) {
    const hash = hashRevisionData(data, count);
    const revision: ControllerRevision = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name: `${owner.metadata?.name}-${hash}`,
        namespace: owner.metadata?.namespace,
        labels: { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
        ownerReferences: [newControllerRef(owner, ownerKind.apiVersion, ownerKind.kind)],
      },
      data,
      revision: maxRevision + 1,
    };
    try {
      return { revision: await client.create<ControllerRevision>(resources.controllerrevisions, revision), collisionCount: count };
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) throw err;
      const clash = await client.get<ControllerRevision>(resources.controllerrevisions, revision.metadata!.name!, { namespace: owner.metadata?.namespace });
      if (controllerRefOf(clash)?.uid === owner.metadata?.uid && canonicalJson(clash.data) === wanted) return { revision: clash, collisionCount: count };
    }
  }
}

/** The revision's hash as pods carry it (the label, or the name's suffix). */
export function revisionHash(revision: ControllerRevision): string {
  return revision.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? (revision.metadata?.name ?? '').split('-').pop() ?? '';
}

/** Deletes the oldest revisions beyond `limit` that are neither current nor used by a live pod. */
export async function truncateHistory(client: RestClient, revisions: ControllerRevision[], keep: Set<string>, limit: number): Promise<void> {
  const deletable = revisions.filter((r) => !keep.has(revisionHash(r)) && !keep.has(r.metadata?.name ?? ''));
  const excess = deletable.length - limit;
  for (const r of deletable.slice(0, Math.max(0, excess))) {
    try {
      await client.delete(resources.controllerrevisions, r.metadata!.name!, { namespace: r.metadata?.namespace });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }
}
