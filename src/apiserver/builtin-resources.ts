// Every built-in resource the server serves: the strategy modules of src/api/resources, plus
// a plain definition (names and scope from the API data, metadata checks, NAME/AGE table)
// for the few served kinds that need no behaviour of their own.

import type { ResourceDefinition } from '../api/strategy.ts';
import { builtinResources as strategyResources } from '../api/resources/builtin.ts';
import { findKind } from '../api/schema/registry.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../api/validation/object-meta.ts';
import { nameIsDNSSubdomain } from '../api/validation/names.ts';

type Plain = [group: string, version: string, kind: string, resource: string, extra?: Partial<ResourceDefinition>];

const PLAIN: Plain[] = [['authentication.k8s.io', 'v1', 'SelfSubjectReview', 'selfsubjectreviews', { verbs: ['create'] }]];

function plainDefinition([group, version, kind, resource, extra = {}]: Plain): ResourceDefinition {
  const info = findKind(group, version, kind);
  if (!info) throw new Error(`the API data has no kind ${kind} in ${group || 'core'}/${version}`);
  const namespaced = extra.namespaced ?? info.namespaced ?? true;
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    typeName: info.typeName,
    subresources: [],
    strategy: {
      validate: (obj) => validateObjectMeta(obj.metadata, { namespaced, nameFn: nameIsDNSSubdomain }),
      validateUpdate: (obj, old) => validateObjectMetaUpdate(obj.metadata, old.metadata),
    },
    ...extra,
  };
}

export function builtinResources(): ResourceDefinition[] {
  const defs = strategyResources();
  const have = new Set(defs.map((d) => `${d.group}/${d.version}/${d.resource}`));
  return [...defs, ...PLAIN.filter(([g, v, , r]) => !have.has(`${g}/${v}/${r}`)).map(plainDefinition)];
}
