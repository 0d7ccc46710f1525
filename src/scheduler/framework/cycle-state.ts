// Per-pod scheduling-cycle storage that plugins share between their extension points
// (e.g. PreFilter computes, Filter reads). Values with a clone() are copied by clone(),
// which preemption uses to simulate removing pods without disturbing the real cycle.

export interface StateData {
  clone(): StateData;
}

export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Set by the runtime: plugins that PreScore skipped, whose Score is not run. */
  skipScorePlugins = new Set<string>();
  skipFilterPlugins = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  delete(key: string): void {
    this.data.delete(key);
  }

  clone(): CycleState {
    const copy = new CycleState();
    for (const [k, v] of this.data) {
      const c = v as Partial<StateData> | undefined;
      copy.data.set(k, c && typeof c.clone === 'function' ? c.clone() : v);
    }
    copy.skipScorePlugins = new Set(this.skipScorePlugins);
    copy.skipFilterPlugins = new Set(this.skipFilterPlugins);
    return copy;
  }
}
