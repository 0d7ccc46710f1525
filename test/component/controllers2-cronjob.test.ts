// The CronJob controller against a real API server, with an injected clock so minutes pass
// at once. No Job controller runs: the test finishes Jobs itself through jobs/status.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CronJobController, mostRecentScheduleTime, parseCronSchedule } from '../../src/controllers/cron-job.ts';
import { eventually, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
let offsetMs = 0;
const clock = () => new Date(Date.now() + offsetMs);
let controller: CronJobController;

before(async () => {
  h = await startHarness();
  controller = new CronJobController(h.informers, h.client, h.recorder, { now: clock });
  h.start(controller);
});
after(async () => {
  await h.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jobsOf = async (cronJob: string) =>
  (await h.api.call('GET', '/apis/batch/v1/namespaces/default/jobs')).body.items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === cronJob);
const getCronJob = async (name: string) => (await h.api.call('GET', `/apis/batch/v1/namespaces/default/cronjobs/${name}`)).body;
/** Moves the injected clock and wakes the controller (its timers run on real time). */
const advance = (ms: number, name: string) => {
  offsetMs += ms;
  controller.queue.add(`default/${name}`);
};

async function finishJob(job: any, type: 'Complete' | 'Failed'): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const fresh = (await h.api.call('GET', `/apis/batch/v1/namespaces/default/jobs/${job.metadata.name}`)).body;
  fresh.status = {
    startTime: now,
    ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
    conditions: [
      { type: type === 'Complete' ? 'SuccessCriteriaMet' : 'FailureTarget', status: 'True', lastTransitionTime: now, reason: 'Test', message: 'test' },
      { type, status: 'True', lastTransitionTime: now, reason: 'Test', message: 'test' },
    ],
  };
  const r = await h.api.call('PUT', `/apis/batch/v1/namespaces/default/jobs/${job.metadata.name}/status`, fresh);
  assert.equal(r.status, 200, r.text);
}

function cronJob(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { from: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
      ...spec,
    },
  };
}

test('a CronJob fires when its scheduled minute passes and names the Job by scheduled minutes since the epoch', async () => {
  const r = await h.api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs', cronJob('tick', { concurrencyPolicy: 'Forbid' }));
  assert.equal(r.status, 201, r.text);
  await sleep(400);
  assert.equal((await jobsOf('tick')).length, 0, 'nothing before the first scheduled minute');

  advance(90_000, 'tick');
  const [job] = await eventually('the first Job', async () => {
    const jobs = await jobsOf('tick');
    return jobs.length === 1 && jobs;
  });
  const minutes = Number(/^tick-(\d+)$/.exec(job.metadata.name)?.[1]);
  const scheduled = minutes * 60_000;
  assert.ok(scheduled <= clock().getTime() && scheduled > clock().getTime() - 120_000, 'named after the most recent scheduled minute');
  assert.equal(job.metadata.labels.from, 'tick');
  assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
  assert.equal(job.metadata.ownerReferences[0].controller, true);
  assert.ok(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']);

  const cj = await eventually('status.active', async () => {
    const c = await getCronJob('tick');
    return c.status?.active?.length === 1 && c;
  });
  assert.equal(cj.status.active[0].name, job.metadata.name);
  assert.equal(Date.parse(cj.status.lastScheduleTime), scheduled);
});

test('concurrencyPolicy Forbid skips a run while the previous Job is active, and runs again once it finished', async () => {
  advance(60_000, 'tick');
  await eventually('JobAlreadyActive event', async () => {
    const ev = await h.api.call('GET', '/api/v1/namespaces/default/events');
    return ev.body.items.some((e: any) => e.involvedObject.name === 'tick' && e.reason === 'JobAlreadyActive');
  });
  assert.equal((await jobsOf('tick')).length, 1, 'no second Job while the first runs');

  const [first] = await jobsOf('tick');
  const skippedMinute = Math.floor(clock().getTime() / 60_000);
  await finishJob(first, 'Complete');
  // The skipped run is still the most recent unmet time: it starts as soon as the first ends.
  const jobs = await eventually('a second Job', async () => {
    const j = await jobsOf('tick');
    return j.length === 2 && j;
  });
  const second = jobs.find((j: any) => j.metadata.name !== first.metadata.name);
  assert.equal(second.metadata.name, `tick-${skippedMinute}`);
  const cj = await eventually('active is the second Job', async () => {
    const c = await getCronJob('tick');
    return c.status?.active?.[0]?.name === second.metadata.name && c;
  });
  assert.ok(cj.status.lastSuccessfulTime, 'lastSuccessfulTime follows the completed Job');
});

test('concurrencyPolicy Replace deletes the running Job and starts the new one', async () => {
  const r = await h.api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs', cronJob('swap', { concurrencyPolicy: 'Replace' }));
  assert.equal(r.status, 201, r.text);
  advance(60_000, 'swap');
  const [first] = await eventually('first Job', async () => {
    const j = await jobsOf('swap');
    return j.length === 1 && j;
  });
  advance(60_000, 'swap');
  await eventually('first replaced by a second', async () => {
    const j = await jobsOf('swap');
    const live = j.filter((x: any) => !x.metadata.deletionTimestamp);
    return live.length === 1 && live[0].metadata.name !== first.metadata.name;
  });
});

test('a suspended CronJob starts nothing', async () => {
  const r = await h.api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs', cronJob('paused', { suspend: true }));
  assert.equal(r.status, 201, r.text);
  advance(180_000, 'paused');
  await sleep(400);
  assert.equal((await jobsOf('paused')).length, 0);
});

test('finished Jobs beyond successfulJobsHistoryLimit are deleted, oldest first', async () => {
  offsetMs = 0; // a fresh CronJob with no missed minutes: one Job per advance below
  const r = await h.api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs', cronJob('hist', { successfulJobsHistoryLimit: 1 }));
  assert.equal(r.status, 201, r.text);
  const seen: string[] = [];
  for (let i = 0; i < 2; i++) {
    advance(60_000, 'hist');
    const job = await eventually(`Job #${i + 1}`, async () => (await jobsOf('hist')).find((j: any) => !seen.includes(j.metadata.name)));
    seen.push(job.metadata.name);
    await finishJob(job, 'Complete');
  }
  controller.queue.add('default/hist');
  await eventually('only the newest finished Job kept', async () => {
    const live = (await jobsOf('hist')).filter((j: any) => !j.metadata.deletionTimestamp);
    return live.length === 1 && live[0].metadata.name === seen[1];
  });
});

test('schedules: descriptors, day-of-month OR day-of-week, time zones and startingDeadlineSeconds', () => {
  const at = (s: string) => new Date(s);
  assert.equal(parseCronSchedule('@daily', 'UTC').next(at('2026-01-01T10:00:00Z'))?.toISOString(), '2026-01-02T00:00:00.000Z');
  assert.equal(parseCronSchedule('0 0 13 * 5', 'UTC').next(at('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-02T00:00:00.000Z');
  assert.equal(parseCronSchedule('30 9 * * *', 'Asia/Kolkata').next(at('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-01T04:00:00.000Z');
  assert.equal(parseCronSchedule('0 2 * * *', 'America/New_York').next(at('2026-03-08T00:00:00Z'))?.toISOString(), '2026-03-08T07:00:00.000Z');
  assert.throws(() => parseCronSchedule('61 * * * *'), /above maximum/);

  const cj: any = { metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { schedule: '* * * * *' }, status: {} };
  const sched = parseCronSchedule('* * * * *', 'UTC');
  const now = at('2026-01-01T03:00:30Z');
  const all = mostRecentScheduleTime(cj, now, sched, true);
  assert.equal(all.mostRecent?.toISOString(), '2026-01-01T03:00:00.000Z');
  assert.equal(all.missed, 180);
  cj.spec.startingDeadlineSeconds = 200;
  const bounded = mostRecentScheduleTime(cj, now, sched, true);
  assert.equal(bounded.mostRecent?.toISOString(), '2026-01-01T03:00:00.000Z');
  assert.equal(bounded.missed, 3, 'only times within the deadline count as missed (02:58, 02:59, 03:00)');
});
