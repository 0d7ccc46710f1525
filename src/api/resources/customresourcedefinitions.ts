// apiextensions.k8s.io/v1 customresourcedefinitions: defaults and validation of the
// definition itself (names, scope, versions, schemas, subresources, printer columns). What a
// CRD makes the server serve lives in src/apiserver/crd.

import { fieldError, type FieldError } from '../errors.ts';
import type { ResourceDefinition } from '../strategy.ts';
import { isDNS1035Label, isDNS1123Subdomain, nameIsDNSSubdomain } from '../validation/names.ts';
import { clone, keepAllButStatus, metaUpdateValidator, metaValidator } from './strategy-helpers.ts';
import { NAME_COLUMN, createdAt } from './table-format.ts';

export const CRD_GROUP = 'apiextensions.k8s.io';
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const API_APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';

/** Groups under k8s.io and kubernetes.io are the Kubernetes project's; CRDs there need approval. */
function isProtectedGroup(group: string): boolean {
  return group === 'k8s.io' || group === 'kubernetes.io' || group.endsWith('.k8s.io') || group.endsWith('.kubernetes.io');
}

const COLUMN_TYPES = ['integer', 'number', 'string', 'boolean', 'date'];
const SCHEMA_TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

/** The name of the version objects are stored as (the one with `storage: true`). */
export function storageVersionOf(crd: any): string | undefined {
  return (crd?.spec?.versions ?? []).find((v: any) => v?.storage === true)?.name;
}

function defaultNames(names: any): void {
  if (!names || typeof names.kind !== 'string') return;
  names.singular ||= names.kind.toLowerCase();
  names.listKind ||= `${names.kind}List`;
}

function defaultCrd(crd: any): void {
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return;
  defaultNames(spec.names);
  spec.conversion ??= { strategy: 'None' };
  if (spec.conversion.strategy === 'Webhook') spec.conversion.webhook ??= {};
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    for (const c of v?.additionalPrinterColumns ?? []) {
      if (c && typeof c === 'object') c.priority ??= 0;
    }
  }
}

function validateName(value: unknown, path: string, errs: FieldError[], label = true): void {
  if (typeof value !== 'string' || value === '') {
    errs.push(fieldError.required(path));
    return;
  }
  const msgs = label ? isDNS1035Label(value) : [];
  for (const m of msgs) errs.push(fieldError.invalid(path, value, m));
}

function validateNames(names: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!names || typeof names !== 'object') return [fieldError.required(path)];
  validateName(names.plural, `${path}.plural`, errs);
  validateName(names.singular, `${path}.singular`, errs);
  validateName(names.kind, `${path}.kind`, errs, false);
  validateName(names.listKind, `${path}.listKind`, errs, false);
  if (typeof names.kind === 'string' && names.kind !== '' && names.kind === names.listKind) {
    errs.push(fieldError.invalid(`${path}.listKind`, names.listKind, 'kind and listKind may not be the same'));
  }
  (names.shortNames ?? []).forEach((s: unknown, i: number) => validateName(s, `${path}.shortNames[${i}]`, errs));
  (names.categories ?? []).forEach((s: unknown, i: number) => validateName(s, `${path}.categories[${i}]`, errs));
  return errs;
}

function validateSchemaNode(schema: any, path: string, errs: FieldError[], root: boolean): void {
  if (schema === null || typeof schema !== 'object') return;
  if (schema.type !== undefined && !SCHEMA_TYPES.includes(schema.type)) {
    errs.push(fieldError.notSupported(`${path}.type`, schema.type, SCHEMA_TYPES));
  }
  if (root && schema.type !== 'object') {
    errs.push(schema.type === undefined ? fieldError.required(`${path}.type`, 'must not be empty at the root') : fieldError.invalid(`${path}.type`, schema.type, 'must be object at the root'));
  }
  if (schema.pattern !== undefined) {
    try {
      new RegExp(schema.pattern, 'u');
    } catch (e) {
      errs.push(fieldError.invalid(`${path}.pattern`, schema.pattern, `must be a valid regular expression, but isn't: ${(e as Error).message}`));
    }
  }
  if (schema.type === 'array' && schema.items === undefined) errs.push(fieldError.required(`${path}.items`, 'must be specified'));
  if (schema.properties && schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    errs.push(fieldError.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  for (const [k, v] of Object.entries(schema.properties ?? {})) validateSchemaNode(v, `${path}.properties[${k}]`, errs, false);
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) validateSchemaNode(schema.items, `${path}.items`, errs, false);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') validateSchemaNode(schema.additionalProperties, `${path}.additionalProperties`, errs, false);
}

function validateVersion(v: any, path: string, errs: FieldError[]): void {
  validateName(v?.name, `${path}.name`, errs);
  const schema = v?.schema?.openAPIV3Schema;
  if (!schema) errs.push(fieldError.required(`${path}.schema.openAPIV3Schema`, 'schemas are required'));
  else validateSchemaNode(schema, `${path}.schema.openAPIV3Schema`, errs, true);
  const scale = v?.subresources?.scale;
  if (scale) {
    if (typeof scale.specReplicasPath !== 'string' || !scale.specReplicasPath.startsWith('.spec.')) {
      errs.push(fieldError.invalid(`${path}.subresources.scale.specReplicasPath`, scale.specReplicasPath ?? '', 'should be a json path under .spec'));
    }
    if (typeof scale.statusReplicasPath !== 'string' || !scale.statusReplicasPath.startsWith('.status.')) {
      errs.push(fieldError.invalid(`${path}.subresources.scale.statusReplicasPath`, scale.statusReplicasPath ?? '', 'should be a json path under .status'));
    }
    if (scale.labelSelectorPath !== undefined && !/^\.(spec|status)\./.test(scale.labelSelectorPath)) {
      errs.push(fieldError.invalid(`${path}.subresources.scale.labelSelectorPath`, scale.labelSelectorPath, 'should be a json path under either .spec or .status'));
    }
  }
  (v?.additionalPrinterColumns ?? []).forEach((c: any, i: number) => {
    const cp = `${path}.additionalPrinterColumns[${i}]`;
    if (!c?.name) errs.push(fieldError.required(`${cp}.name`));
    if (!COLUMN_TYPES.includes(c?.type)) errs.push(fieldError.notSupported(`${cp}.type`, c?.type ?? '', COLUMN_TYPES));
    if (!c?.jsonPath) errs.push(fieldError.required(`${cp}.jsonPath`));
  });
}

export function validateCustomResourceDefinition(crd: any): FieldError[] {
  const errs = metaValidator(false, nameIsDNSSubdomain)(crd);
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return [...errs, fieldError.required('spec')];
  const group = spec.group;
  if (typeof group !== 'string' || group === '') errs.push(fieldError.required('spec.group'));
  else {
    for (const m of isDNS1123Subdomain(group)) errs.push(fieldError.invalid('spec.group', group, m));
    if (!group.includes('.')) errs.push(fieldError.invalid('spec.group', group, 'should be a domain with at least one dot'));
    const annotation = crd.metadata?.annotations?.[API_APPROVAL_ANNOTATION];
    if (isProtectedGroup(group) && !annotation) {
      errs.push(fieldError.required(`metadata.annotations[${API_APPROVAL_ANNOTATION}]`, `protected groups must have approval annotation "${API_APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`));
    }
  }
  const plural = spec.names?.plural;
  if (crd.metadata?.name && crd.metadata.name !== `${plural}.${group}`) {
    errs.push(fieldError.invalid('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  errs.push(...validateNames(spec.names, 'spec.names'));
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    errs.push(spec.scope ? fieldError.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']) : fieldError.required('spec.scope'));
  }
  const versions: any[] = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) errs.push(fieldError.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  else {
    const storage = versions.filter((v) => v?.storage === true).length;
    if (storage !== 1) errs.push(fieldError.invalid('spec.versions', versions.map((v) => v?.name), 'must have exactly one version marked as storage version'));
    if (!versions.some((v) => v?.served === true)) errs.push(fieldError.invalid('spec.versions', versions.map((v) => v?.name), 'must have at least one version marked as served'));
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      if (typeof v?.name === 'string' && seen.has(v.name)) errs.push(fieldError.duplicate(`spec.versions[${i}].name`, v.name));
      seen.add(v?.name);
      validateVersion(v, `spec.versions[${i}]`, errs);
    });
  }
  const strategy = spec.conversion?.strategy;
  if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fieldError.notSupported('spec.conversion.strategy', strategy ?? '', ['None', 'Webhook']));
  return errs;
}

function validateCrdUpdate(crd: any, old: any): FieldError[] {
  const errs = metaUpdateValidator()(crd, old);
  if (crd.spec?.group !== old.spec?.group) errs.push(fieldError.immutable('spec.group', crd.spec?.group ?? ''));
  if (old.status?.acceptedNames?.plural && crd.spec?.names?.plural !== old.spec?.names?.plural) {
    errs.push(fieldError.immutable('spec.names.plural', crd.spec?.names?.plural ?? ''));
  }
  if (crd.spec?.scope !== old.spec?.scope) errs.push(fieldError.immutable('spec.scope', crd.spec?.scope ?? ''));
  // A version objects may still be stored as must stay in the list.
  const names = new Set((crd.spec?.versions ?? []).map((v: any) => v?.name));
  (old.status?.storedVersions ?? []).forEach((sv: string) => {
    if (!names.has(sv)) errs.push(fieldError.invalid('status.storedVersions[' + (old.status.storedVersions as string[]).indexOf(sv) + ']', sv, 'must appear in spec.versions'));
  });
  return errs;
}

export const customresourcedefinitions: ResourceDefinition = {
  group: CRD_GROUP,
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  typeName: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
  subresources: ['status'],
  hasGeneration: true,
  strategy: {
    defaults: defaultCrd,
    prepareForCreate: (crd) => {
      const storage = storageVersionOf(crd);
      crd.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: storage ? [storage] : [] };
    },
    prepareForUpdate: (crd, old) => {
      crd.status = clone(old.status ?? {});
      const storage = storageVersionOf(crd);
      const stored: string[] = crd.status.storedVersions ?? [];
      if (storage && !stored.includes(storage)) crd.status.storedVersions = [...stored, storage];
    },
    prepareForStatusUpdate: (crd, old) => keepAllButStatus(crd, old),
    validate: validateCustomResourceDefinition,
    validateUpdate: validateCrdUpdate,
    validateStatusUpdate: (crd, old) => metaUpdateValidator()(crd, old),
    table: {
      columns: [NAME_COLUMN, { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }],
      row: (crd) => [crd.metadata?.name ?? '', createdAt(crd)],
    },
  },
};
