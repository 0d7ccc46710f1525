// rbac.authorization.k8s.io/v1: the rule and subject checks the four RBAC kinds share.

import { fieldError, type FieldError } from '../errors.ts';
import { nameIsPathSegment } from '../validation/names.ts';
import { metaValidator, setDefault } from './strategy-helpers.ts';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function validatePolicyRules(rules: any[] | undefined, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  (rules ?? []).forEach((r: any, i: number) => {
    const p = `rules[${i}]`;
    if (!Array.isArray(r?.verbs) || r.verbs.length === 0) errs.push(fieldError.required(`${p}.verbs`, 'verbs must contain at least one value'));
    const nonResource: string[] = r?.nonResourceURLs ?? [];
    if (nonResource.length > 0) {
      if (namespaced) errs.push(fieldError.invalid(`${p}.nonResourceURLs`, nonResource, 'namespaced rules cannot apply to non-resource URLs'));
      if ((r.apiGroups ?? []).length > 0 || (r.resources ?? []).length > 0 || (r.resourceNames ?? []).length > 0) {
        errs.push(fieldError.invalid(`${p}.nonResourceURLs`, nonResource, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!Array.isArray(r?.apiGroups) || r.apiGroups.length === 0) {
      errs.push(fieldError.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    }
    if (!Array.isArray(r?.resources) || r.resources.length === 0) {
      errs.push(fieldError.required(`${p}.resources`, 'resource rules must supply at least one resource'));
    }
  });
  return errs;
}

/** SetDefaults_Subject and the roleRef's group. */
export function defaultBinding(b: any): void {
  for (const s of b.subjects ?? []) {
    if (!s || s.apiGroup) continue;
    if (s.kind === 'ServiceAccount') s.apiGroup = '';
    else if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
  if (b.roleRef) setDefault(b.roleRef, 'apiGroup', RBAC_GROUP);
}

export function validateBindingSpec(b: any, namespaced: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ref = b.roleRef ?? {};
  if (ref.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(fieldError.notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (!ref.name) errs.push(fieldError.required('roleRef.name'));
  else for (const msg of nameIsPathSegment(ref.name, false)) errs.push(fieldError.invalid('roleRef.name', ref.name, msg));
  (b.subjects ?? []).forEach((s: any, i: number) => {
    const p = `subjects[${i}]`;
    if (!s?.name) errs.push(fieldError.required(`${p}.name`));
    switch (s?.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) errs.push(fieldError.notSupported(`${p}.apiGroup`, s.apiGroup, ['']));
        if (!namespaced && !s.namespace) errs.push(fieldError.required(`${p}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) errs.push(fieldError.notSupported(`${p}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        errs.push(fieldError.notSupported(`${p}.kind`, s?.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return errs;
}

export function validateRoleRefUnchanged(b: any, old: any): FieldError[] {
  const a = b.roleRef ?? {};
  const o = old.roleRef ?? {};
  if (a.apiGroup === o.apiGroup && a.kind === o.kind && a.name === o.name) return [];
  return [
    {
      type: 'FieldValueInvalid',
      field: 'roleRef',
      message: `Invalid value: rbac.RoleRef{APIGroup:${JSON.stringify(a.apiGroup ?? '')}, Kind:${JSON.stringify(a.kind ?? '')}, Name:${JSON.stringify(a.name ?? '')}}: cannot change roleRef`,
    },
  ];
}

export function subjectsCells(b: any): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of b.subjects ?? []) {
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') sas.push(`${s.namespace ?? ''}/${s.name}`);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

export const validateRBACMeta = (namespaced: boolean) => metaValidator(namespaced, nameIsPathSegment);
