// CronJob, Job and TTL-after-finished controllers together: a scheduled run goes from the
// CronJob through a Job and its pod to completion, and the finished Job is cleaned up.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CronJobController } from '../../src/controllers/cron-job.ts';
import { JobController } from '../../src/controllers/job.ts';
import { TtlAfterFinishedController } from '../../src/controllers/ttl-after-finished.ts';
import { eventually, listPods, setPodPhase, startHarness, type Harness } from './controllers2-harness.ts';

let h: Harness;
let offsetMs = 0;
let cron: CronJobController;
before(async () => {
  h = await startHarness();
  cron = new CronJobController(h.informers, h.client, h.recorder, { now: () => new Date(Date.now() + offsetMs) });
  h.start(cron);
  h.start(new JobController(h.informers, h.client, h.recorder));
  h.start(new TtlAfterFinishedController(h.informers, h.client, h.recorder));
});
after(async () => {
  await h.stop();
});

test('a scheduled run: CronJob → Job → pod → Complete → lastSuccessfulTime, and the TTL removes the Job', async () => {
  const r = await h.api.call('POST', '/apis/batch/v1/namespaces/default/cronjobs', {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly' },
    spec: {
      schedule: '@hourly',
      timeZone: 'Etc/UTC',
      jobTemplate: {
        spec: { ttlSecondsAfterFinished: 1, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
      },
    },
  });
  assert.equal(r.status, 201, r.text);
  offsetMs = 3_600_000;
  cron.queue.add('default/nightly');

  const job = await eventually('the Job', async () => {
    const jobs = (await h.api.call('GET', '/apis/batch/v1/namespaces/default/jobs')).body.items;
    return jobs[0];
  });
  assert.equal(Number(job.metadata.name.split('-').pop()) % 60, 0, 'an @hourly run is named after a whole hour');
  const pod = await eventually('the pod', async () => (await listPods(h.api, 'default', `batch.kubernetes.io/job-name=${job.metadata.name}`))[0]);
  await setPodPhase(h.api, 'default', pod.metadata.name, 'Succeeded');

  const cj = await eventually('lastSuccessfulTime and an empty active list', async () => {
    const c = (await h.api.call('GET', '/apis/batch/v1/namespaces/default/cronjobs/nightly')).body;
    return c.status?.lastSuccessfulTime && !(c.status.active?.length > 0) && c;
  });
  assert.ok(cj.status.lastScheduleTime);
  await eventually('the finished Job is deleted by its TTL', async () => {
    const j = await h.api.call('GET', `/apis/batch/v1/namespaces/default/jobs/${job.metadata.name}`);
    return j.status === 404 || !!j.body.metadata?.deletionTimestamp;
  }, 10_000);
});
