// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: one
// holder at a time; the holder renews every retryPeriod and gives up if it cannot renew
// within renewDeadline; others take over once leaseDuration has passed (by their own clock)
// without the lease changing. On stop the holder releases the lease so a successor need not
// wait.

import { isStatusError } from '../api/errors.ts';
import { nowMicroTime } from '../api/meta.ts';
import { sleepUnlessAborted } from './backoff.ts';
import type { RestClient } from './rest-client.ts';
import { resources } from './resources.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaderElectionConfig {
  client: RestClient;
  namespace: string;
  /** The Lease's name, e.g. `kube-scheduler`. */
  name: string;
  /** Unique per candidate, e.g. `<hostname>_<uuid>`. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Give the lease up on stop (default true). */
  releaseOnCancel?: boolean;
  /** Called on becoming leader; the signal aborts when leadership ends. */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called when run() ends, whether or not this candidate led (as upstream). */
  onStoppedLeading?: () => void;
  /** Called when the observed holder changes (including to ourselves). */
  onNewLeader?: (identity: string) => void;
  onError?: (err: unknown) => void;
}

const JITTER_FACTOR = 1.2;

export class LeaderElector {
  private readonly cfg: Required<Pick<LeaderElectionConfig, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'releaseOnCancel'>> & LeaderElectionConfig;
  private readonly stopSignal = new AbortController();
  private observed: LeaseSpec = {};
  private observedRV: string | undefined;
  private observedAt = 0;
  private leading: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(cfg: LeaderElectionConfig) {
    this.cfg = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      releaseOnCancel: true,
      ...cfg,
    };
    const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = this.cfg;
    if (leaseDurationMs <= renewDeadlineMs) throw new Error('leaseDuration must be greater than renewDeadline');
    if (renewDeadlineMs <= JITTER_FACTOR * retryPeriodMs) throw new Error('renewDeadline must be greater than retryPeriod*JitterFactor');
    if (retryPeriodMs < 1) throw new Error('retryPeriod must be positive');
    if (!cfg.identity) throw new Error('leader election requires an identity');
  }

  isLeader(): boolean {
    return this.observed.holderIdentity === this.cfg.identity && this.leading !== undefined && !this.leading.signal.aborted;
  }

  /** The holder last seen on the lease ('' if none). */
  getLeader(): string {
    return this.observed.holderIdentity ?? '';
  }

  /** Campaigns until leading, leads until the lease is lost or stop() is called, then returns. */
  run(): Promise<void> {
    this.running ??= this.campaign();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopSignal.signal.aborted;
  }

  private async campaign(): Promise<void> {
    try {
      if (!(await this.acquire())) return;
      const leading = new AbortController();
      this.leading = leading;
      void Promise.resolve()
        .then(() => this.cfg.onStartedLeading(leading.signal))
        .catch((err) => this.report(err));
      await this.renew();
      leading.abort();
      if (this.cfg.releaseOnCancel) await this.release();
    } finally {
      this.leading?.abort();
      try {
        this.cfg.onStoppedLeading?.();
      } catch (err) {
        this.report(err);
      }
    }
  }

  private async acquire(): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) return true;
      await sleepUnlessAborted(this.cfg.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR), this.stopSignal.signal);
    }
    return false;
  }

  /** Renews every retryPeriod; returns when a renewal did not succeed within renewDeadline, or on stop. */
  private async renew(): Promise<void> {
    while (!this.stopped) {
      const deadline = performance.now() + this.cfg.renewDeadlineMs;
      let renewed = false;
      while (!this.stopped && performance.now() < deadline) {
        const left = deadline - performance.now();
        if (await this.tryAcquireOrRenew(AbortSignal.timeout(Math.max(1, Math.ceil(left))))) {
          renewed = true;
          break;
        }
        await sleepUnlessAborted(Math.min(this.cfg.retryPeriodMs, Math.max(0, deadline - performance.now())), this.stopSignal.signal);
      }
      if (this.stopped) return;
      if (!renewed) {
        this.report(new Error(`failed to renew lease ${this.cfg.namespace}/${this.cfg.name}: timed out`));
        return;
      }
      await sleepUnlessAborted(this.cfg.retryPeriodMs, this.stopSignal.signal);
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal = AbortSignal.timeout(this.cfg.renewDeadlineMs)): Promise<boolean> {
    const now = new Date();
    const desired: LeaseSpec = {
      holderIdentity: this.cfg.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.cfg.leaseDurationMs / 1000)),
      acquireTime: nowMicroTime(now),
      renewTime: nowMicroTime(now),
      leaseTransitions: 0,
    };
    let current: Lease;
    try {
      current = await this.cfg.client.get<Lease>(resources.leases, this.cfg.name, { namespace: this.cfg.namespace, signal });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) {
        this.report(err);
        return false;
      }
      try {
        const created = await this.cfg.client.create<Lease>(
          resources.leases,
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.cfg.name, namespace: this.cfg.namespace }, spec: desired },
          { namespace: this.cfg.namespace, signal },
        );
        this.observe(created);
        return true;
      } catch (createErr) {
        if (!isStatusError(createErr, 'AlreadyExists')) this.report(createErr);
        return false;
      }
    }

    const spec = current.spec ?? {};
    if (current.metadata.resourceVersion !== this.observedRV) this.observe(current);
    const heldByOther = !!spec.holderIdentity && spec.holderIdentity !== this.cfg.identity;
    const leaseMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    if (heldByOther && this.observedAt + leaseMs > performance.now()) return false;

    if (spec.holderIdentity === this.cfg.identity) {
      desired.acquireTime = spec.acquireTime ?? desired.acquireTime;
      desired.leaseTransitions = spec.leaseTransitions ?? 0;
    } else {
      desired.leaseTransitions = (spec.leaseTransitions ?? 0) + 1;
    }
    try {
      const updated = await this.cfg.client.update<Lease>(resources.leases, { ...current, spec: { ...spec, ...desired } }, { namespace: this.cfg.namespace, signal });
      this.observe(updated);
      return true;
    } catch (err) {
      if (!isStatusError(err, 'Conflict')) this.report(err);
      return false;
    }
  }

  /** Upstream's release: empty holder, one-second duration, so others take over at once. */
  private async release(): Promise<void> {
    if (this.observed.holderIdentity !== this.cfg.identity) return;
    try {
      const current = await this.cfg.client.get<Lease>(resources.leases, this.cfg.name, { namespace: this.cfg.namespace, signal: AbortSignal.timeout(this.cfg.renewDeadlineMs) });
      if (current.spec?.holderIdentity !== this.cfg.identity) return;
      const now = nowMicroTime();
      const released = await this.cfg.client.update<Lease>(
        resources.leases,
        { ...current, spec: { holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: current.spec?.leaseTransitions ?? 0 } },
        { namespace: this.cfg.namespace, signal: AbortSignal.timeout(this.cfg.renewDeadlineMs) },
      );
      this.observe(released);
    } catch (err) {
      this.report(err);
    }
  }

  private observe(lease: Lease): void {
    const before = this.observed.holderIdentity ?? '';
    this.observed = { ...(lease.spec ?? {}) };
    this.observedRV = lease.metadata.resourceVersion;
    this.observedAt = performance.now();
    const after = this.observed.holderIdentity ?? '';
    if (after !== before && after) {
      try {
        this.cfg.onNewLeader?.(after);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private report(err: unknown): void {
    if (this.cfg.onError) this.cfg.onError(err);
    else console.warn(`leader election ${this.cfg.namespace}/${this.cfg.name}: ${(err as Error)?.message ?? err}`);
  }
}
