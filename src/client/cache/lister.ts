// A read-only view of an informer's cache, as controllers use it: by name, by namespace,
// by labels. Objects are shared with the cache: never mutate them, copy first.

import { NAMESPACE_INDEX, type Indexer, type MetaObject } from './indexer.ts';

export type LabelMatcher = Record<string, string> | ((labels: Record<string, string>) => boolean);

interface Labeled extends MetaObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

function matchesLabels(obj: Labeled, selector: LabelMatcher | undefined): boolean {
  if (!selector) return true;
  const labels = obj.metadata?.labels ?? {};
  if (typeof selector === 'function') return selector(labels);
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export class Lister<T extends Labeled> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Every cached object (all namespaces) that matches the selector. */
  list(selector?: LabelMatcher): T[] {
    return this.indexer.list().filter((o) => matchesLabels(o, selector));
  }

  /** A cluster-scoped object by name. */
  get(name: string): T | undefined {
    return this.indexer.getByKey(name);
  }

  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

export class NamespaceLister<T extends Labeled> {
  constructor(
    private readonly indexer: Indexer<T>,
    private readonly ns: string,
  ) {}

  list(selector?: LabelMatcher): T[] {
    const inNamespace = this.indexer.hasIndex(NAMESPACE_INDEX)
      ? this.indexer.byIndex(NAMESPACE_INDEX, this.ns)
      : this.indexer.list().filter((o) => (o.metadata?.namespace ?? '') === this.ns);
    return inNamespace.filter((o) => matchesLabels(o, selector));
  }

  get(name: string): T | undefined {
    return this.indexer.getByKey(`${this.ns}/${name}`);
  }
}
