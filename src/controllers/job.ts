// The Job controller (upstream's "job-controller"): runs pods of a Job to completion.
//
// Each sync reads the Job and its pods from the informer caches and:
//  1. accounts finished pods exactly once — every pod is created with the
//     `batch.kubernetes.io/job-tracking` finalizer; a finished pod is first recorded in
//     status.uncountedTerminatedPods, then its finalizer is removed, then it moves into the
//     succeeded / failed counters (so a pod deleted later never changes the counts);
//  2. decides whether the Job has failed (a podFailurePolicy FailJob rule, backoffLimit,
//     activeDeadlineSeconds, Indexed backoffLimitPerIndex / maxFailedIndexes — failures an
//     Ignore rule matches do not count), succeeded (completions, Indexed completedIndexes, or
//     a successPolicy rule) or is suspended, adding the interim FailureTarget /
//     SuccessCriteriaMet condition and the final Failed / Complete one once no pod is still
//     terminating;
//  3. otherwise creates or deletes pods so that `active` matches what parallelism and the
//     remaining completions allow (with exponential backoff after pod failures);
//  4. writes status once if it changed.

import { isStatusError } from '../api/errors.ts';
import { labelSelectorFromObject, matches } from '../api/labels.ts';
import { nowRfc3339 } from '../api/meta.ts';
import type { Job, JobCondition, JobStatus, PodFailurePolicy, PodFailurePolicyRule } from '../api/types/batch-v1.ts';
import type { Pod } from '../api/types/core-v1.ts';
import type { SharedInformerFactory } from '../client/cache/informer-factory.ts';
import type { DeletedFinalStateUnknown } from '../client/cache/deleted-final-state-unknown.ts';
import type { SharedIndexInformer } from '../client/cache/shared-informer.ts';
import type { EventRecorder } from '../client/event-recorder.ts';
import type { RestClient } from '../client/rest-client.ts';
import { resources } from '../client/resources.ts';
import {
  canonicalJson,
  controllerRefOf,
  isPodActive,
  isPodReady,
  objectOf,
  podKey,
  QueueController,
  RequeueAfter,
  type ControllerConfig,
} from './controller-utils.ts';
import { UIDTrackingExpectations } from './expectations.ts';
import { claimPods, podFromTemplate } from './pod-template.ts';
import { podInformerWithControllerIndex, podsOwnedBy } from './pod-controller-index.ts';

export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
const JOB_KIND = { apiVersion: 'batch/v1', kind: 'Job' };

/** Settings read from the ControllerConfig (all optional). */
export interface JobControllerConfig extends ControllerConfig {
  /** The clock (tests inject one). */
  now?: () => Date;
  /** Delay before replacing a failed pod, doubled per further failure (upstream: 10 s, capped at 6 min). */
  jobPodFailureBackoffBaseMs?: number;
  jobPodFailureBackoffMaxMs?: number;
}

const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureAt: number;
}

export class JobController extends QueueController {
  readonly name = 'job-controller';
  private readonly jobs: SharedIndexInformer<Job>;
  private readonly pods: SharedIndexInformer<Pod>;
  private readonly now: () => Date;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly expectations = new UIDTrackingExpectations();
  /** Pod uids whose tracking finalizer we removed, until the pod cache shows it gone. */
  private readonly finalizerRemovals = new Set<string>();
  private readonly backoff = new Map<string, BackoffRecord>();

  constructor(
    informers: SharedInformerFactory,
    private readonly client: RestClient,
    private readonly recorder: EventRecorder,
    config: JobControllerConfig = {},
  ) {
    super();
    this.now = config.now ?? (() => new Date());
    this.backoffBaseMs = config.jobPodFailureBackoffBaseMs ?? 10_000;
    this.backoffMaxMs = config.jobPodFailureBackoffMaxMs ?? 360_000;
    this.jobs = informers.informerFor<Job>(resources.jobs);
    this.pods = podInformerWithControllerIndex(informers);
    this.waitFor(this.jobs, this.pods);
    this.jobs.addEventHandler({
      onAdd: (job) => this.enqueue(job),
      onUpdate: (_old, job) => this.enqueue(job),
      onDelete: (job) => this.enqueue(job),
    });
    this.pods.addEventHandler({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (_old, pod) => this.podUpdated(pod),
      onDelete: (pod) => this.podDeleted(pod),
    });
  }

  private jobKeyOf(pod: Pod): string | undefined {
    const ref = controllerRefOf(pod);
    if (!ref || ref.kind !== 'Job' || ref.apiVersion !== 'batch/v1') return undefined;
    return `${pod.metadata?.namespace}/${ref.name}`;
  }

  private podAdded(pod: Pod): void {
    const key = this.jobKeyOf(pod);
    if (!key) return;
    if (pod.metadata?.deletionTimestamp) this.expectations.podDeletionObserved(key, podKey(pod));
    else this.expectations.creationObserved(key);
    this.queue.add(key);
  }

  private podUpdated(pod: Pod): void {
    if (!hasTrackingFinalizer(pod)) this.finalizerRemovals.delete(pod.metadata?.uid ?? '');
    const key = this.jobKeyOf(pod);
    if (!key) return;
    if (pod.metadata?.deletionTimestamp) this.expectations.podDeletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  private podDeleted(obj: Pod | DeletedFinalStateUnknown<Pod>): void {
    const pod = objectOf(obj);
    this.finalizerRemovals.delete(pod.metadata?.uid ?? '');
    const key = this.jobKeyOf(pod);
    if (!key) return;
    this.expectations.podDeletionObserved(key, podKey(pod));
    this.queue.add(key);
  }

  async sync(key: string): Promise<void | RequeueAfter> {
    const [namespace, name] = key.split('/');
    const job = this.jobs.lister().namespace(namespace).get(name);
    if (!job) {
      this.expectations.deleteExpectations(key);
      this.backoff.delete(key);
      await this.releaseOrphanPods(namespace, name);
      return;
    }
    const pods = await this.podsOf(job);
    if (job.metadata?.deletionTimestamp || isFinished(job)) {
      await this.removeTrackingFinalizers(pods.filter(hasTrackingFinalizer));
      return;
    }
    if (!this.expectations.satisfiedExpectations(key)) return;

    const now = this.now();
    const spec = job.spec ?? ({} as NonNullable<Job['spec']>);
    const indexed = spec.completionMode === 'Indexed';
    const completions = spec.completions ?? undefined;
    let current: Job = job;
    const status: JobStatus = structuredClone(job.status ?? {});
    status.uncountedTerminatedPods = {
      succeeded: [...(status.uncountedTerminatedPods?.succeeded ?? [])],
      failed: [...(status.uncountedTerminatedPods?.failed ?? [])],
    };
    const uncounted = status.uncountedTerminatedPods as { succeeded: string[]; failed: string[] };
    const completed = parseIndexes(status.completedIndexes);
    const perIndex = indexed && spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null;
    const failedIndexes = parseIndexes(status.failedIndexes);

    // 1. Record newly finished pods in uncountedTerminatedPods (and completedIndexes) first.
    const newlySucceeded: Pod[] = [];
    const newlyFailed: Pod[] = [];
    const ignored: Pod[] = [];
    const policy = spec.podFailurePolicy;
    const finishingAlready = !!(findCondition(status, 'FailureTarget') ?? findCondition(status, 'SuccessCriteriaMet'));
    for (const pod of pods) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || this.finalizerRemovals.has(uid)) continue;
      if (uncounted.succeeded.includes(uid) || uncounted.failed.includes(uid)) continue;
      if (pod.status?.phase === 'Succeeded') newlySucceeded.push(pod);
      else if (pod.status?.phase === 'Failed' && policy && matchPodFailurePolicy(policy, pod)?.action === 'Ignore') ignored.push(pod);
      // With a podFailurePolicy or podReplacementPolicy Failed, a deleted pod counts only once it
      // is Failed — unless the Job is finishing: then every pod being deleted counts as failed.
      else if (pod.status?.phase === 'Failed' || (pod.metadata?.deletionTimestamp && (finishingAlready || (!policy && spec.podReplacementPolicy !== 'Failed')))) newlyFailed.push(pod);
    }
    // Failures the policy ignores do not count: their finalizers just go.
    await this.removeTrackingFinalizers(ignored);
    if (newlySucceeded.length + newlyFailed.length > 0) {
      for (const pod of newlySucceeded) {
        uncounted.succeeded.push(pod.metadata!.uid!);
        const index = completionIndexOf(pod);
        if (indexed && index !== undefined && completions !== undefined && index < completions) completed.add(index);
      }
      for (const pod of newlyFailed) {
        uncounted.failed.push(pod.metadata!.uid!);
        const index = completionIndexOf(pod);
        // backoffLimitPerIndex: an index whose pods failed more often than allowed (or that a
        // FailIndex rule matched) is given up.
        if (perIndex && index !== undefined && pod.status?.phase === 'Failed') {
          const failIndexRule = policy && matchPodFailurePolicy(policy, pod)?.action === 'FailIndex';
          if (failIndexRule || indexFailureCount(pod) + 1 > spec.backoffLimitPerIndex!) failedIndexes.add(index);
        }
      }
      if (indexed) status.completedIndexes = formatIndexes(completed);
      if (perIndex) status.failedIndexes = formatIndexes(failedIndexes);
      this.recordFailures(key, newlySucceeded.length, newlyFailed.length, now);
      current = await this.writeStatus(current, status);
    }

    // 2. Remove the tracking finalizers of uncounted pods, then 3. move them into the counters.
    const byUid = new Map(pods.map((p) => [p.metadata?.uid ?? '', p]));
    const unfinalized = [...uncounted.succeeded, ...uncounted.failed].map((uid) => byUid.get(uid)).filter((p): p is Pod => !!p && hasTrackingFinalizer(p));
    const released = await this.removeTrackingFinalizers(unfinalized);
    const settled = (uid: string) => !byUid.has(uid) || !hasTrackingFinalizer(byUid.get(uid)!) || released.has(uid);
    const doneSucceeded = uncounted.succeeded.filter(settled);
    const doneFailed = uncounted.failed.filter(settled);
    status.succeeded = (status.succeeded ?? 0) + doneSucceeded.length;
    status.failed = (status.failed ?? 0) + doneFailed.length;
    uncounted.succeeded = uncounted.succeeded.filter((u) => !settled(u));
    uncounted.failed = uncounted.failed.filter((u) => !settled(u));

    const active = pods.filter(isPodActive);
    const terminating = pods.filter((p) => p.metadata?.deletionTimestamp && !isTerminal(p)).length;
    const succeeded = indexed ? completed.size : status.succeeded + uncounted.succeeded.length;
    const failed = status.failed + uncounted.failed.length;

    // Decide where the Job stands.
    let finishing = findCondition(status, 'FailureTarget') ?? findCondition(status, 'SuccessCriteriaMet');
    if (!finishing) {
      const failure = indexFailure(spec, perIndex, completed, failedIndexes) ?? this.failureOf(job, pods, failed, now);
      if (failure) {
        finishing = setCondition(status, 'FailureTarget', 'True', failure.reason, failure.message, now);
      } else if (indexed && matchSuccessPolicy(spec, completed)) {
        finishing = setCondition(status, 'SuccessCriteriaMet', 'True', 'SuccessPolicy', matchSuccessPolicy(spec, completed)!, now);
      } else if (isComplete(spec, indexed, succeeded, completed.size, active.length)) {
        finishing = setCondition(status, 'SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', now);
      }
    }

    let activeCount = active.length;
    if (finishing) {
      const deleted = await this.deletePods(job, key, active);
      activeCount -= deleted;
      // Pods just deleted still hold our finalizer: they are counted (as failed) and released
      // by the next syncs; the final condition waits for that.
      if (terminating + deleted === 0 && activeCount === 0) {
        if (finishing.type === 'FailureTarget') {
          setCondition(status, 'Failed', 'True', finishing.reason!, finishing.message!, now);
          this.recorder.event(job, 'Warning', finishing.reason!, finishing.message!);
        } else {
          setCondition(status, 'Complete', 'True', finishing.reason!, finishing.message!, now);
          status.completionTime = nowRfc3339(now);
          this.recorder.event(job, 'Normal', 'Completed', 'Job completed');
        }
      }
    } else if (spec.suspend) {
      activeCount -= await this.deletePods(job, key, active);
      if (findCondition(status, 'Suspended')?.status !== 'True') {
        setCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
        this.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
      }
    } else {
      if (findCondition(status, 'Suspended')?.status === 'True') {
        setCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
        this.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
        status.startTime = nowRfc3339(now);
      }
      if (!status.startTime) status.startTime = nowRfc3339(now);
      const deadline = spec.activeDeadlineSeconds;
      if (deadline !== undefined) {
        const left = Date.parse(status.startTime) + deadline * 1000 - now.getTime();
        this.queue.addAfter(key, Math.max(left, 0) + 100);
      }
      activeCount += await this.manage(job, key, pods, active, new Set([...completed, ...failedIndexes]), succeeded, now);
    }

    status.active = activeCount;
    status.ready = active.filter(isPodReady).length;
    status.terminating = terminating;
    if (canonicalJson(status) !== canonicalJson(job.status ?? {})) await this.writeStatus(current, status);
  }

  /** The pods this Job controls, adopting orphans its selector matches and releasing pods it no longer matches. */
  private podsOf(job: Job): Promise<Pod[]> {
    const candidates = podsOwnedBy(this.pods.indexer, job, true);
    return claimPods(this.client, job, JOB_KIND, labelSelectorFromObject(job.spec?.selector), candidates);
  }

  private failureOf(job: Job, pods: Pod[], failed: number, now: Date): { reason: string; message: string } | undefined {
    const spec = job.spec!;
    if (spec.podFailurePolicy) {
      for (const pod of pods) {
        if (pod.status?.phase !== 'Failed') continue;
        const match = matchPodFailurePolicy(spec.podFailurePolicy, pod);
        if (match?.action === 'FailJob') return { reason: 'PodFailurePolicy', message: match.message };
      }
    }
    const backoffLimit = spec.backoffLimit ?? 6;
    if (failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      return { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    }
    const deadline = spec.activeDeadlineSeconds;
    const start = job.status?.startTime;
    if (deadline !== undefined && start && !spec.suspend && now.getTime() - Date.parse(start) >= deadline * 1000) {
      return { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    }
    return undefined;
  }

  private recordFailures(key: string, newSucceeded: number, newFailed: number, now: Date): void {
    const rec = this.backoff.get(key) ?? { failuresAfterLastSuccess: 0, lastFailureAt: 0 };
    if (newSucceeded > 0) rec.failuresAfterLastSuccess = 0;
    if (newFailed > 0) {
      rec.failuresAfterLastSuccess += newFailed;
      rec.lastFailureAt = now.getTime();
    }
    this.backoff.set(key, rec);
  }

  /** Milliseconds to wait before creating replacement pods after failures. */
  private backoffRemaining(key: string, now: Date): number {
    const rec = this.backoff.get(key);
    if (!rec || rec.failuresAfterLastSuccess === 0) return 0;
    const delay = Math.min(this.backoffBaseMs * 2 ** (rec.failuresAfterLastSuccess - 1), this.backoffMaxMs);
    return rec.lastFailureAt + delay - now.getTime();
  }

  /** Creates or deletes pods toward the wanted number of active pods; answers the change in active pods. */
  private async manage(job: Job, key: string, pods: Pod[], active: Pod[], completed: Set<number>, succeeded: number, now: Date): Promise<number> {
    const spec = job.spec!;
    const parallelism = spec.parallelism ?? 1;
    const completions = spec.completions ?? undefined;
    const indexed = spec.completionMode === 'Indexed';

    let wantActive: number;
    if (completions === undefined) wantActive = succeeded > 0 ? Math.min(active.length, parallelism) : parallelism;
    else wantActive = Math.max(0, Math.min(completions - (indexed ? completed.size : succeeded), parallelism));

    // Indexed: pods with an invalid, completed or duplicated index go first.
    const surplus: Pod[] = [];
    let keep = active;
    if (indexed) {
      const seen = new Set<number>();
      keep = [];
      for (const pod of sortNewestLast(active)) {
        const index = completionIndexOf(pod);
        if (index === undefined || index >= (completions ?? 0) || completed.has(index) || seen.has(index)) surplus.push(pod);
        else {
          seen.add(index);
          keep.push(pod);
        }
      }
    }
    if (keep.length > wantActive) surplus.push(...rankForDeletion(keep).slice(0, keep.length - wantActive));
    if (surplus.length > 0) return -(await this.deletePods(job, key, surplus.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC)));

    // podReplacementPolicy Failed: a pod still terminating keeps its place until it has failed.
    const terminating = spec.podReplacementPolicy === 'Failed' ? pods.filter((p) => p.metadata?.deletionTimestamp && !isTerminal(p)) : [];
    let diff = Math.min(wantActive - keep.length - terminating.length, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (diff <= 0) return 0;
    const wait = this.backoffRemaining(key, now);
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return 0;
    }
    let indexes: (number | undefined)[] = [];
    if (indexed) {
      const activeIndexes = new Set([...keep, ...terminating].map(completionIndexOf));
      for (let i = 0; i < (completions ?? 0) && indexes.length < diff; i++) if (!completed.has(i) && !activeIndexes.has(i)) indexes.push(i);
      diff = indexes.length;
    } else indexes = new Array(diff).fill(undefined);

    // Slow start: 1, 2, 4… pods per batch, stopping at the first error.
    this.expectations.expectCreations(key, diff);
    let created = 0;
    for (let batch = 1; created < diff; batch *= 2) {
      const slice = indexes.slice(created, created + batch);
      const results = await Promise.allSettled(slice.map((index) => this.createPod(job, index, index === undefined ? 0 : previousFailures(pods, index))));
      const failedCount = results.filter((r) => r.status === 'rejected').length;
      created += slice.length - failedCount;
      if (failedCount > 0) {
        this.expectations.lowerExpectations(key, diff - created, 0);
        const err = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
        this.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
        throw err;
      }
    }
    return created;
  }

  private async createPod(job: Job, index: number | undefined, failureCount: number): Promise<void> {
    const pod = podFromTemplate(job.spec!.template, job, JOB_KIND);
    const meta = pod.metadata!;
    meta.finalizers = [...(meta.finalizers ?? []), JOB_TRACKING_FINALIZER];
    if (index !== undefined) {
      const name = job.metadata!.name!;
      meta.generateName = `${name}-${index}-`;
      meta.labels = { ...meta.labels, [JOB_COMPLETION_INDEX]: String(index) };
      meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
      if (job.spec?.backoffLimitPerIndex !== undefined && job.spec.backoffLimitPerIndex !== null) meta.annotations[JOB_INDEX_FAILURE_COUNT] = String(failureCount);
      const spec = pod.spec!;
      if (!spec.hostname) spec.hostname = `${name}-${index}`;
      const env = { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } };
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        c.env = [...(c.env ?? []).filter((e) => e.name !== JOB_COMPLETION_INDEX_ENV), env];
      }
    }
    const created = await this.client.create<Pod>(resources.pods, pod);
    this.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata?.name}`);
  }

  /** Deletes the pods (already-gone ones count as deleted); answers how many were deleted. */
  private async deletePods(job: Job, key: string, pods: Pod[]): Promise<number> {
    const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
    if (live.length === 0) return 0;
    this.expectations.expectPodDeletions(key, live.map(podKey));
    let deleted = 0;
    let firstError: unknown;
    await Promise.all(
      live.map(async (pod) => {
        try {
          await this.client.delete(resources.pods, pod.metadata!.name!, { namespace: pod.metadata!.namespace });
          this.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
          deleted++;
        } catch (err) {
          this.expectations.podDeletionObserved(key, podKey(pod));
          if (isStatusError(err, 'NotFound')) {
            deleted++;
            return;
          }
          this.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
          firstError ??= err;
        }
      }),
    );
    if (firstError) throw firstError;
    return deleted;
  }

  /** Removes the tracking finalizer from each pod; answers the uids done (or already gone). */
  private async removeTrackingFinalizers(pods: Pod[]): Promise<Set<string>> {
    const done = new Set<string>();
    let firstError: unknown;
    await Promise.all(
      pods.map(async (pod) => {
        const uid = pod.metadata!.uid!;
        const finalizers = (pod.metadata?.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER);
        try {
          await this.client.patch(resources.pods, pod.metadata!.name!, 'merge', { metadata: { finalizers, resourceVersion: pod.metadata!.resourceVersion } }, { namespace: pod.metadata!.namespace });
          this.finalizerRemovals.add(uid);
          done.add(uid);
        } catch (err) {
          if (isStatusError(err, 'NotFound')) done.add(uid);
          else firstError ??= err;
        }
      }),
    );
    if (firstError) throw firstError;
    return done;
  }

  /** A deleted Job leaves pods with our finalizer behind: release them. */
  private async releaseOrphanPods(namespace: string, name: string): Promise<void> {
    const pods = this.pods
      .lister()
      .namespace(namespace)
      .list()
      .filter((p) => hasTrackingFinalizer(p) && p.metadata?.ownerReferences?.some((r) => r.controller && r.kind === 'Job' && r.name === name));
    await this.removeTrackingFinalizers(pods);
  }

  private async writeStatus(job: Job, status: JobStatus): Promise<Job> {
    const body: Job = { ...job, status };
    return this.client.update<Job>(resources.jobs, body, { subresource: 'status' });
  }
}

function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function isFinished(job: Job): boolean {
  return job.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ?? false;
}

function isComplete(spec: NonNullable<Job['spec']>, indexed: boolean, succeeded: number, completedIndexes: number, active: number): boolean {
  if (indexed) return completedIndexes >= (spec.completions ?? 0);
  if (spec.completions === undefined || spec.completions === null) return succeeded > 0 && active === 0;
  return succeeded >= spec.completions;
}

/** With restartPolicy OnFailure, container restarts count against backoffLimit. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
    for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** How many earlier pods of this index failed (the annotation the controller sets on each pod). */
function indexFailureCount(pod: Pod): number {
  const raw = pod.metadata?.annotations?.[JOB_INDEX_FAILURE_COUNT];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : 0;
}

/** The failure count for a new pod of `index`: one more than the latest failed pod's. */
function previousFailures(pods: Pod[], index: number): number {
  let count = 0;
  for (const pod of pods) {
    if (pod.status?.phase === 'Failed' && completionIndexOf(pod) === index) count = Math.max(count, indexFailureCount(pod) + 1);
  }
  return count;
}

/**
 * Upstream's matchSuccessPolicy (Indexed Jobs): the message of the first rule the succeeded
 * indexes satisfy — all (or succeededCount) of its succeededIndexes, or succeededCount of any.
 */
export function matchSuccessPolicy(spec: NonNullable<Job['spec']>, succeeded: Set<number>): string | undefined {
  const rules = spec.successPolicy?.rules ?? [];
  if (succeeded.size === 0) return undefined;
  for (const [index, rule] of rules.entries()) {
    if (rule.succeededIndexes !== undefined && rule.succeededIndexes !== null) {
      const required = [...parseIndexes(rule.succeededIndexes)].filter((i) => i < (spec.completions ?? 0));
      if (required.length === 0) continue;
      const hits = required.filter((i) => succeeded.has(i)).length;
      if (rule.succeededCount === undefined || rule.succeededCount === null ? hits === required.length : hits >= rule.succeededCount) return `Matched rules at index ${index}`;
    } else if (rule.succeededCount !== undefined && rule.succeededCount !== null && succeeded.size >= rule.succeededCount) {
      return `Matched rules at index ${index}`;
    }
  }
  return undefined;
}

/** backoffLimitPerIndex outcomes: too many failed indexes, or every index done with some failed. */
function indexFailure(spec: NonNullable<Job['spec']>, perIndex: boolean, completed: Set<number>, failed: Set<number>): { reason: string; message: string } | undefined {
  if (!perIndex || failed.size === 0) return undefined;
  if (spec.maxFailedIndexes !== undefined && spec.maxFailedIndexes !== null && failed.size > spec.maxFailedIndexes) {
    return { reason: 'MaxFailedIndexesExceeded', message: 'Job has exceeded the specified maximal number of failed indexes' };
  }
  if (completed.size + failed.size >= (spec.completions ?? 0)) return { reason: 'FailedIndexes', message: 'Job has failed indexes' };
  return undefined;
}

function completionIndexOf(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata?.labels?.[JOB_COMPLETION_INDEX];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * Upstream's matchPodFailurePolicy: the first rule matching the failed pod — by a non-zero exit
 * code of a terminated container (optionally a named one), or by a pod condition — with the
 * message a FailJob rule puts on the Job.
 */
export function matchPodFailurePolicy(policy: PodFailurePolicy, pod: Pod): { action: PodFailurePolicyRule['action']; message: string } | undefined {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  const where = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [index, rule] of policy.rules.entries()) {
    if (rule.onExitCodes) {
      const req = rule.onExitCodes;
      const hit = statuses.find((s) => {
        const code = s.state?.terminated?.exitCode;
        if (code === undefined || code === 0) return false;
        if (req.containerName && req.containerName !== s.name) return false;
        return req.operator === 'In' ? req.values.includes(code) : !req.values.includes(code);
      });
      if (hit) return { action: rule.action, message: `Container ${hit.name} for pod ${where} failed with exit code ${hit.state!.terminated!.exitCode} matching ${rule.action} rule at index ${index}` };
    } else if (rule.onPodConditions) {
      const cond = (pod.status?.conditions ?? []).find((c) => rule.onPodConditions!.some((p) => p.type === c.type && (p.status ?? 'True') === c.status));
      if (cond) return { action: rule.action, message: `Pod ${where} has condition ${cond.type} matching ${rule.action} rule at index ${index}` };
    }
  }
  return undefined;
}

/** `1,3-5,7` → {1,3,4,5,7}. */
export function parseIndexes(text: string | undefined): Set<number> {
  const out = new Set<number>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

/** {1,3,4,5,7} → `1,3-5,7`, as upstream writes completedIndexes. */
export function formatIndexes(indexes: Set<number>): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function findCondition(status: JobStatus, type: string): JobCondition | undefined {
  return status.conditions?.find((c) => c.type === type);
}

function setCondition(status: JobStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: Date): JobCondition {
  const conditions = (status.conditions ??= []);
  const ts = nowRfc3339(now);
  let c = conditions.find((x) => x.type === type);
  if (!c) {
    c = { type, status: value, lastProbeTime: ts, lastTransitionTime: ts, reason, message };
    conditions.push(c);
  } else {
    if (c.status !== value) c.lastTransitionTime = ts;
    Object.assign(c, { status: value, lastProbeTime: ts, reason, message });
  }
  return c;
}

/** Upstream's order for picking pods to delete: unassigned, pending, not ready, newest first. */
function rankForDeletion(pods: Pod[]): Pod[] {
  const rank = (p: Pod) => [p.spec?.nodeName ? 1 : 0, p.status?.phase === 'Pending' ? 0 : p.status?.phase === 'Unknown' ? 1 : 2, isPodReady(p) ? 1 : 0];
  return [...pods].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '');
  });
}

function sortNewestLast(pods: Pod[]): Pod[] {
  return [...pods].sort((a, b) => (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
