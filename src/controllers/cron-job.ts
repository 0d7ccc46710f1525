// The CronJob controller (upstream's "cronjob-controller", the v2 one): creates a Job for each
// scheduled time, named `<cronjob>-<scheduled time in minutes since the epoch>` so a time is
// never run twice. Each sync of a CronJob:
//  1. reconciles status.active with the Jobs it controls (finished ones leave the list,
//     lastSuccessfulTime follows the last success, vanished ones are dropped);
//  2. deletes finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit;
//  3. unless suspended, finds the most recent unmet scheduled time (bounded by
//     startingDeadlineSeconds, as upstream counts missed runs) and, as concurrencyPolicy says
//     (Allow / Forbid / Replace), creates its Job;
//  4. requeues itself for the next scheduled time.
// The schedule evaluator below is robfig/cron's (which upstream uses): five fields or a
// descriptor, day-of-month and day-of-week OR-ed unless either starts with `*`, evaluated
// on the wall clock of spec.timeZone (the controller's local zone when unset).

import { isStatusError } from '../api/errors.ts';
import { nowRfc3339 } from '../api/meta.ts';
import type { CronJob, Job } from '../api/types/batch-v1.ts';
import type { ObjectReference } from '../api/types/core-v1.ts';
import { cronScheduleError } from '../api/validation/cron.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import { canonicalJson, controllerRefOf, newControllerRef, objectOf, QueueController, RequeueAfter, type ControllerConfig } from './controller-utils.ts';

export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export interface CronJobControllerConfig extends ControllerConfig {
  /** The clock (tests inject one). */
  now?: () => Date;
}

/** Upstream warns when more than this many start times were missed. */
const TOO_MANY_MISSED = 100;
const MAX_WAIT_MS = 3_600_000;

export class CronJobController extends QueueController {
  readonly name = 'cronjob-controller';
  private readonly cronJobs: SharedIndexInformer<CronJob>;
  private readonly jobs: SharedIndexInformer<Job>;
  private readonly now: () => Date;

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    config: CronJobControllerConfig = {},
  ) {
    super();
    this.now = config.now ?? (() => new Date());
    this.cronJobs = informers.informerFor<CronJob>(resources.cronjobs);
    this.jobs = informers.informerFor<Job>(resources.jobs);
    this.waitFor(this.cronJobs, this.jobs);
    this.cronJobs.addEventHandler({
      onAdd: (cj) => this.enqueue(cj),
      onUpdate: (_old, cj) => this.enqueue(cj),
      onDelete: (cj) => this.enqueue(cj),
    });
    const jobChanged = (obj: Job | DeletedFinalStateUnknown<Job>) => {
      const job = objectOf(obj);
      const ref = controllerRefOf(job);
      if (ref?.kind === 'CronJob' && ref.apiVersion === 'batch/v1') this.queue.add(`${job.metadata?.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({ onAdd: jobChanged, onUpdate: (_old, job) => jobChanged(job), onDelete: jobChanged });
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const cached = this.cronJobs.lister().namespace(namespace).get(name);
    if (!cached) return;
    const cj = structuredClone(cached);
    const status = (cj.status ??= {});
    const now = this.now();

    // 1. Reconcile the active list with the Jobs this CronJob controls.
    const children = this.jobs
      .lister()
      .namespace(namespace)
      .list()
      .filter((j) => controllerRefOf(j)?.uid === cj.metadata?.uid);
    const childUids = new Set(children.map((j) => j.metadata?.uid));
    for (const job of children) {
      const uid = job.metadata?.uid;
      const active = (status.active ?? []).some((r) => r.uid === uid);
      const finished = finishedCondition(job);
      if (!active && !finished) {
        this.recorder.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata?.name}`);
      } else if (active && finished) {
        status.active = (status.active ?? []).filter((r) => r.uid !== uid);
        this.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata?.name}, condition: ${finished}`);
      }
      if (finished === 'Complete' && job.status?.completionTime) {
        if (!status.lastSuccessfulTime || Date.parse(job.status.completionTime) > Date.parse(status.lastSuccessfulTime)) {
          status.lastSuccessfulTime = job.status.completionTime;
        }
      }
    }
    for (const ref of [...(status.active ?? [])]) {
      if (childUids.has(ref.uid)) continue;
      if (await this.jobExists(namespace, ref)) continue;
      this.recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
      status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
    }

    // 2. History limits.
    await this.cleanupFinishedJobs(cj, children);

    const result = await this.schedule(cj, now);
    if (!cj.metadata?.deletionTimestamp && canonicalJson(cj.status) !== canonicalJson(cached.status ?? {})) {
      await this.client.update<CronJob>(resources.cronjobs, cj, { subresource: 'status' });
    }
    return result;
  }

  /** Steps 3 and 4: maybe start a Job (mutating cj.status); answers when to look again. */
  private async schedule(cj: CronJob, now: Date): Promise<RequeueAfter | undefined> {
    const spec = cj.spec!;
    const status = cj.status!;
    if (cj.metadata?.deletionTimestamp) return undefined;
    const zone = spec.timeZone ?? localTimeZone();
    if (!isValidTimeZone(zone)) {
      this.recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(spec.timeZone)}: unknown time zone ${spec.timeZone}`);
      return undefined;
    }
    if (spec.suspend) return undefined;
    let sched: CronSchedule;
    try {
      sched = parseCronSchedule(spec.schedule, zone);
    } catch (err) {
      this.recorder.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(spec.schedule)} : ${(err as Error).message}`);
      return undefined;
    }

    const recent = mostRecentScheduleTime(cj, now, sched, true);
    if (recent.missed > TOO_MANY_MISSED) {
      this.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    }
    const requeue = () => new RequeueAfter(nextScheduleDelay(now, sched));
    const scheduledTime = recent.mostRecent;
    if (!scheduledTime) return requeue();

    const deadline = spec.startingDeadlineSeconds;
    if (deadline !== undefined && deadline !== null && scheduledTime.getTime() + deadline * 1000 < now.getTime()) {
      this.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduledTime)}`);
      return requeue();
    }
    const jobName = jobNameFor(cj, scheduledTime);
    if ((status.active ?? []).some((r) => r.name === jobName) || (status.lastScheduleTime && Date.parse(status.lastScheduleTime) === scheduledTime.getTime())) {
      return requeue();
    }
    if (spec.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
      this.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return requeue();
    }
    if (spec.concurrencyPolicy === 'Replace') {
      for (const ref of [...(status.active ?? [])]) {
        await this.deleteJob(cj, ref.name!, ref.uid);
        status.active = (status.active ?? []).filter((r) => r.uid !== ref.uid);
      }
    }

    let job: Job;
    try {
      job = await this.client.create<Job>(resources.jobs, jobFromTemplate(cj, jobName, scheduledTime, zone));
      this.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata?.name}`);
    } catch (err) {
      if (!isStatusError(err, 'AlreadyExists')) {
        this.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      }
      // Created by an earlier sync whose status write was lost: adopt the record if it is ours.
      const existing = await this.client.get<Job>(resources.jobs, jobName, { namespace: cj.metadata?.namespace });
      if (controllerRefOf(existing)?.uid !== cj.metadata?.uid) throw err;
      job = existing;
      if (finishedCondition(job)) {
        status.lastScheduleTime = nowRfc3339(scheduledTime);
        return requeue();
      }
    }
    const ref: ObjectReference = {
      kind: 'Job',
      namespace: job.metadata?.namespace,
      name: job.metadata?.name,
      uid: job.metadata?.uid,
      apiVersion: 'batch/v1',
      resourceVersion: job.metadata?.resourceVersion,
    };
    status.active = [...(status.active ?? []).filter((r) => r.uid !== ref.uid), ref];
    status.lastScheduleTime = nowRfc3339(scheduledTime);
    return requeue();
  }

  private async jobExists(namespace: string, ref: ObjectReference): Promise<boolean> {
    try {
      const job = await this.client.get<Job>(resources.jobs, ref.name!, { namespace });
      return job.metadata?.uid === ref.uid;
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return false;
      throw err;
    }
  }

  private async cleanupFinishedJobs(cj: CronJob, children: Job[]): Promise<void> {
    if (cj.metadata?.deletionTimestamp) return;
    const succeeded = children.filter((j) => finishedCondition(j) === 'Complete');
    const failed = children.filter((j) => finishedCondition(j) === 'Failed');
    const limits: [Job[], number | undefined][] = [
      [succeeded, cj.spec?.successfulJobsHistoryLimit],
      [failed, cj.spec?.failedJobsHistoryLimit],
    ];
    for (const [jobs, limit] of limits) {
      if (limit === undefined || limit === null || jobs.length <= limit) continue;
      const oldestFirst = [...jobs].sort((a, b) => startOf(a) - startOf(b));
      for (const job of oldestFirst.slice(0, jobs.length - limit)) {
        if (job.metadata?.deletionTimestamp) continue;
        await this.deleteJob(cj, job.metadata!.name!, job.metadata?.uid);
      }
    }
  }

  private async deleteJob(cj: CronJob, name: string, uid: string | undefined): Promise<void> {
    try {
      await this.client.delete(resources.jobs, name, { namespace: cj.metadata?.namespace, propagationPolicy: 'Background', preconditions: uid ? { uid } : undefined });
      this.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    } catch (err) {
      if (isStatusError(err, 'NotFound')) return;
      this.recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      throw err;
    }
  }
}

function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

function startOf(job: Job): number {
  const t = Date.parse(job.status?.startTime ?? job.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** `<cronjob>-<minutes since the epoch>`: the same scheduled time always names the same Job. */
export function jobNameFor(cj: CronJob, scheduledTime: Date): string {
  return `${cj.metadata?.name}-${Math.floor(scheduledTime.getTime() / 60_000)}`;
}

function jobFromTemplate(cj: CronJob, name: string, scheduledTime: Date, zone: string): Job {
  const template = structuredClone(cj.spec!.jobTemplate);
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: cj.metadata?.namespace,
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: formatInZone(scheduledTime, zone) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: template.spec,
  };
}

/**
 * Upstream's mostRecentScheduleTime: the latest scheduled time in (earliest, now], where
 * earliest is the last schedule (or creation) — moved up to now − startingDeadlineSeconds when
 * that is later — and how many scheduled times were missed.
 */
export function mostRecentScheduleTime(cj: CronJob, now: Date, sched: CronSchedule, includeStartingDeadline: boolean): { mostRecent?: Date; missed: number } {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '');
  if (Number.isNaN(earliest)) earliest = now.getTime();
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline !== undefined && deadline !== null) {
    earliest = Math.max(earliest, now.getTime() - deadline * 1000);
  }
  const t1 = sched.next(new Date(earliest));
  if (!t1 || t1.getTime() > now.getTime()) return { missed: 0 };
  const t2 = sched.next(t1);
  if (!t2 || t2.getTime() > now.getTime()) return { mostRecent: t1, missed: 1 };
  // Count by the first interval (upstream's estimate), then find the latest time by searching
  // back from now in widening windows, which is right for irregular schedules too.
  const interval = Math.max(t2.getTime() - t1.getTime(), 1000);
  const missed = Math.floor((now.getTime() - t1.getTime()) / interval) + 1;
  for (let window = interval; ; window *= 2) {
    let u = sched.next(new Date(Math.max(now.getTime() - window, t1.getTime())));
    if (!u || u.getTime() > now.getTime()) continue;
    let latest = u;
    for (u = sched.next(u); u && u.getTime() <= now.getTime(); u = sched.next(u)) latest = u;
    return { mostRecent: latest, missed };
  }
}

/** Milliseconds until the next scheduled time after now (plus upstream's 100 ms slack), capped. */
function nextScheduleDelay(now: Date, sched: CronSchedule): number {
  const next = sched.next(now);
  if (!next) return MAX_WAIT_MS;
  return Math.min(Math.max(next.getTime() - now.getTime(), 0) + 100, MAX_WAIT_MS);
}

function rfc1123z(d: Date): string {
  // Go's RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000".
  return d.toUTCString().replace('GMT', '+0000');
}

// ---- cron schedules (robfig/cron's standard parser and Next) ----

export interface CronSchedule {
  /** The first scheduled time strictly after `after` (to the second), or undefined within 5 years. */
  next(after: Date): Date | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTH_NAMES: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const DAY_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const RANGES: { min: number; max: number; names?: Record<string, number> }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DAY_NAMES },
];

interface Field {
  values: Set<number>;
  /** The field began with `*` or `?` (and no step > 1): robfig's star bit. */
  star: boolean;
}

function parseField(expr: string, r: (typeof RANGES)[number]): Field {
  const values = new Set<number>();
  let star = false;
  for (const part of expr.split(',')) {
    const [range, stepText] = part.split('/');
    let start: number;
    let end: number;
    let partStar = false;
    const num = (s: string) => r.names?.[s.toLowerCase()] ?? Number(s);
    if (range === '*' || range === '?') {
      start = r.min;
      end = r.max;
      partStar = true;
    } else {
      const [lo, hi] = range.split('-');
      start = num(lo);
      end = hi === undefined ? start : num(hi);
    }
    let step = 1;
    if (stepText !== undefined) {
      step = Number(stepText);
      if (range.indexOf('-') < 0 && !partStar) end = r.max;
      if (step > 1) partStar = false;
    }
    for (let v = start; v <= end; v += step) values.add(v);
    star ||= partStar;
  }
  return { values, star };
}

/** Parses a standard schedule (or descriptor) evaluated in time zone `zone` (IANA name). */
export function parseCronSchedule(spec: string, zone = 'UTC'): CronSchedule {
  const error = cronScheduleError(spec);
  if (error) throw new Error(error);
  const text = spec.trim();
  const every = /^@every\s+(.+)$/.exec(text);
  if (every) {
    const ms = parseGoDuration(every[1]);
    // robfig: every whole second of the duration from the previous run, at least one second.
    const step = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + step) };
  }
  const fields = (DESCRIPTORS[text] ?? text).split(/\s+/).map((f, i) => parseField(f, RANGES[i]));
  const [minute, hour, dom, month, dow] = fields;
  const dayMatches = (d: Date) => {
    const domOk = dom.values.has(d.getUTCDate());
    const dowOk = dow.values.has(d.getUTCDay());
    return dom.star || dow.star ? domOk && dowOk : domOk || dowOk;
  };
  return {
    next(after: Date): Date | undefined {
      // Work on the wall clock of the zone, held in a Date's UTC fields.
      let t = new Date(toWall(Math.floor(after.getTime() / 1000) * 1000 + 1000, zone));
      const yearLimit = t.getUTCFullYear() + 5;
      let added = false;
      wrap: for (;;) {
        if (t.getUTCFullYear() > yearLimit) return undefined;
        while (!month.values.has(t.getUTCMonth() + 1)) {
          if (!added) {
            added = true;
            t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), 1));
          }
          t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
          if (t.getUTCMonth() === 0) continue wrap;
        }
        while (!dayMatches(t)) {
          if (!added) {
            added = true;
            t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
          }
          t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1));
          if (t.getUTCDate() === 1) continue wrap;
        }
        while (!hour.values.has(t.getUTCHours())) {
          if (!added) {
            added = true;
            t = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), t.getUTCHours()));
          }
          t = new Date(t.getTime() + 3_600_000);
          if (t.getUTCHours() === 0) continue wrap;
        }
        while (!minute.values.has(t.getUTCMinutes())) {
          if (!added) {
            added = true;
            t = new Date(Math.floor(t.getTime() / 60_000) * 60_000);
          }
          t = new Date(t.getTime() + 60_000);
          if (t.getUTCMinutes() === 0) continue wrap;
        }
        while (t.getUTCSeconds() !== 0) {
          if (!added) {
            added = true;
            t = new Date(Math.floor(t.getTime() / 1000) * 1000);
          }
          t = new Date(t.getTime() + 1000);
          if (t.getUTCSeconds() === 0) continue wrap;
        }
        return new Date(fromWall(t.getTime(), zone));
      }
    },
  };
}

function parseGoDuration(text: string): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * units[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== text.length || total <= 0) throw new Error(`failed to parse duration ${text}: time: invalid duration ${JSON.stringify(text)}`);
  return total;
}

// ---- time zones through Intl ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function isValidTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The wall-clock time in `zone` at `instant`, as milliseconds of a UTC date with those fields. */
function toWall(instant: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return instant;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) + (instant % 1000);
}

/** The instant whose wall clock in `zone` reads `wall` (the first one when the clock falls back). */
function fromWall(wall: number, zone: string): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return wall;
  const offsetA = toWall(wall, zone) - wall;
  const guess = wall - offsetA;
  const offsetB = toWall(guess, zone) - guess;
  const instant = wall - offsetB;
  // In a spring-forward gap the wall time does not exist: take the offset from before the
  // transition, as Go's time.Date does (02:30 → 03:30 daylight time).
  return toWall(instant, zone) === wall ? instant : guess;
}

/** RFC 3339 with the zone's offset, as Go formats a time in a location. */
function formatInZone(instant: Date, zone: string): string {
  const wall = toWall(instant.getTime(), zone);
  const offsetMin = Math.round((wall - instant.getTime()) / 60_000);
  const base = new Date(wall).toISOString().replace(/\.\d{3}Z$/, '');
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
