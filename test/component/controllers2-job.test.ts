// The Job and TTL-after-finished controllers against a real API server; the test plays the
// kubelet by writing pod phases through pods/status.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { JobController, JOB_TRACKING_FINALIZER } from '../../src/controllers/job.ts';
import { TtlAfterFinishedController } from '../../src/controllers/ttl-after-finished.ts';
import { eventually, listPods, setPodPhase, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  h.start(new JobController(h.informers, h.client, h.recorder, { jobPodFailureBackoffBaseMs: 50 }));
  h.start(new TtlAfterFinishedController(h.informers, h.client, h.recorder));
});
after(async () => {
  await h.stop();
});

const jobBody = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name },
  spec: {
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    ...spec,
  },
});

async function createJob(name: string, spec: Record<string, unknown>): Promise<any> {
  const r = await h.api.call('POST', '/apis/batch/v1/namespaces/default/jobs', jobBody(name, spec));
  assert.equal(r.status, 201, r.text);
  return r.body;
}

const getJob = async (name: string) => (await h.api.call('GET', `/apis/batch/v1/namespaces/default/jobs/${name}`)).body;
const hasCondition = (job: any, type: string) => (job.status?.conditions ?? []).some((c: any) => c.type === type && c.status === 'True');
const activePods = async (job: string) => (await listPods(h.api, 'default', `batch.kubernetes.io/job-name=${job}`)).filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase) && !p.metadata.deletionTimestamp);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a Job with completions 3 and parallelism 2 runs at most 2 pods at once and completes after 3 successes', async () => {
  await createJob('three', { completions: 3, parallelism: 2 });
  const first = await eventually('2 active pods', async () => {
    const pods = await activePods('three');
    return pods.length === 2 && pods;
  });
  for (const p of first) {
    assert.deepEqual(p.metadata.finalizers, [JOB_TRACKING_FINALIZER]);
    assert.equal(p.metadata.ownerReferences[0].kind, 'Job');
  }
  await sleep(300);
  assert.equal((await activePods('three')).length, 2, 'parallelism caps active pods');

  await setPodPhase(h.api, 'default', first[0].metadata.name, 'Succeeded');
  await setPodPhase(h.api, 'default', first[1].metadata.name, 'Succeeded');
  const third = await eventually('a third pod', async () => {
    const pods = await activePods('three');
    return pods.length === 1 && pods[0];
  });
  await sleep(300);
  assert.equal((await activePods('three')).length, 1, 'only the one remaining completion gets a pod');
  await setPodPhase(h.api, 'default', third.metadata.name, 'Succeeded');

  const done = await eventually('Complete condition', async () => {
    const job = await getJob('three');
    return hasCondition(job, 'Complete') && job;
  });
  assert.equal(done.status.succeeded, 3);
  assert.equal(done.status.active ?? 0, 0);
  assert.ok(done.status.completionTime);
  assert.ok(hasCondition(done, 'SuccessCriteriaMet'));
  const pods = await listPods(h.api, 'default', 'batch.kubernetes.io/job-name=three');
  assert.equal(pods.length, 3);
  for (const p of pods) assert.deepEqual(p.metadata.finalizers ?? [], [], 'tracking finalizer removed once counted');
  const events = await h.api.call('GET', '/api/v1/namespaces/default/events');
  const reasons = events.body.items.filter((e: any) => e.involvedObject.name === 'three').map((e: any) => e.reason);
  assert.ok(reasons.includes('SuccessfulCreate'));
  assert.ok(reasons.includes('Completed'));
});

test('a Job whose pods fail more than backoffLimit times is Failed with BackoffLimitExceeded', async () => {
  await createJob('flaky', { backoffLimit: 1 });
  for (let i = 0; i < 2; i++) {
    const pod = await eventually(`active pod #${i + 1}`, async () => (await activePods('flaky'))[0]);
    await setPodPhase(h.api, 'default', pod.metadata.name, 'Failed');
  }
  const failed = await eventually('Failed condition', async () => {
    const job = await getJob('flaky');
    return hasCondition(job, 'Failed') && job;
  });
  const cond = failed.status.conditions.find((c: any) => c.type === 'Failed');
  assert.equal(cond.reason, 'BackoffLimitExceeded');
  assert.equal(cond.message, 'Job has reached the specified backoff limit');
  assert.equal(failed.status.failed, 2);
  await sleep(300);
  assert.equal((await activePods('flaky')).length, 0, 'no replacement after failure');
});

test('an Indexed Job creates one pod per index and records completedIndexes', async () => {
  await createJob('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' });
  const pods = await eventually('3 indexed pods', async () => {
    const p = await activePods('idx');
    return p.length === 3 && p;
  });
  const indexes = pods.map((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort();
  assert.deepEqual(indexes, ['0', '1', '2']);
  const zero = pods.find((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '0');
  assert.equal(zero.spec.hostname, 'idx-0');
  assert.ok(zero.metadata.name.startsWith('idx-0-'));
  const one = pods.find((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '1');
  await setPodPhase(h.api, 'default', zero.metadata.name, 'Succeeded');
  await setPodPhase(h.api, 'default', one.metadata.name, 'Failed');
  const replacement = await eventually('a new pod for index 1', async () => {
    const p = (await activePods('idx')).find((x: any) => x.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '1');
    return p && p.metadata.name !== one.metadata.name && p;
  });
  const job = await eventually('completedIndexes 0', async () => {
    const j = await getJob('idx');
    return j.status?.completedIndexes === '0' && j;
  });
  assert.equal(job.status.failed, 1);
  for (const p of await activePods('idx')) await setPodPhase(h.api, 'default', p.metadata.name, 'Succeeded');
  assert.ok(replacement);
  const done = await eventually('Indexed Job complete', async () => {
    const j = await getJob('idx');
    return hasCondition(j, 'Complete') && j;
  });
  assert.equal(done.status.completedIndexes, '0-2');
});

test('backoffLimitPerIndex gives up an index after its retries; the Job then fails with FailedIndexes', async () => {
  await createJob('per-index', { completions: 2, parallelism: 2, completionMode: 'Indexed', backoffLimitPerIndex: 1 });
  const podOf = async (index: string, not?: string) =>
    (await activePods('per-index')).find((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === index && p.metadata.name !== not);
  const first = await eventually('pod for index 0', () => podOf('0'));
  assert.equal(first.metadata.annotations['batch.kubernetes.io/job-index-failure-count'], '0');
  await setPodPhase(h.api, 'default', first.metadata.name, 'Failed');
  const retry = await eventually('retry of index 0', () => podOf('0', first.metadata.name));
  assert.equal(retry.metadata.annotations['batch.kubernetes.io/job-index-failure-count'], '1');
  await setPodPhase(h.api, 'default', retry.metadata.name, 'Failed');
  const one = await eventually('pod for index 1', () => podOf('1'));
  await setPodPhase(h.api, 'default', one.metadata.name, 'Succeeded');
  const failed = await eventually('Failed', async () => {
    const j = await getJob('per-index');
    return hasCondition(j, 'Failed') && j;
  });
  assert.equal(failed.status.conditions.find((c: any) => c.type === 'Failed').reason, 'FailedIndexes');
  assert.equal(failed.status.failedIndexes, '0');
  assert.equal(failed.status.completedIndexes, '1');
  assert.equal((await activePods('per-index')).length, 0, 'no third try of index 0');
});

test('podReplacementPolicy Failed waits for a terminating pod to fail before replacing it', async () => {
  await createJob('patient', { podReplacementPolicy: 'Failed' });
  const pod = await eventually('a pod', async () => (await activePods('patient'))[0]);
  const bind = await h.api.call('POST', `/api/v1/namespaces/default/pods/${pod.metadata.name}/binding`, {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod.metadata.name },
    target: { apiVersion: 'v1', kind: 'Node', name: 'somewhere' },
  });
  assert.equal(bind.status, 201, bind.text);
  assert.equal((await h.api.call('DELETE', `/api/v1/namespaces/default/pods/${pod.metadata.name}`)).status, 200);
  await sleep(500);
  assert.equal((await activePods('patient')).length, 0, 'no replacement while the old pod terminates');
  const all = await listPods(h.api, 'default', 'batch.kubernetes.io/job-name=patient');
  assert.equal(all.length, 1);
  await setPodPhase(h.api, 'default', pod.metadata.name, 'Failed');
  await eventually('a replacement once it failed', async () => (await activePods('patient')).length === 1);
});

test('a successPolicy rule completes an Indexed Job early and removes the remaining pods', async () => {
  await createJob('leader', { completions: 3, parallelism: 3, completionMode: 'Indexed', successPolicy: { rules: [{ succeededIndexes: '0' }] } });
  const pods = await eventually('3 pods', async () => {
    const p = await activePods('leader');
    return p.length === 3 && p;
  });
  const zero = pods.find((p: any) => p.metadata.annotations['batch.kubernetes.io/job-completion-index'] === '0');
  await setPodPhase(h.api, 'default', zero.metadata.name, 'Succeeded');
  const done = await eventually('Complete', async () => {
    const j = await getJob('leader');
    return hasCondition(j, 'Complete') && j;
  });
  const cond = done.status.conditions.find((c: any) => c.type === 'Complete');
  assert.equal(cond.reason, 'SuccessPolicy');
  assert.equal(cond.message, 'Matched rules at index 0');
  assert.equal(done.status.completedIndexes, '0');
  assert.equal((await activePods('leader')).length, 0, 'the other indexes were stopped');
});

test('a suspended Job creates no pods until resumed', async () => {
  await createJob('later', { suspend: true });
  const suspended = await eventually('Suspended condition', async () => {
    const j = await getJob('later');
    return hasCondition(j, 'Suspended') && j;
  });
  assert.equal((await activePods('later')).length, 0);
  suspended.spec.suspend = false;
  const put = await h.api.call('PUT', '/apis/batch/v1/namespaces/default/jobs/later', suspended);
  assert.equal(put.status, 200, put.text);
  await eventually('a pod after resume', async () => (await activePods('later')).length === 1);
  const resumed = await getJob('later');
  const cond = resumed.status.conditions.find((c: any) => c.type === 'Suspended');
  assert.equal(cond.status, 'False');
  assert.equal(cond.reason, 'JobResumed');
});

test('activeDeadlineSeconds fails a running Job with DeadlineExceeded and deletes its pods', async () => {
  await createJob('slow', { activeDeadlineSeconds: 2 });
  await eventually('an active pod', async () => (await activePods('slow')).length === 1);
  const failed = await eventually('Failed by deadline', async () => {
    const j = await getJob('slow');
    return hasCondition(j, 'Failed') && j;
  }, 10_000);
  assert.equal(failed.status.conditions.find((c: any) => c.type === 'Failed').reason, 'DeadlineExceeded');
  assert.equal((await activePods('slow')).length, 0);
  assert.equal(failed.status.failed, 1, 'the deleted pod counts as failed before the Job is Failed');
});

async function failWithExitCode(name: string, exitCode: number): Promise<void> {
  const pod = (await h.api.call('GET', `/api/v1/namespaces/default/pods/${name}`)).body;
  pod.status = {
    phase: 'Failed',
    containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason: 'Error' } } }],
  };
  const r = await h.api.call('PUT', `/api/v1/namespaces/default/pods/${name}/status`, pod);
  assert.equal(r.status, 200, r.text);
}

test('a finishing Job releases its deleted pods even when only Failed pods are replaced', async () => {
  await createJob('slow-failed-policy', { activeDeadlineSeconds: 1, podReplacementPolicy: 'Failed' });
  await eventually('Failed by deadline', async () => hasCondition(await getJob('slow-failed-policy'), 'Failed'), 10_000);
  assert.equal((await listPods(h.api, 'default', 'batch.kubernetes.io/job-name=slow-failed-policy')).length, 0, 'the deleted pod is gone');
});

test('podFailurePolicy: an Ignore rule does not count the failure; a FailJob rule fails the Job at once', async () => {
  await createJob('policy', {
    backoffLimit: 0,
    podFailurePolicy: {
      rules: [
        { action: 'Ignore', onExitCodes: { operator: 'In', values: [42] } },
        { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1] } },
      ],
    },
  });
  const first = await eventually('first pod', async () => (await activePods('policy'))[0]);
  await failWithExitCode(first.metadata.name, 42);
  const second = await eventually('a replacement for the ignored failure', async () => {
    const p = (await activePods('policy'))[0];
    return p && p.metadata.name !== first.metadata.name && p;
  });
  const mid = await getJob('policy');
  assert.ok(!hasCondition(mid, 'Failed'), 'backoffLimit 0 not reached by an ignored failure');
  assert.equal(mid.status.failed ?? 0, 0);

  await failWithExitCode(second.metadata.name, 1);
  const failed = await eventually('Failed by policy', async () => {
    const j = await getJob('policy');
    return hasCondition(j, 'Failed') && j;
  });
  const cond = failed.status.conditions.find((c: any) => c.type === 'Failed');
  assert.equal(cond.reason, 'PodFailurePolicy');
  assert.equal(cond.message, `Container c for pod default/${second.metadata.name} failed with exit code 1 matching FailJob rule at index 1`);
});

test('ttlSecondsAfterFinished deletes a finished Job once the TTL has passed', async () => {
  await createJob('short-lived', { ttlSecondsAfterFinished: 2 });
  const pod = await eventually('a pod', async () => (await activePods('short-lived'))[0]);
  await setPodPhase(h.api, 'default', pod.metadata.name, 'Succeeded');
  await eventually('Complete', async () => hasCondition(await getJob('short-lived'), 'Complete'));
  await sleep(500);
  const still = await h.api.call('GET', '/apis/batch/v1/namespaces/default/jobs/short-lived');
  assert.equal(still.status, 200);
  assert.equal(still.body.metadata.deletionTimestamp, undefined, 'not deleted before the TTL');
  // Foreground deletion: without a garbage collector running the Job stays, marked for deletion.
  await eventually('job deleted', async () => {
    const r = await h.api.call('GET', '/apis/batch/v1/namespaces/default/jobs/short-lived');
    return r.status === 404 || !!r.body.metadata?.deletionTimestamp;
  }, 10_000);
});
