// A read-only view of an informer's cache, as controllers use it: by name, by namespace,
// by labels. Objects are shared with the cache: never mutate them, copy first.

import { matches, parseLabelSelector, type LabelSelector } from '../../api/labels.ts';
import { NAMESPACE_INDEX, type Indexer, type MetaObject } from './indexer.ts';

/**
 * Which objects to list: a parsed selector (`labelSelectorFromObject(deployment.spec.selector)`),
 * selector text (`app=web,tier in (a,b)`), a map of required labels, or a predicate.
 */
export type LabelMatcher = LabelSelector | string | Record<string, string> | ((labels: Record<string, string>) => boolean);

interface Labeled extends MetaObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

function isParsedSelector(m: LabelMatcher): m is LabelSelector {
  return typeof m === 'object' && Array.isArray((m as LabelSelector).requirements);
}

function compile(selector: LabelMatcher | undefined): (obj: Labeled) => boolean {
  if (selector === undefined) return () => true;
  if (typeof selector === 'function') return (o) => selector(o.metadata?.labels ?? {});
  if (typeof selector === 'string') {
    const parsed = parseLabelSelector(selector);
    return (o) => matches(parsed, o.metadata?.labels);
  }
  if (isParsedSelector(selector)) return (o) => matches(selector, o.metadata?.labels);
  const required = Object.entries(selector);
  return (o) => {
    const labels = o.metadata?.labels ?? {};
    return required.every(([k, v]) => labels[k] === v);
  };
}

export class Lister<T extends Labeled> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** Every cached object (all namespaces) that matches the selector. */
  list(selector?: LabelMatcher): T[] {
    return this.indexer.list().filter(compile(selector));
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
    return inNamespace.filter(compile(selector));
  }

  get(name: string): T | undefined {
    return this.indexer.getByKey(`${this.ns}/${name}`);
  }
}
