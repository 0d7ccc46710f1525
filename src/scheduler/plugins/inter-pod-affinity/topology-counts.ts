// Counts per topology pair (topologyKey = value), kept as topologyKey → value → count: a
// node's pairs are then found through its labels' values for the few keys counted, with no
// "key=value" string built per node per pod.

export class TopologyCounts {
  private readonly byKey = new Map<string, Map<string, number>>();
  private pairs = 0;

  /** Pairs with a non-zero count. */
  get size(): number {
    return this.pairs;
  }

  add(topologyKey: string, value: string, n: number): void {
    let values = this.byKey.get(topologyKey);
    if (!values) this.byKey.set(topologyKey, (values = new Map()));
    const before = values.get(value) ?? 0;
    const after = before + n;
    if (after === 0) values.delete(value);
    else values.set(value, after);
    if (before === 0 && after !== 0) this.pairs++;
    else if (before !== 0 && after === 0) this.pairs--;
  }

  get(topologyKey: string, value: string): number {
    return this.byKey.get(topologyKey)?.get(value) ?? 0;
  }

  /** The sum of the counts of the node's pairs. */
  sumFor(labels: Record<string, string> | undefined): number {
    if (!labels) return 0;
    let total = 0;
    for (const [key, values] of this.byKey) {
      const v = labels[key];
      if (v !== undefined) total += values.get(v) ?? 0;
    }
    return total;
  }

  /** Does one of the node's pairs have a positive count? */
  anyPositiveFor(labels: Record<string, string> | undefined): boolean {
    if (!labels) return false;
    for (const [key, values] of this.byKey) {
      const v = labels[key];
      if (v !== undefined && (values.get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [key, values] of this.byKey) c.byKey.set(key, new Map(values));
    c.pairs = this.pairs;
    return c;
  }
}
