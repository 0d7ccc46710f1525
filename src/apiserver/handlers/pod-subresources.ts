// pods/binding (the scheduler's decision) and pods/eviction (a delete that respects
// PodDisruptionBudgets).

import type { ApiRequest } from './api-request.ts';
import { checkKind, readObject } from './write.ts';
import { successStatus, writeJson } from '../responses.ts';
import { StatusError, badRequest, conflict, notFound } from '../../api/errors.ts';
import { nowRfc3339 } from '../../api/meta.ts';
import { labelSelectorFromObject, matches } from '../../api/labels.ts';
import type { GenericStore } from '../registry/generic-store.ts';
import { internalContext } from '../registry/context.ts';

/** POST pods/<name>/binding or the legacy POST namespaces/<ns>/bindings. */
export async function handleBinding(r: ApiRequest, pods: GenericStore): Promise<void> {
  const body = await readObject(r);
  checkKind(r.def, body, 'Binding', 'v1');
  const name = r.info.name || body.metadata?.name;
  if (!name) throw badRequest('a binding must name the pod in metadata.name');
  if (r.info.name && body.metadata?.name && body.metadata.name !== r.info.name) {
    throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${r.info.name})`);
  }
  const node = body.target?.name;
  if (!node) throw new StatusError(422, 'Invalid', `Binding "${name}" is invalid: target.name: Required value`);
  await pods.guaranteedUpdate(r.info.namespace, name, r.ctx, 'binding', (pod) => {
    if (pod.metadata.deletionTimestamp) throw conflict(pods.gr, name, 'pod is being deleted, cannot be assigned to a host');
    if (pod.spec.nodeName) throw conflict(pods.gr, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
    if (body.metadata?.uid && body.metadata.uid !== pod.metadata.uid) {
      throw conflict(pods.gr, name, `Precondition failed: UID in precondition: ${body.metadata.uid}, UID in object meta: ${pod.metadata.uid}`);
    }
    pod.spec.nodeName = node;
    if (body.metadata?.annotations) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), ...body.metadata.annotations };
    pod.status ??= {};
    const conditions: any[] = (pod.status.conditions ??= []);
    const existing = conditions.find((c) => c.type === 'PodScheduled');
    if (existing) {
      if (existing.status !== 'True') existing.lastTransitionTime = nowRfc3339();
      existing.status = 'True';
      delete existing.reason;
      delete existing.message;
    } else {
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowRfc3339() });
    }
    return pod;
  });
  writeJson(r.res, 201, { ...successStatus(), code: 201 });
}

/** POST pods/<name>/eviction: refused with 429 when a PodDisruptionBudget allows no disruption. */
export async function handleEviction(r: ApiRequest, pods: GenericStore, pdbs: GenericStore | undefined): Promise<void> {
  const body = await readObject(r);
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`expected an Eviction, got ${body.kind}`);
  const name = r.info.name;
  if (body.metadata?.name && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const pod = await pods.get(r.info.namespace, name);
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (pdbs && !terminal && !pod.metadata.deletionTimestamp) {
    const { items } = await pdbs.list(r.info.namespace, { selection: {}, resourceVersion: '0' });
    const matching = items.map((e) => e.obj).filter((pdb) => {
      if (!pdb.spec?.selector) return false;
      return matches(labelSelectorFromObject(pdb.spec.selector), pod.metadata.labels ?? {});
    });
    if (matching.length > 1) {
      throw new StatusError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    }
    if (matching.length === 1) {
      const pdb = matching[0];
      await pdbs.guaranteedUpdate(pdb.metadata.namespace, pdb.metadata.name, internalContext(), 'status', (cur) => {
        const st = cur.status ?? {};
        if ((st.observedGeneration ?? 0) < (cur.metadata.generation ?? 0) || (st.disruptionsAllowed ?? 0) <= 0) {
          throw new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
            causes: [
              {
                type: 'DisruptionBudget',
                message: `The disruption budget ${cur.metadata.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
              },
            ],
          });
        }
        st.disruptionsAllowed = (st.disruptionsAllowed ?? 0) - 1;
        st.disruptedPods = { ...(st.disruptedPods ?? {}), [name]: nowRfc3339() };
        cur.status = st;
        return cur;
      });
    }
  }
  try {
    await pods.delete(r.info.namespace, name, body.deleteOptions ?? {}, r.ctx);
  } catch (e) {
    if (e instanceof StatusError && e.code === 404) throw notFound(pods.gr, name);
    throw e;
  }
  writeJson(r.res, 201, { ...successStatus(), code: 201 });
}
