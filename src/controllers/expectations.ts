// Upstream's ControllerExpectations: after a controller asks for N creations or deletions,
// it does not act on that owner again until the informer has shown them all (or the record
// has expired), so a slow watch never causes a second round of creations.

/** Upstream's ExpectationsTimeout: a record older than this counts as satisfied. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Record {
  add: number;
  del: number;
  at: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** True when nothing is outstanding for the key (or nothing was ever expected, or it expired). */
  satisfiedExpectations(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.add <= 0 && r.del <= 0) return true;
    return Date.now() - r.at > this.timeoutMs;
  }

  setExpectations(key: string, add: number, del: number): void {
    this.records.set(key, { add, del, at: Date.now() });
  }

  expectCreations(key: string, adds: number): void {
    this.setExpectations(key, adds, 0);
  }

  expectDeletions(key: string, dels: number): void {
    this.setExpectations(key, 0, dels);
  }

  creationObserved(key: string): void {
    this.lower(key, 1, 0);
  }

  deletionObserved(key: string): void {
    this.lower(key, 0, 1);
  }

  lowerExpectations(key: string, add: number, del: number): void {
    this.lower(key, add, del);
  }

  deleteExpectations(key: string): void {
    this.records.delete(key);
  }

  /** For tests and debugging. */
  get(key: string): { add: number; del: number } | undefined {
    const r = this.records.get(key);
    return r ? { add: r.add, del: r.del } : undefined;
  }

  private lower(key: string, add: number, del: number): void {
    const r = this.records.get(key);
    if (!r) return;
    r.add -= add;
    r.del -= del;
  }
}

/**
 * Deletions tracked by pod key (upstream's UIDTrackingControllerExpectations): a deletion is
 * observed once per pod, however many delete events (update with deletionTimestamp, then the
 * delete itself) the informer delivers.
 */
export class UIDTrackingExpectations extends ControllerExpectations {
  private readonly pending = new Map<string, Set<string>>();

  expectPodDeletions(key: string, podKeys: string[]): void {
    this.pending.set(key, new Set(podKeys));
    this.expectDeletions(key, podKeys.length);
  }

  /** A pod went away (or started terminating); counts only if it was one we deleted. */
  podDeletionObserved(key: string, podKey: string): void {
    const set = this.pending.get(key);
    if (set?.delete(podKey)) this.deletionObserved(key);
  }

  override deleteExpectations(key: string): void {
    super.deleteExpectations(key);
    this.pending.delete(key);
  }
}
