// The TTL-after-finished controller (upstream's "ttl-after-finished-controller"): deletes a
// Job `ttlSecondsAfterFinished` seconds after it finished (Complete or Failed), with
// foreground propagation so its pods go first. Before deleting, it reads the Job from the
// API server again, because the cache may be stale and someone may have changed the TTL.

import { isStatusError } from '../api/errors.ts';
import type { Job } from '../api/types/batch-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { QueueController, RequeueAfter, type ControllerConfig } from './controller-utils.ts';

export interface TtlAfterFinishedConfig extends ControllerConfig {
  /** The clock (tests inject one). */
  now?: () => Date;
}

/** Timers beyond this are re-armed later (setTimeout cannot wait weeks). */
const MAX_WAIT_MS = 3_600_000;

export class TtlAfterFinishedController extends QueueController {
  readonly name = 'ttl-after-finished-controller';
  private readonly jobs: SharedIndexInformer<Job>;
  private readonly now: () => Date;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    _recorder: EventRecorder,
    config: TtlAfterFinishedConfig = {},
  ) {
    super();
    this.now = config.now ?? (() => new Date());
    this.jobs = informers.informerFor<Job>(resources.jobs);
    this.waitFor(this.jobs);
    const consider = (job: Job) => {
      if (needsCleanup(job)) this.enqueue(job);
    };
    this.jobs.addEventHandler({ onAdd: consider, onUpdate: (_old, job) => consider(job) });
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const cached = this.jobs.lister().namespace(namespace).get(name);
    if (!cached || !needsCleanup(cached)) return;
    const left = this.timeLeft(cached);
    if (left > 0) return new RequeueAfter(Math.min(left, MAX_WAIT_MS));

    // The cache said it expired: confirm with the live object before deleting.
    let fresh: Job;
    try {
      fresh = await this.client.get<Job>(resources.jobs, name, { namespace });
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      throw err;
    }
    if (!needsCleanup(fresh)) return;
    const freshLeft = this.timeLeft(fresh);
    if (freshLeft > 0) return new RequeueAfter(Math.min(freshLeft, MAX_WAIT_MS));
    try {
      await this.client.delete(resources.jobs, name, {
        namespace,
        propagationPolicy: 'Foreground',
        preconditions: { uid: fresh.metadata?.uid, resourceVersion: fresh.metadata?.resourceVersion },
      });
    } catch (err) {
      if (!isStatusError(err, 'NotFound')) throw err;
    }
  }

  /** Milliseconds until the Job expires (≤ 0: expired). */
  private timeLeft(job: Job): number {
    const finishedAt = finishTime(job);
    if (finishedAt === undefined) return Infinity;
    return finishedAt + (job.spec?.ttlSecondsAfterFinished ?? 0) * 1000 - this.now().getTime();
  }
}

function needsCleanup(job: Job): boolean {
  return job.spec?.ttlSecondsAfterFinished !== undefined && job.spec?.ttlSecondsAfterFinished !== null && !job.metadata?.deletionTimestamp && finishTime(job) !== undefined;
}

/** When the Job finished: its Complete or Failed condition's transition time. */
function finishTime(job: Job): number | undefined {
  const c = job.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const t = Date.parse(c.lastTransitionTime ?? job.status?.completionTime ?? '');
  return Number.isNaN(t) ? undefined : t;
}
