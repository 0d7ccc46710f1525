// Checks shared by the controllers' kinds (ReplicaSet, Deployment, DaemonSet, StatefulSet,
// Job): label selectors, selector ↔ template labels, immutable selectors, counts.

import { fieldError, type FieldError } from '../errors.ts';
import { goLabelSelector, goStringMap } from '../validation/go-format.ts';
import { validateLabelSelector } from '../labels.ts';
import { validatePodTemplateSpec } from './pod-spec.ts';
import { equalJSON } from './strategy-helpers.ts';

export function selectorIsEmpty(sel: any): boolean {
  return Object.keys(sel?.matchLabels ?? {}).length + (sel?.matchExpressions ?? []).length === 0;
}

/** Whether a metav1.LabelSelector selects a label set. */
export function selectorMatches(sel: any, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const [k, v] of Object.entries<string>(sel?.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel?.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values: string[] = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

export function validateNonNegative(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number' && value < 0) return [fieldError.invalid(path, value, 'must be greater than or equal to 0')];
  return [];
}

/** `spec.selector` required, non-empty and valid; `kindName` words the empty-selector error. */
export function validateWorkloadSelector(spec: any, kindName: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!spec?.selector) return [fieldError.required('spec.selector')];
  errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  if (selectorIsEmpty(spec.selector)) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      message: `Invalid value: ${goLabelSelector(spec.selector)}: empty selector is invalid for ${kindName}`,
    });
  }
  return errs;
}

/**
 * A template run by a replicating controller: its labels must match the selector, and its
 * pods must restart Always and have no active deadline.
 */
export function validateReplicaTemplate(spec: any, kindName: string, restartPolicies = ['Always']): FieldError[] {
  const errs: FieldError[] = [];
  const template = spec?.template;
  if (!template) return [fieldError.required('spec.template')];
  if (spec.selector && !selectorIsEmpty(spec.selector) && !selectorMatches(spec.selector, template.metadata?.labels)) {
    errs.push(templateLabelsMismatch(template.metadata?.labels));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template', { restartPolicies }));
  if (restartPolicies.includes('Always') && template.spec?.activeDeadlineSeconds !== undefined && template.spec?.activeDeadlineSeconds !== null) {
    errs.push(fieldError.forbidden('spec.template.spec.activeDeadlineSeconds', `activeDeadlineSeconds in ${kindName} is not Supported`));
  }
  return errs;
}

export function templateLabelsMismatch(labels: Record<string, string> | undefined): FieldError {
  return {
    type: 'FieldValueInvalid',
    field: 'spec.template.metadata.labels',
    message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
  };
}

export function validateSelectorImmutable(obj: any, old: any): FieldError[] {
  if (equalJSON(obj.spec?.selector, old.spec?.selector)) return [];
  return [
    {
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      message: `Invalid value: ${goLabelSelector(obj.spec?.selector)}: field is immutable`,
    },
  ];
}

/** Printed like Go's %#v of an intstr.IntOrString. */
export function goIntOrString(v: unknown): string {
  if (typeof v === 'string') return `intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v)}}`;
  return `intstr.IntOrString{Type:0, IntVal:${Number(v ?? 0)}, StrVal:""}`;
}

/** An int-or-percent field (`maxUnavailable`, `maxSurge`): non-negative, a percent ≤ 100%. */
export function validateIntOrPercent(v: unknown, path: string): FieldError[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') {
    return v < 0
      ? [{ type: 'FieldValueInvalid', field: path, message: `Invalid value: ${goIntOrString(v)}: must be greater than or equal to 0` }]
      : [];
  }
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m) {
      return [
        {
          type: 'FieldValueInvalid',
          field: path,
          message: `Invalid value: ${JSON.stringify(v)}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
        },
      ];
    }
    if (Number(m[1]) > 100) {
      return [{ type: 'FieldValueInvalid', field: path, message: `Invalid value: ${goIntOrString(v)}: must not be greater than 100%` }];
    }
  }
  return [];
}

export function isZeroIntOrPercent(v: unknown): boolean {
  return v === 0 || v === '0%' || v === undefined || v === null;
}

/** maxUnavailable and maxSurge of a rolling update: each an int or percent, not both zero. */
export function validateRollingUpdateBudget(ru: any, path: string): FieldError[] {
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`)];
  if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
    errs.push({
      type: 'FieldValueInvalid',
      field: `${path}.maxUnavailable`,
      message: `Invalid value: ${goIntOrString(ru.maxUnavailable ?? 0)}: may not be 0 when \`maxSurge\` is 0`,
    });
  }
  return errs;
}
