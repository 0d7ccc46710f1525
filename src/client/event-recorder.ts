// Records core/v1 Events about objects, as components report what they did ("Scheduled",
// "Pulled", "FailedCreate"…). Repeats of the same event (object, type, reason, message)
// become a PATCH of count and lastTimestamp on the first one. Recording never throws into
// the caller and never blocks it: events go through a bounded queue, rate-limited per object.

import { isStatusError } from '../api/errors.ts';
import { nowRfc3339 } from '../api/meta.ts';
import { TokenBucket } from './rate-limiter.ts';
import type { RestClient } from './rest-client.ts';
import { resources } from './resources.ts';

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

export type EventType = 'Normal' | 'Warning';

export interface CoreEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  type: EventType;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

/** An object with metadata (and kind/apiVersion), or a reference to one. */
export type EventSubject =
  | ObjectReference
  | { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string } };

export interface EventRecorderOptions {
  client: RestClient;
  /** `source.component` and `reportingComponent`, e.g. `default-scheduler`, `kubelet`. */
  component: string;
  /** `source.host` and `reportingInstance`, e.g. the node name. */
  host?: string;
  /** Events queued beyond this are dropped (upstream: 1000). */
  maxQueued?: number;
  /** Per-object token bucket (upstream: burst 25, one more every 5 minutes). */
  perObjectBurst?: number;
  perObjectQps?: number;
  onError?: (err: unknown, event: CoreEvent) => void;
}

const MAX_MESSAGE_LENGTH = 1024;
const MAX_CACHED_EVENTS = 4096;

interface CachedEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

export function referenceOf(subject: EventSubject): ObjectReference {
  if ('metadata' in subject && subject.metadata) {
    const m = subject.metadata;
    const ref: ObjectReference = { kind: subject.kind, apiVersion: subject.apiVersion, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion };
    for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined) delete ref[k];
    return ref;
  }
  return { ...(subject as ObjectReference) };
}

export class EventRecorder {
  private readonly opts: EventRecorderOptions;
  private readonly queue: CoreEvent[] = [];
  private readonly cache = new Map<string, CachedEvent>(); // insertion order = LRU order
  private readonly spam = new Map<string, TokenBucket>();
  private draining: Promise<void> | undefined;
  private stopped = false;
  /** Counts for tests and metrics. */
  readonly stats = { created: 0, patched: 0, dropped: 0, failed: 0 };

  constructor(opts: EventRecorderOptions) {
    this.opts = opts;
  }

  /** Queues an event; returns at once and never throws. */
  event(subject: EventSubject, type: EventType, reason: string, message: string): void {
    try {
      if (this.stopped) return;
      const ref = referenceOf(subject);
      if (!ref.name) return;
      if (!this.allow(ref)) {
        this.stats.dropped++;
        return;
      }
      if (this.queue.length >= (this.opts.maxQueued ?? 1000)) {
        this.stats.dropped++;
        return;
      }
      const now = nowRfc3339();
      const text = message.length > MAX_MESSAGE_LENGTH ? message.slice(0, MAX_MESSAGE_LENGTH - 3) + '...' : message;
      this.queue.push({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${ref.name}.${eventNameSuffix()}`, namespace: ref.namespace || 'default' },
        involvedObject: ref,
        reason,
        message: text,
        type,
        source: this.opts.host ? { component: this.opts.component, host: this.opts.host } : { component: this.opts.component },
        reportingComponent: this.opts.component,
        reportingInstance: this.opts.host ?? '',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
      this.draining ??= this.drain();
    } catch {
      // recording an event must never break the caller
    }
  }

  /** Resolves once every queued event has been written (or given up on). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  private allow(ref: ObjectReference): boolean {
    const key = [this.opts.component, this.opts.host, ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion].join('\u0000');
    let bucket = this.spam.get(key);
    if (!bucket) {
      if (this.spam.size >= MAX_CACHED_EVENTS) this.spam.delete(this.spam.keys().next().value!);
      bucket = new TokenBucket(this.opts.perObjectQps ?? 1 / 300, this.opts.perObjectBurst ?? 25);
      this.spam.set(key, bucket);
    }
    return bucket.tryTake();
  }

  private async drain(): Promise<void> {
    try {
      for (let ev = this.queue.shift(); ev; ev = this.queue.shift()) {
        try {
          await this.write(ev);
        } catch (err) {
          this.stats.failed++;
          if (this.opts.onError) this.opts.onError(err, ev);
          else console.warn(`event ${ev.reason} for ${ev.involvedObject.kind}/${ev.involvedObject.name} not recorded: ${(err as Error)?.message ?? err}`);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async write(ev: CoreEvent): Promise<void> {
    const ref = ev.involvedObject;
    const key = [ev.source.component, ev.source.host, ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, ev.type, ev.reason, ev.message].join('\u0000');
    const seen = this.cache.get(key);
    if (seen) {
      this.cache.delete(key);
      const count = seen.count + 1;
      const updated: CoreEvent = { ...ev, metadata: { name: seen.name, namespace: seen.namespace }, count, firstTimestamp: seen.firstTimestamp };
      this.remember(key, { ...seen, count });
      try {
        await this.opts.client.patch(resources.events, seen.name, 'strategic', { count, lastTimestamp: ev.lastTimestamp, message: ev.message }, { namespace: seen.namespace });
        this.stats.patched++;
        return;
      } catch (err) {
        if (!isStatusError(err, 'NotFound')) throw err;
        // The first event expired (events live an hour): write the aggregate afresh.
        await this.create(updated);
        return;
      }
    }
    await this.create(ev);
    this.remember(key, { name: ev.metadata.name, namespace: ev.metadata.namespace, count: ev.count, firstTimestamp: ev.firstTimestamp });
  }

  private async create(ev: CoreEvent): Promise<void> {
    try {
      await this.opts.client.create(resources.events, ev, { namespace: ev.metadata.namespace });
      this.stats.created++;
    } catch (err) {
      // A namespace being deleted refuses new events: nothing to do about it.
      if (isStatusError(err, 'AlreadyExists') || isStatusError(err, 'Forbidden')) return;
      throw err;
    }
  }

  private remember(key: string, entry: CachedEvent): void {
    this.cache.set(key, entry);
    if (this.cache.size > MAX_CACHED_EVENTS) this.cache.delete(this.cache.keys().next().value!);
  }
}

// Upstream names events `<object>.<unix nanoseconds in hex>`.
let lastSuffix = 0n;
function eventNameSuffix(): string {
  let ns = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (ns <= lastSuffix) ns = lastSuffix + 1n;
  lastSuffix = ns;
  return ns.toString(16);
}
