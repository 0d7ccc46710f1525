// ObjectMeta checks as upstream's apimachinery ValidateObjectMeta / ValidateObjectMetaUpdate,
// plus core's rule that an unqualified finalizer must be a standard one.

import { fieldError, type FieldError } from '../errors.ts';
import { goStringSlice } from './go-format.ts';
import { validateLabels } from '../labels.ts';
import { validateAnnotations } from './annotations.ts';
import { isQualifiedName, nameIsDNSLabel, type NameFn } from './names.ts';

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameFn: NameFn;
}

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);
const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';

export function validateNamespaceName(name: string, prefix: boolean): string[] {
  return nameIsDNSLabel(name, prefix);
}

export function validateObjectMeta(meta: any, opts: ObjectMetaOptions, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  meta = meta ?? {};
  if (meta.generateName) {
    for (const msg of opts.nameFn(meta.generateName, true)) {
      errs.push(fieldError.invalid(`${path}.generateName`, meta.generateName, msg));
    }
  }
  if (!meta.name) {
    errs.push(fieldError.required(`${path}.name`, 'name or generateName is required'));
  } else {
    for (const msg of opts.nameFn(meta.name, false)) errs.push(fieldError.invalid(`${path}.name`, meta.name, msg));
  }
  if (opts.namespaced) {
    if (!meta.namespace) {
      errs.push(fieldError.required(`${path}.namespace`));
    } else {
      for (const msg of validateNamespaceName(meta.namespace, false)) {
        errs.push(fieldError.invalid(`${path}.namespace`, meta.namespace, msg));
      }
    }
  } else if (meta.namespace) {
    errs.push(fieldError.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number' && meta.generation < 0) {
    errs.push(fieldError.invalid(`${path}.generation`, meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  return errs;
}

export function validateOwnerReferences(refs: any[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(refs)) return errs;
  let controllerName = '';
  for (const ref of refs) {
    const apiVersion: string = ref?.apiVersion ?? '';
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (!version) errs.push(fieldError.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (!ref?.kind) errs.push(fieldError.invalid(`${path}.kind`, ref?.kind ?? '', 'kind must not be empty'));
    if (!ref?.name) errs.push(fieldError.invalid(`${path}.name`, ref?.name ?? '', 'name must not be empty'));
    if (!ref?.uid) errs.push(fieldError.invalid(`${path}.uid`, ref?.uid ?? '', 'uid must not be empty'));
    if (ref?.controller === true) {
      if (controllerName !== '') {
        errs.push(
          fieldError.invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${controllerName} and ${ref.name}`,
          ),
        );
      } else {
        controllerName = ref.name;
      }
    }
  }
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!Array.isArray(finalizers)) return errs;
  for (const f of finalizers) {
    for (const msg of isQualifiedName(f)) errs.push(fieldError.invalid(path, f, msg));
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(fieldError.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  if (finalizers.includes(FINALIZER_ORPHAN) && finalizers.includes(FINALIZER_FOREGROUND)) {
    errs.push(
      fieldError.invalid(path, finalizers, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`),
    );
  }
  return errs;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The transition checks of an update alone: identity and server-owned fields may not change
 * and a generation may not go back. (The API server itself refuses new finalizers on an
 * object being deleted; validateObjectMetaUpdate adds that check for other callers.)
 */
export function validateObjectMetaTransition(meta: any, oldMeta: any, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  meta = meta ?? {};
  oldMeta = oldMeta ?? {};
  if ((meta.generation ?? 0) < (oldMeta.generation ?? 0)) {
    errs.push(fieldError.invalid(`${path}.generation`, meta.generation ?? 0, 'must not be decremented'));
  }
  for (const key of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    if (!same(meta[key], oldMeta[key])) errs.push(fieldError.immutable(`${path}.${key}`, meta[key] ?? ''));
  }
  return errs;
}

/** No finalizer may be added once deletion has started. */
export function validateNoNewFinalizers(meta: any, oldMeta: any, path = 'metadata'): FieldError[] {
  if (!oldMeta?.deletionTimestamp) return [];
  const old = new Set<string>(oldMeta.finalizers ?? []);
  const added = [...new Set<string>(meta?.finalizers ?? [])].filter((f) => !old.has(f)).sort();
  if (added.length === 0) return [];
  return [
    fieldError.forbidden(
      `${path}.finalizers`,
      `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`,
    ),
  ];
}

/**
 * Upstream's ValidateObjectMetaUpdate: the transition checks plus the syntax of labels,
 * annotations, ownerReferences and finalizers. (The API server checks resourceVersion.)
 */
export function validateObjectMetaUpdate(meta: any, oldMeta: any, path = 'metadata'): FieldError[] {
  const errs = [...validateNoNewFinalizers(meta, oldMeta, path), ...validateObjectMetaTransition(meta, oldMeta, path)];
  meta = meta ?? {};
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  return errs;
}
