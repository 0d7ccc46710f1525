// core/v1 namespaces: the `kubernetes` finalizer and phase Active on create; the
// `finalize` subresource is the only way to change spec.finalizers.

import type { FieldError } from '../errors.ts';
import { fieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isQualifiedName, nameIsDNSLabel } from '../validation/names.ts';
import { clone, ensureObject, keepAllButStatus, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { AGE_COLUMN, NAME_COLUMN, age, column } from './table-format.ts';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function validateSpecFinalizers(ns: any): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ns.spec?.finalizers ?? []) {
    for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid('spec.finalizers', f, msg));
    if (!f.includes('/') && f !== 'kubernetes') {
      errs.push(fieldError.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

const validateMeta = metaValidator(false, nameIsDNSLabel);
const validateMetaUpdate = metaUpdateValidator();

export const namespaces: ResourceDefinition = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  resource: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  typeName: 'io.k8s.api.core.v1.Namespace',
  subresources: ['status', 'finalize'],
  strategy: {
    defaults: (ns) => {
      const meta = ensureObject(ns, 'metadata');
      if (meta.name) ensureObject(meta, 'labels')[NAMESPACE_NAME_LABEL] = meta.name;
    },
    prepareForCreate: (ns) => {
      ns.status = { phase: 'Active' };
      const spec = ensureObject(ns, 'spec');
      const finalizers: string[] = Array.isArray(spec.finalizers) ? spec.finalizers : [];
      if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
      spec.finalizers = finalizers;
    },
    prepareForUpdate: (ns, old) => {
      ns.spec = clone(old.spec ?? {});
      ns.status = clone(old.status);
    },
    validate: (ns) => [...validateMeta(ns), ...validateSpecFinalizers(ns)],
    validateUpdate: (ns, old) => validateMetaUpdate(ns, old),
    prepareForStatusUpdate: (ns, old) => keepAllButStatus(ns, old),
    validateStatusUpdate: (ns, old) => {
      const errs = validateMetaUpdate(ns, old);
      const phase = ns.status?.phase;
      if (old.metadata?.deletionTimestamp && phase !== 'Terminating') {
        errs.push(fieldError.invalid('status.phase', phase ?? '', 'A namespace may not be set to active if it is being deleted'));
      } else if (!old.metadata?.deletionTimestamp && phase === 'Terminating') {
        errs.push(fieldError.invalid('status.phase', phase, 'A namespace may only be set to terminating if it has a deletion timestamp.'));
      }
      return errs;
    },
    table: {
      columns: [NAME_COLUMN, column('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
      row: (ns, now) => [ns.metadata?.name, ns.status?.phase ?? '', age(ns, now)],
    },
    fieldSelectors: {
      'status.phase': (ns) => ns.status?.phase ?? '',
    },
  },
};
