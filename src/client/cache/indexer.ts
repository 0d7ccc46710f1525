// An indexed cache of objects keyed `namespace/name` (or `name` when cluster-scoped).

import { DeletedFinalStateUnknown } from './deleted-final-state-unknown.ts';
import { ThreadSafeStore, type Indexers } from './thread-safe-store.ts';

export interface MetaObject {
  metadata?: { name?: string; namespace?: string };
}

export type KeyFunc<T> = (obj: T | DeletedFinalStateUnknown<T>) => string;

/** Upstream's MetaNamespaceKeyFunc (deletion-aware): `ns/name`, or `name` when cluster-scoped. */
export function metaNamespaceKeyFunc<T extends MetaObject>(obj: T | DeletedFinalStateUnknown<T>): string {
  if (obj instanceof DeletedFinalStateUnknown) return obj.key;
  const meta = obj.metadata;
  if (!meta?.name) throw new Error('object has no metadata.name');
  return meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name;
}

export function splitMetaNamespaceKey(key: string): { namespace?: string; name: string } {
  const parts = key.split('/');
  if (parts.length === 1) return { name: parts[0] };
  if (parts.length === 2) return { namespace: parts[0], name: parts[1] };
  throw new Error(`unexpected key format: "${key}"`);
}

export const NAMESPACE_INDEX = 'namespace';

export function metaNamespaceIndexFunc(obj: MetaObject): string[] {
  return [obj.metadata?.namespace ?? ''];
}

export class Indexer<T extends MetaObject> {
  private readonly store: ThreadSafeStore<T>;

  constructor(
    readonly keyFunc: KeyFunc<T> = metaNamespaceKeyFunc,
    indexers: Indexers<T> = { [NAMESPACE_INDEX]: metaNamespaceIndexFunc },
  ) {
    this.store = new ThreadSafeStore<T>(indexers);
  }

  add(obj: T): void {
    this.store.add(this.keyFunc(obj), obj);
  }

  update(obj: T): void {
    this.store.update(this.keyFunc(obj), obj);
  }

  delete(obj: T | DeletedFinalStateUnknown<T>): void {
    this.store.delete(this.keyFunc(obj));
  }

  get(obj: T): T | undefined {
    return this.store.get(this.keyFunc(obj));
  }

  getByKey(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return this.store.list();
  }

  listKeys(): string[] {
    return this.store.listKeys();
  }

  get size(): number {
    return this.store.size;
  }

  replace(items: T[]): void {
    this.store.replace(new Map(items.map((o) => [this.keyFunc(o), o])));
  }

  addIndexers(indexers: Indexers<T>): void {
    this.store.addIndexers(indexers);
  }

  hasIndex(indexName: string): boolean {
    return this.store.hasIndex(indexName);
  }

  index(indexName: string, obj: T): T[] {
    return this.store.index(indexName, obj);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.store.byIndex(indexName, value);
  }

  indexKeys(indexName: string, value: string): string[] {
    return this.store.indexKeys(indexName, value);
  }

  listIndexFuncValues(indexName: string): string[] {
    return this.store.listIndexFuncValues(indexName);
  }
}
