// What a strategic merge patch needs to know about a type: for each field, whether it is an
// object, list, map or primitive, its patch strategy and merge key. The schema registry
// provides one PatchMeta per type; patch code never reads the schema directly.

export interface PatchMeta {
  /** Metadata for a field of this object type; undefined if unknown (treated as atomic: replaced). */
  field(name: string): FieldPatchMeta | undefined;
}

export interface FieldPatchMeta {
  kind: 'object' | 'list' | 'map' | 'primitive';
  /** Upstream `patchStrategy` split on commas: 'merge', 'retainKeys', 'replace'. */
  patchStrategy?: string[];
  /** Upstream `patchMergeKey` (lists of objects merged by this key). */
  patchMergeKey?: string;
  /** Meta of the nested object: the field's own type (object), its values (map), its items (list). */
  elem?: PatchMeta;
}
