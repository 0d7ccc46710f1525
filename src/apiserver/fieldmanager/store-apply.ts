// Server-side apply through a resource's storage: create the object from the configuration
// when it does not exist, otherwise merge into the live object inside the store's
// read-modify-write loop (so a racing write makes the apply retry against the new state).

import { StatusError, badRequest, conflict, OBJECT_MODIFIED } from '../../api/errors.ts';
import { deepClone } from '../../api/patch/json-value.ts';
import type { GenericStore } from '../registry/generic-store.ts';
import type { RequestContext } from '../registry/context.ts';

const MAX_ATTEMPTS = 8;

export interface StoreApplyOptions {
  manager: string;
  force: boolean;
  subresource: string;
}

export async function applyToStore(
  store: GenericStore,
  namespace: string,
  name: string,
  config: any,
  ctx: RequestContext,
  opts: StoreApplyOptions,
): Promise<{ obj: any; created: boolean }> {
  config.metadata ??= {};
  const meta = config.metadata;
  if (meta.name !== undefined && meta.name !== name) {
    throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
  }
  meta.name = name;
  if (store.def.namespaced) {
    if (meta.namespace && namespace && meta.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = namespace || meta.namespace;
  } else {
    delete meta.namespace;
  }
  store.checkUnknownFields(config, ctx);
  const wantRv: string | undefined = meta.resourceVersion;

  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      return await store.guaranteedUpdate(
        namespace,
        name,
        ctx,
        opts.subresource,
        (current) => {
          if (wantRv && wantRv !== current.metadata?.resourceVersion) throw conflict(store.gr, name, OBJECT_MODIFIED);
          return store.fieldManager.apply(current, config, opts);
        },
        undefined,
        true,
      );
    } catch (e) {
      if (!(e instanceof StatusError && e.code === 404) || opts.subresource !== '') throw e;
    }
    // Absent: the configuration becomes the object.
    if (wantRv) throw conflict(store.gr, name, OBJECT_MODIFIED);
    const obj = store.fieldManager.apply(undefined, deepClone(config), opts);
    try {
      return { obj: await store.create(namespace, obj, ctx, true), created: true };
    } catch (e) {
      // Created by someone else meanwhile: apply onto theirs.
      if (!(e instanceof StatusError && e.reason === 'AlreadyExists')) throw e;
    }
  }
  throw conflict(store.gr, name, 'too many concurrent updates, please retry');
}
