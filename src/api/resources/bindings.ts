// core/v1 bindings: create-only; binds a pod (metadata.name) to a node (target.name).

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { nameIsDNSSubdomain } from '../validation/names.ts';
import { metaValidator } from './strategy-helpers.ts';

export function validateBinding(b: any): FieldError[] {
  const errs: FieldError[] = [];
  const kind = b.target?.kind;
  if (kind && kind !== 'Node') errs.push(fieldError.notSupported('target.kind', kind, ['Node', '<empty>']));
  if (!b.target?.name) errs.push(fieldError.required('target.name'));
  return errs;
}

export const bindings: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Binding',
  listKind: 'BindingList',
  resource: 'bindings',
  singular: 'binding',
  namespaced: true,
  verbs: ['create'],
  typeName: 'io.k8s.api.core.v1.Binding',
  subresources: [],
  strategy: {
    validate: (b) => [...metaValidator(true, nameIsDNSSubdomain)(b), ...validateBinding(b)],
  },
};
