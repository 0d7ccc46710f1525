import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../../src/client/workqueue.ts';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  TokenBucket,
  defaultControllerRateLimiter,
} from '../../../src/client/rate-limiter.ts';

test('an item added twice before it is taken is queued once', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.len(), 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.len(), 0);
});

test('an item added while being processed is processed again after done, not concurrently', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  assert.equal(q.len(), 0, 'not handed to a second worker while processing');
  let second: string | undefined;
  void q.get().then((x) => (second = x));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(second, undefined);
  q.done('a');
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(second, 'a');
  q.done('a');
  assert.equal(q.len(), 0);
});

test('a waiting get resolves when an item is added', async () => {
  const q = new WorkQueue<string>();
  const p = q.get();
  q.add('x');
  assert.equal(await p, 'x');
});

test('addAfter delays the item and the earliest delay wins', async () => {
  const q = new WorkQueue<string>();
  const start = Date.now();
  q.addAfter('late', 200);
  q.addAfter('late', 30);
  q.addAfter('late', 500);
  assert.equal(q.len(), 0);
  assert.equal(await q.get(), 'late');
  const waited = Date.now() - start;
  assert.ok(waited >= 25 && waited < 190, `waited ${waited} ms`);
});

test('addRateLimited backs off exponentially per item and forget resets it', async () => {
  const q = new WorkQueue<string>({ rateLimiter: new ItemExponentialFailureRateLimiter<string>(10, 1000) });
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = Date.now();
    q.addRateLimited('k');
    const got = await q.get();
    delays.push(Date.now() - t);
    q.done(got!);
  }
  assert.equal(q.numRequeues('k'), 3);
  // 10, 20, 40 ms (timers may fire a little late, never early).
  assert.ok(delays[0] >= 9 && delays[1] >= 19 && delays[2] >= 39, `delays ${delays}`);
  q.forget('k');
  assert.equal(q.numRequeues('k'), 0);
});

test('the exponential limiter doubles from the base and caps at the max', () => {
  const l = new ItemExponentialFailureRateLimiter<string>(5, 1000_000);
  const got = Array.from({ length: 5 }, () => l.when('a'));
  assert.deepEqual(got, [5, 10, 20, 40, 80]);
  for (let i = 0; i < 100; i++) l.when('a');
  assert.equal(l.when('a'), 1000_000);
  assert.equal(l.when('b'), 5, 'per item');
});

test('the token bucket allows the burst at once, then paces at qps', () => {
  let now = 0;
  const b = new TokenBucket(10, 100, () => now);
  for (let i = 0; i < 100; i++) assert.equal(b.reserve(), 0);
  assert.equal(Math.round(b.reserve()), 100);
  assert.equal(Math.round(b.reserve()), 200);
  now = 1000;
  assert.equal(Math.round(b.reserve()), 0, 'ten tokens refilled, two owed, one taken');
});

test('the default controller rate limiter is the max of per-item backoff and the overall bucket', () => {
  const l = defaultControllerRateLimiter<string>();
  assert.equal(l.when('a'), 5);
  assert.equal(l.when('a'), 10);
  const m = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(1, 10), new BucketRateLimiter<string>(1, 1));
  assert.equal(m.when('x'), 1);
  assert.ok(m.when('y') >= 900, 'bucket exhausted');
});

test('shutDown wakes waiting workers with undefined, hands out what is left, and ignores new adds', async () => {
  const q = new WorkQueue<string>();
  const waiting = q.get();
  q.shutDown();
  assert.equal(await waiting, undefined);
  const q2 = new WorkQueue<string>();
  q2.add('left');
  q2.addAfter('delayed', 10);
  q2.shutDown();
  q2.add('new');
  assert.equal(await q2.get(), 'left');
  assert.equal(await q2.get(), undefined);
  assert.ok(q2.shuttingDown());
});

test('workers drain a queue with requeues and every key is processed', async () => {
  const q = new WorkQueue<number>({ rateLimiter: new ItemExponentialFailureRateLimiter<number>(1, 5) });
  const processed = new Map<number, number>();
  const worker = async () => {
    for (;;) {
      const k = await q.get();
      if (k === undefined) return;
      const n = (processed.get(k) ?? 0) + 1;
      processed.set(k, n);
      if (k % 3 === 0 && n < 3) q.addRateLimited(k);
      else q.forget(k);
      q.done(k);
    }
  };
  const workers = [worker(), worker(), worker()];
  for (let i = 0; i < 30; i++) q.add(i);
  const deadline = Date.now() + 3000;
  while ([...Array(30).keys()].some((k) => (processed.get(k) ?? 0) < (k % 3 === 0 ? 3 : 1)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  q.shutDown();
  await Promise.all(workers);
  for (let k = 0; k < 30; k++) assert.equal(processed.get(k), k % 3 === 0 ? 3 : 1, `key ${k}`);
});
