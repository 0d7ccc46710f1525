// What a CRD makes the server serve: one ResourceDefinition per served version, whose
// strategy prunes, defaults and validates objects with that version's schema, splits spec
// and status when the status subresource is on, and prints the version's columns.

import type { ResourceDefinition, ScaleSpec } from '../../api/strategy.ts';
import type { FieldError } from '../../api/errors.ts';
import { jsonFields } from '../../api/schema/registry.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from '../../api/validation/object-meta.ts';
import { nameIsDNSSubdomain } from '../../api/validation/names.ts';
import { deepClone } from '../../api/patch/json-value.ts';
import { storageVersionOf } from '../../api/resources/customresourcedefinitions.ts';
import { validateCustomResource, validateCustomResourceTransition, type JSONSchema } from './schema-validation.ts';
import { pruneUnknownFields } from './schema-pruning.ts';
import { applyCustomResourceDefaults } from './schema-defaulting.ts';
import { printerColumnsTable } from './printer-columns.ts';
import { getAtPath, parseSimpleJsonPath } from './jsonpath.ts';
import { compareVersions } from '../resource-registry.ts';

export interface CustomResourceVersion {
  def: ResourceDefinition;
  schema: JSONSchema | undefined;
  /** apiVersion objects of this version carry, e.g. `stable.example.com/v1`. */
  apiVersion: string;
  /** apiVersion objects are stored as. */
  storageApiVersion: string;
  /** Fields pruned from an object on its way in, for fieldValidation Warn / Strict. */
  prunedFields: WeakMap<object, string[]>;
  /**
   * What reading a stored object does with it (upstream's storage codec): prune and default with
   * this version's schema. Returns whether it changed anything; undefined when nothing is to do.
   */
  onRead?: (obj: any) => boolean;
  /** The Warning every request to a deprecated version gets. */
  deprecationWarning?: string;
}

/** Upstream's default: `g/v1beta1 Kind is deprecated; use g/v1 Kind` (the newest served, non-deprecated version). */
function deprecationWarning(spec: any, v: any): string | undefined {
  if (!v.deprecated) return undefined;
  if (typeof v.deprecationWarning === 'string') return v.deprecationWarning;
  const kind = spec.names?.kind;
  const msg = `${spec.group}/${v.name} ${kind} is deprecated`;
  const newer = (spec.versions ?? [])
    .filter((o: any) => o.served && !o.deprecated && compareVersions(v.name, o.name) > 0)
    .map((o: any) => o.name as string)
    .sort(compareVersions);
  return newer.length ? `${msg}; use ${spec.group}/${newer[0]} ${kind}` : msg;
}

/** Upstream's OpenAPI name for a CR type: the group reversed, then version and kind. */
export function customResourceTypeName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/** `selectableFields` of a version as field selectors: `.spec.color` → `spec.color=red`. */
function selectableFields(fields: any[] | undefined): Record<string, (obj: any) => string | undefined> | undefined {
  if (!fields?.length) return undefined;
  const out: Record<string, (obj: any) => string | undefined> = {};
  for (const f of fields) {
    const segments = typeof f?.jsonPath === 'string' ? parseSimpleJsonPath(f.jsonPath) : undefined;
    if (!segments) continue;
    out[f.jsonPath.replace(/^\./, '')] = (obj) => {
      const v = getAtPath(obj, segments);
      return v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    };
  }
  return out;
}

function scaleSpec(scale: any): ScaleSpec | undefined {
  if (!scale) return undefined;
  const selectorPath = scale.labelSelectorPath ? parseSimpleJsonPath(scale.labelSelectorPath) : undefined;
  return {
    specReplicasPath: String(scale.specReplicasPath).replace(/^\./, ''),
    statusReplicasPath: String(scale.statusReplicasPath).replace(/^\./, ''),
    selector: (obj) => {
      const v = selectorPath ? getAtPath(obj, selectorPath) : undefined;
      return typeof v === 'string' ? v : '';
    },
  };
}

/** The definitions a CRD's served versions are served through. */
export function customResourceVersions(crd: any): CustomResourceVersion[] {
  const spec = crd.spec;
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : spec.names;
  const group: string = spec.group;
  const namespaced = spec.scope === 'Namespaced';
  const storageApiVersion = `${group}/${storageVersionOf(crd)}`;
  const out: CustomResourceVersion[] = [];
  for (const v of spec.versions ?? []) {
    if (!v.served) continue;
    const schema: JSONSchema | undefined = v.schema?.openAPIV3Schema;
    const hasStatus = v.subresources?.status !== undefined && v.subresources?.status !== null;
    const scale = scaleSpec(v.subresources?.scale);
    const prunedFields = new WeakMap<object, string[]>();
    const kind: string = names.kind;
    const validateSchema = (obj: any): FieldError[] => validateCustomResource(schema, obj);
    const prune = (obj: any): string[] => [...pruneObjectMeta(obj), ...pruneUnknownFields(schema, obj)];
    const def: ResourceDefinition = {
      group,
      version: v.name,
      kind,
      listKind: names.listKind ?? `${kind}List`,
      resource: names.plural,
      singular: names.singular || kind.toLowerCase(),
      namespaced,
      shortNames: names.shortNames?.length ? [...names.shortNames] : undefined,
      categories: names.categories?.length ? [...names.categories] : undefined,
      typeName: customResourceTypeName(group, v.name, kind),
      subresources: [...(hasStatus ? ['status'] : []), ...(scale ? ['scale'] : [])],
      scale,
      hasGeneration: true,
      strategy: {
        defaults: (obj) => {
          const pruned = prune(obj);
          if (pruned.length > 0) prunedFields.set(obj, pruned);
          applyCustomResourceDefaults(schema, obj);
        },
        prepareForCreate: (obj) => {
          if (hasStatus) delete obj.status;
        },
        prepareForUpdate: (obj, old) => {
          if (!hasStatus) return;
          if (old.status === undefined) delete obj.status;
          else obj.status = deepClone(old.status);
        },
        validate: (obj) => [...validateObjectMeta(obj.metadata, { namespaced, nameFn: nameIsDNSSubdomain }), ...validateSchema(obj)],
        validateUpdate: (obj, old) => [...validateObjectMetaUpdate(obj.metadata, old.metadata), ...validateCustomResourceTransition(schema, obj, old)],
        validateStatusUpdate: (obj, old) => [
          ...validateObjectMetaUpdate(obj.metadata, old.metadata),
          ...validateSchema(obj),
          ...validateCustomResourceTransition(schema, obj, old),
        ],
        table: printerColumnsTable(v.additionalPrinterColumns),
        fieldSelectors: selectableFields(v.selectableFields),
      },
    };
    out.push({
      def,
      schema,
      apiVersion: `${group}/${v.name}`,
      storageApiVersion,
      prunedFields,
      onRead: schema ? readTransform(schema) : undefined,
      deprecationWarning: deprecationWarning(spec, v),
    });
  }
  return out;
}

function readTransform(schema: JSONSchema): (obj: any) => boolean {
  return (obj) => {
    const pruned = pruneUnknownFields(schema, obj).length > 0;
    const defaulted = applyCustomResourceDefaults(schema, obj);
    return pruned || defaulted;
  };
}

let objectMetaFields: Set<string> | undefined;

/** Unknown fields of metadata are dropped as decoding into ObjectMeta drops them upstream. */
function pruneObjectMeta(obj: any): string[] {
  const meta = obj.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return [];
  objectMetaFields ??= new Set(jsonFields('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta').map((f) => f.json!));
  const removed: string[] = [];
  for (const k of Object.keys(meta)) {
    if (objectMetaFields.has(k)) continue;
    delete meta[k];
    removed.push(`metadata.${k}`);
  }
  return removed;
}
