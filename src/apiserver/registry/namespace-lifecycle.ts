// Namespaces: deleting one marks it Terminating and holds it while spec.finalizers is not
// empty (the namespace controller empties it, then PUTs /finalize); creating content in a
// namespace that is missing or terminating is refused (upstream's NamespaceLifecycle admission).

import type { GenericStore, ResourceHooks } from './generic-store.ts';
import type { ApiRequest } from '../handlers/api-request.ts';
import { StatusError, notFound } from '../../api/errors.ts';
import { checkKind, readObject } from '../handlers/write.ts';
import { writeObject } from '../handlers/read.ts';

export function namespaceHooks(): ResourceHooks {
  return {
    holdsDeletion: (ns) => (ns.spec?.finalizers?.length ?? 0) > 0,
    beforeDelete: (ns) => {
      ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
    },
  };
}

/** Returns the admission check run before any namespaced create. */
export function namespaceLifecycle(namespaces: GenericStore): (namespace: string) => Promise<void> {
  return async (namespace) => {
    await namespaces.cache.ready();
    let ns = namespaces.cache.get(namespaces.key('', namespace))?.obj;
    if (!ns) {
      // The cache may trail a namespace created a moment ago: ask the store.
      try {
        ns = await namespaces.get('', namespace);
      } catch (e) {
        if (e instanceof StatusError && e.code === 404) throw notFound({ group: '', resource: 'namespaces' }, namespace);
        throw e;
      }
    }
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      throw new StatusError(403, 'Forbidden', `unable to create new content in namespace ${namespace} because it is being terminated`, {
        name: namespace,
        kind: 'namespaces',
        causes: [{ type: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
  };
}

/** PUT namespaces/<name>/finalize: only spec.finalizers changes. */
export async function handleFinalize(r: ApiRequest): Promise<void> {
  if (r.info.verb !== 'update') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  const body = await readObject(r);
  checkKind(r.def, body);
  const { obj } = await r.store.guaranteedUpdate('', r.info.name, r.ctx, 'finalize', (current) => {
    current.spec = { ...(current.spec ?? {}), finalizers: body.spec?.finalizers ?? [] };
    if (current.spec.finalizers.length === 0) delete current.spec.finalizers;
    return current;
  }, body.metadata?.resourceVersion);
  writeObject(r, 200, obj);
}
