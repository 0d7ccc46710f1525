import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { configFromParts } from '../../../src/client/kubeconfig.ts';
import { RestClient } from '../../../src/client/rest-client.ts';
import { resources } from '../../../src/client/resources.ts';
import { LeaderElector, type Lease, type LeaderElectionConfig } from '../../../src/client/leader-election.ts';
import { FakeApiServer } from './fake-apiserver.ts';
import { waitFor } from './wait-for.ts';

let server: FakeApiServer;
let client: RestClient;
const electors: LeaderElector[] = [];

beforeEach(async () => {
  server = await FakeApiServer.start();
  client = new RestClient(configFromParts({ server: server.url }), { component: 'le-test' });
});
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  client.close();
  await server.close();
});

interface Candidate {
  elector: LeaderElector;
  log: string[];
  done: Promise<void>;
  leadSignal?: AbortSignal;
}

function candidate(identity: string, extra: Partial<LeaderElectionConfig> = {}): Candidate {
  const c: Partial<Candidate> = { log: [] };
  const elector = new LeaderElector({
    client,
    namespace: 'kube-system',
    name: 'test-lock',
    identity,
    leaseDurationMs: 1000,
    renewDeadlineMs: 400,
    retryPeriodMs: 100,
    onStartedLeading: (signal) => {
      c.leadSignal = signal;
      c.log!.push('started');
    },
    onStoppedLeading: () => c.log!.push('stopped'),
    onError: () => {},
    ...extra,
  });
  electors.push(elector);
  c.elector = elector;
  c.done = elector.run();
  return c as Candidate;
}

async function lease(): Promise<Lease> {
  return client.get<Lease>(resources.leases, 'test-lock', { namespace: 'kube-system' });
}

test('of two candidates one leads; when it stops and releases, the other takes over', async () => {
  const a = candidate('a');
  await waitFor(() => a.log.includes('started'), 'a leads');
  const b = candidate('b');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(b.log.length, 0, 'b waits while a renews');
  assert.equal(b.elector.getLeader(), 'a');
  assert.ok(a.elector.isLeader());
  const held = await lease();
  assert.equal(held.spec?.holderIdentity, 'a');
  assert.equal(held.spec?.leaseDurationSeconds, 1);
  assert.equal(held.spec?.leaseTransitions, 0);
  assert.match(held.spec?.renewTime ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  const renewTimeBefore = held.spec?.renewTime;
  await new Promise((r) => setTimeout(r, 250));
  assert.notEqual((await lease()).spec?.renewTime, renewTimeBefore, 'a renews');

  const t = Date.now();
  await a.elector.stop();
  await a.done;
  assert.deepEqual(a.log, ['started', 'stopped']);
  assert.equal(a.leadSignal?.aborted, true);
  await waitFor(() => b.log.includes('started'), 'b takes over');
  assert.ok(Date.now() - t < 900, 'release lets b in before the lease duration would have run out');
  const taken = await lease();
  assert.equal(taken.spec?.holderIdentity, 'b');
  assert.equal(taken.spec?.leaseTransitions, 1);
});

test('a leader that vanishes without releasing is replaced only after the lease duration', async () => {
  const a = candidate('a', { releaseOnCancel: false });
  await waitFor(() => a.log.includes('started'), 'a leads');
  const b = candidate('b');
  await new Promise((r) => setTimeout(r, 150));
  await a.elector.stop();
  const t = Date.now();
  await waitFor(() => b.log.includes('started'), 'b takes over', 5000);
  const waited = Date.now() - t;
  assert.ok(waited >= 700, `b waited ${waited} ms`);
  assert.equal((await lease()).spec?.holderIdentity, 'b');
});

test('a leader that cannot renew within the renew deadline stops leading', async () => {
  const a = candidate('a');
  await waitFor(() => a.log.includes('started'), 'a leads');
  server.injectFailure({ urlIncludes: '/leases/test-lock', code: 500, reason: 'InternalError', times: 1000 });
  await a.done;
  assert.deepEqual(a.log, ['started', 'stopped']);
  assert.equal(a.leadSignal?.aborted, true);
  assert.equal(a.elector.isLeader(), false);
});

test('timings that cannot work are rejected', () => {
  assert.throws(() => new LeaderElector({ client, namespace: 'n', name: 'l', identity: 'x', leaseDurationMs: 1000, renewDeadlineMs: 1000, onStartedLeading: () => {} }), /leaseDuration/);
  assert.throws(() => new LeaderElector({ client, namespace: 'n', name: 'l', identity: 'x', renewDeadlineMs: 1000, retryPeriodMs: 900, onStartedLeading: () => {} }), /renewDeadline/);
});
