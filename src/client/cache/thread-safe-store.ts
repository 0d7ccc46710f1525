// The cache behind every informer: objects by key, plus indices (index name → value → keys)
// kept up to date on every write. ("Thread-safe" in upstream; here it is the one place that
// mutates the cache, so readers always see a consistent map and indices.)

export type IndexFunc<T> = (obj: T) => string[];
export type Indexers<T> = Record<string, IndexFunc<T>>;

export class ThreadSafeStore<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers: Indexers<T> = {};
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Indexers<T> = {}) {
    this.addIndexers(indexers);
  }

  add(key: string, obj: T): void {
    this.update(key, obj);
  }

  update(key: string, obj: T): void {
    const old = this.items.get(key);
    this.items.set(key, obj);
    this.updateIndices(old, obj, key);
  }

  delete(key: string): void {
    const old = this.items.get(key);
    if (old === undefined) return;
    this.items.delete(key);
    this.updateIndices(old, undefined, key);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  has(key: string): boolean {
    return this.items.has(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Swaps the whole content and rebuilds the indices. */
  replace(items: Map<string, T>): void {
    this.items.clear();
    for (const [k, v] of items) this.items.set(k, v);
    for (const name of Object.keys(this.indexers)) this.rebuildIndex(name);
  }

  addIndexers(indexers: Indexers<T>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers[name]) throw new Error(`indexer conflict: ${name}`);
      this.indexers[name] = fn;
      this.rebuildIndex(name);
    }
  }

  /** Objects that share any value of index `indexName` with `obj`. */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexFunc(indexName);
    const keys = new Set<string>();
    for (const value of fn(obj)) for (const k of this.indices.get(indexName)?.get(value) ?? []) keys.add(k);
    return [...keys].map((k) => this.items.get(k)!);
  }

  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((k) => this.items.get(k)!);
  }

  indexKeys(indexName: string, value: string): string[] {
    this.indexFunc(indexName);
    return [...(this.indices.get(indexName)?.get(value) ?? [])];
  }

  listIndexFuncValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }

  hasIndex(indexName: string): boolean {
    return indexName in this.indexers;
  }

  private indexFunc(indexName: string): IndexFunc<T> {
    const fn = this.indexers[indexName];
    if (!fn) throw new Error(`index with name ${indexName} does not exist`);
    return fn;
  }

  private rebuildIndex(name: string): void {
    const index = new Map<string, Set<string>>();
    this.indices.set(name, index);
    const fn = this.indexers[name];
    for (const [key, obj] of this.items) for (const v of fn(obj)) addToIndex(index, v, key);
  }

  private updateIndices(old: T | undefined, next: T | undefined, key: string): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indices.get(name)!;
      const oldValues = old === undefined ? [] : fn(old);
      const newValues = next === undefined ? [] : fn(next);
      for (const v of oldValues) if (!newValues.includes(v)) removeFromIndex(index, v, key);
      for (const v of newValues) addToIndex(index, v, key);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFromIndex(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(value);
}
