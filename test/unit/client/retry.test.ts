import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conflict, notFound } from '../../../src/api/errors.ts';
import { retryOnConflict } from '../../../src/client/retry.ts';

const gr = { group: '', resource: 'configmaps' };

test('retryOnConflict runs the function again after a 409 Conflict until it succeeds', async () => {
  let calls = 0;
  const out = await retryOnConflict(async () => {
    calls++;
    if (calls < 3) throw conflict(gr, 'x', 'the object has been modified');
    return 'ok';
  }, { delayMs: 1 });
  assert.equal(out, 'ok');
  assert.equal(calls, 3);
});

test('retryOnConflict gives up after the last step and passes other errors through at once', async () => {
  let calls = 0;
  await assert.rejects(retryOnConflict(async () => {
    calls++;
    throw conflict(gr, 'x', 'again');
  }, { delayMs: 1, steps: 4 }), /again/);
  assert.equal(calls, 4);
  calls = 0;
  await assert.rejects(retryOnConflict(async () => {
    calls++;
    throw notFound(gr, 'x');
  }), /not found/);
  assert.equal(calls, 1);
});
