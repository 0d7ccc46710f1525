// How a built-in (or custom) resource is described to the API server: its names and
// scope (from the schema data), and its behaviour (a small "strategy" module per resource,
// as upstream calls it). One ResourceDefinition per served resource.

import type { FieldError } from './errors.ts';

export interface TableColumn {
  name: string;
  /** OpenAPI type: string, integer, number, boolean, date. */
  type: string;
  format?: string;
  description?: string;
  /** 0 shown always, >= 1 only with `-o wide`. */
  priority?: number;
}

export interface TableSpec {
  columns: TableColumn[];
  /** One cell per column, the first being the name. `now` makes ages testable. */
  row(obj: any, now: Date): unknown[];
}

export interface ScaleSpec {
  specReplicasPath: string; // e.g. 'spec.replicas'
  statusReplicasPath: string; // e.g. 'status.replicas'
  /** The label selector as a string (`a=b,c in (d)`), for Scale.status.selector. */
  selector(obj: any): string;
}

export interface ResourceStrategy {
  /** Set defaults not expressed as schema markers (runs on create and update, after schema defaults). */
  defaults?(obj: any): void;
  /** On create, before validation: e.g. clear status, initialise server-owned fields. */
  prepareForCreate?(obj: any): void;
  /** On update through the main endpoint: e.g. keep `status` from the old object. */
  prepareForUpdate?(obj: any, old: any): void;
  validate?(obj: any): FieldError[];
  /** Extra checks on update: immutable fields and transitions. */
  validateUpdate?(obj: any, old: any): FieldError[];
  /** On update through `/status`: keep everything but status from the old object. */
  prepareForStatusUpdate?(obj: any, old: any): void;
  validateStatusUpdate?(obj: any, old: any): FieldError[];
  /**
   * Graceful deletion (upstream's CheckGracefulDelete): the seconds a DELETE waits before the
   * object goes, given the requested grace period. Absent: deleted at once.
   */
  gracePeriod?(obj: any, requested: number | undefined): number;
  /** Table columns for `kubectl get` (besides the default NAME/AGE when absent). */
  table?: TableSpec;
  /**
   * Field selectors besides metadata.name and metadata.namespace (which every resource has):
   * field path → the object's value for it as a string.
   */
  fieldSelectors?: Record<string, (obj: any) => string | undefined>;
}

export interface ResourceDefinition {
  group: string; // '' for core
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower case: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to all of create, delete, deletecollection, get, list, patch, update, watch. */
  verbs?: string[];
  /** Schema type name of the object, e.g. `io.k8s.api.core.v1.Pod`. */
  typeName: string;
  /** Subresources served, e.g. ['status', 'scale'] or ['binding', 'eviction', 'log', 'exec']. */
  subresources: string[];
  scale?: ScaleSpec;
  /** DELETE answers with the deleted object rather than a Status (upstream: pods). */
  returnDeletedObject?: boolean;
  /** Tracks metadata.generation, bumped when anything but metadata and status changes. */
  hasGeneration?: boolean;
  strategy: ResourceStrategy;
  /** How objects are kept when not simply under the resource's own keys. */
  storage?: ResourceStorage;
}

/**
 * Where and how a resource's objects are stored (upstream: a REST storage shared with another
 * resource through a conversion, and per-resource TTLs). Objects live under the keys of
 * `group`/`resource`; `toStorage` and `fromStorage` convert between this resource's shape and
 * the stored one.
 */
export interface ResourceStorage {
  group: string;
  resource: string;
  toStorage?(obj: any): any;
  fromStorage?(obj: any): any;
  /** Every create and update expires this long after the write (events: --event-ttl). */
  ttlSeconds?: number;
}

export const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function groupVersion(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
