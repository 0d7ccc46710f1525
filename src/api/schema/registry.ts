// The API shape facts (src/api/schema/data/k8s-api-1.32.json, see scripts/build-schema-data.ts),
// loaded once on first use, and lookups over them: types by name, built-in kinds by GVK.

import { readFileSync } from 'node:fs';

/** A field's type as the data describes it. */
export interface TypeRef {
  type:
    | 'string'
    | 'integer'
    | 'number'
    | 'boolean'
    | 'array'
    | 'map'
    | 'object'
    | 'quantity'
    | 'int-or-string'
    | 'raw-object'
    | 'any'
    | 'schema-or-bool'
    | 'schema-or-array'
    | 'schema-or-string-array';
  format?: string;
  ref?: string;
  items?: TypeRef;
  keys?: TypeRef;
  values?: TypeRef;
  named?: string;
  enum?: string[];
  enumMarker?: boolean;
  pointer?: boolean;
  precision?: string;
  oneOf?: (TypeRef & { protoField?: string; protoSets?: Record<string, unknown> })[];
}

/** The matching generated.proto field. */
export interface ProtoField {
  name: string;
  number: number;
  label: 'optional' | 'repeated' | 'map' | 'required';
  /** Scalar proto type or full message name (`k8s.io.api.core.v1.PodSpec`). */
  type?: string;
  key?: string;
  value?: string;
  wireType: number;
}

export interface FieldInfo {
  goName: string;
  json: string | null;
  omitempty: boolean;
  inline: boolean;
  embedded: boolean;
  inlineType?: string;
  optional: boolean;
  required: boolean;
  type: TypeRef;
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: string;
  listMapKeys?: string[];
  mapType?: string;
  structType?: string;
  markers?: Record<string, string[]>;
  proto?: ProtoField;
}

export interface TypeInfo {
  name: string;
  package: string;
  group: string | null;
  version: string | null;
  protoMessage: string | null;
  kind: 'struct' | 'named' | 'special';
  fields?: FieldInfo[];
  underlying?: TypeRef;
  constants?: [string, string, string?][];
  json?: TypeRef & { protoField?: string; protoEncoding?: string };
  protoFields?: ProtoField[];
  markers?: Record<string, string[]>;
  enumMarker?: boolean;
  runtimeObject?: boolean;
  nonNamespaced?: boolean;
  genclient?: boolean;
  definedAs?: string;
}

interface ClientMethod {
  name: string;
  verb: string;
  subresource?: string;
  input?: string;
  result?: string;
}

interface KindEntry {
  kind: string;
  type: string;
  list: string | null;
  genclient: boolean;
  nonNamespaced: boolean;
  namespaced: boolean | null;
  resourceName?: string;
  readonly?: boolean;
  onlyVerbs?: string[];
  skipVerbs?: string[];
  noVerbs?: boolean;
  clientMethods?: ClientMethod[];
}

interface PackageInfo {
  group: string;
  version: string;
  apiVersion: string;
  protoPackage: string;
  kinds?: KindEntry[];
  lists?: { kind: string; type: string; itemType: string; forKind: string }[];
  otherObjects?: { kind: string; type: string }[];
  types: string[];
}

interface SchemaData {
  kubernetesVersion: string;
  packages: Record<string, PackageInfo>;
  types: Record<string, TypeInfo>;
}

export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  typeName: string;
  listTypeName?: string;
  /** null where the data does not say (no +genclient): not a served resource by itself. */
  namespaced: boolean | null;
  /** Set where the resource name is not the usual plural of the kind (metrics: nodes, pods). */
  resourceName?: string;
  /** Subresources named by the client methods (`scale`, `ephemeralcontainers`, …). */
  subresources: string[];
  readonly: boolean;
  onlyVerbs?: string[];
  skipVerbs?: string[];
  noVerbs: boolean;
}

let data: SchemaData | undefined;
let kindIndex: Map<string, KindInfo> | undefined;
let protoIndex: Map<string, string> | undefined;

function load(): SchemaData {
  if (!data) {
    const file = new URL('./data/k8s-api-1.32.json', import.meta.url);
    data = JSON.parse(readFileSync(file, 'utf8')) as SchemaData;
  }
  return data;
}

export function kubernetesVersion(): string {
  return load().kubernetesVersion;
}

/** The type record, e.g. getType('io.k8s.api.core.v1.Pod'); undefined if unknown. */
export function getType(name: string): TypeInfo | undefined {
  return load().types[name];
}

/** Like getType, but throws for an unknown name (a programming error). */
export function mustGetType(name: string): TypeInfo {
  const t = getType(name);
  if (!t) throw new Error(`unknown schema type ${name}`);
  return t;
}

export function allTypeNames(): string[] {
  return Object.keys(load().types);
}

/** Schema type name for a proto message name (`k8s.io.api.core.v1.Pod` → `io.k8s.api.core.v1.Pod`). */
export function typeNameForProtoMessage(message: string): string | undefined {
  if (!protoIndex) {
    protoIndex = new Map();
    for (const [name, t] of Object.entries(load().types)) if (t.protoMessage) protoIndex.set(t.protoMessage, name);
  }
  return protoIndex.get(message);
}

function gvkKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

function kinds(): Map<string, KindInfo> {
  if (!kindIndex) {
    kindIndex = new Map();
    for (const pkg of Object.values(load().packages)) {
      for (const k of pkg.kinds ?? []) {
        const subresources = [
          ...new Set((k.clientMethods ?? []).map((m) => m.subresource).filter((s): s is string => !!s)),
        ];
        const info: KindInfo = {
          group: pkg.group,
          version: pkg.version,
          kind: k.kind,
          typeName: k.type,
          listTypeName: k.list ?? undefined,
          namespaced: k.namespaced,
          resourceName: k.resourceName,
          subresources,
          readonly: !!k.readonly,
          onlyVerbs: k.onlyVerbs,
          skipVerbs: k.skipVerbs,
          noVerbs: !!k.noVerbs,
        };
        kindIndex.set(gvkKey(pkg.group, pkg.version, k.kind), info);
      }
    }
  }
  return kindIndex;
}

/** A built-in kind by group ('' for core), version and kind. */
export function findKind(group: string, version: string, kind: string): KindInfo | undefined {
  return kinds().get(gvkKey(group, version, kind));
}

export function allKinds(): KindInfo[] {
  return [...kinds().values()];
}

/** The struct fields of a type, with `inline` fields' own fields flattened in (JSON view). */
export function jsonFields(typeName: string): FieldInfo[] {
  const out: FieldInfo[] = [];
  const t = mustGetType(typeName);
  for (const f of t.fields ?? []) {
    if (f.inline) {
      if (f.inlineType && getType(f.inlineType)) out.push(...jsonFields(f.inlineType));
    } else if (f.json !== null) {
      out.push(f);
    }
  }
  return out;
}


let objectIndex: Map<string, string> | undefined;

/**
 * The schema type of any object kind served in a group-version: its kinds, their lists, and
 * other objects (options, reviews); meta/v1 objects (DeleteOptions, Status…) in every group.
 */
export function typeNameForGVK(group: string, version: string, kind: string): string | undefined {
  if (!objectIndex) {
    objectIndex = new Map();
    for (const pkg of Object.values(load().packages)) {
      if (pkg.version === null || pkg.version === undefined) continue;
      const entries = [...(pkg.kinds ?? []), ...(pkg.lists ?? []), ...(pkg.otherObjects ?? [])];
      for (const e of entries) objectIndex.set(gvkKey(pkg.group, pkg.version, e.kind), e.type);
    }
  }
  return (
    objectIndex.get(gvkKey(group, version, kind)) ??
    objectIndex.get(gvkKey('meta.k8s.io', 'v1', kind))
  );
}

let typeGVKs: Map<string, { group: string; version: string; kind: string }[]> | undefined;

/** The group-version-kinds an object type is served as (its kind, list kind, or options kind). */
export function gvksForType(typeName: string): { group: string; version: string; kind: string }[] {
  if (!typeGVKs) {
    typeGVKs = new Map();
    for (const pkg of Object.values(load().packages)) {
      if (pkg.version === null || pkg.version === undefined) continue;
      const group = pkg.group === 'meta.k8s.io' ? '' : pkg.group;
      for (const e of [...(pkg.kinds ?? []), ...(pkg.lists ?? []), ...(pkg.otherObjects ?? [])]) {
        const list = typeGVKs.get(e.type) ?? [];
        list.push({ group, version: pkg.version, kind: e.kind });
        typeGVKs.set(e.type, list);
      }
    }
  }
  return typeGVKs.get(typeName) ?? [];
}
