// The store contract as tests: every backend runs this same suite.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_VALUE_BYTES, isStoreError, type Store, type StoreError, type StoreEvent } from '../../src/storage/store.ts';

export interface StoreFactory {
  /** A store for one test; keys under `prefix` are the test's own. */
  open(): Promise<Store>;
  /** Closes what open() returned. */
  close(store: Store): Promise<void>;
}

let prefixCounter = 0;
function freshPrefix(): string {
  prefixCounter++;
  return `/registry/conformance${prefixCounter}-${process.pid}-${Date.now()}/`;
}

const v = (s: string) => Buffer.from(s);

async function rejectsWith(promise: Promise<unknown>, code: StoreError['code']): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isStoreError(err, code), `expected StoreError ${code}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected StoreError ${code}, but the call succeeded`);
}

export interface EventLog {
  events: StoreEvent[];
  error?: StoreError;
  waitFor(pred: (log: EventLog) => boolean, timeoutMs?: number): Promise<void>;
  cancel(): void;
}

export function recordWatch(store: Store, prefix: string, after: number): EventLog {
  const log: EventLog = {
    events: [],
    async waitFor(pred, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(log)) {
        if (Date.now() > deadline) {
          throw new Error(`watch condition not met in ${timeoutMs} ms; got ${log.events.length} events, error ${log.error?.message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    cancel: () => handle.cancel(),
  };
  const handle = store.watch(prefix, after, {
    onEvents: (events) => log.events.push(...events),
    onError: (err) => { log.error = err; },
  });
  return log;
}

function assertIncreasing(events: StoreEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].kv.modRevision > events[i - 1].kv.modRevision, `event ${i} is out of order`);
  }
}

export function storeConformance(backend: string, factory: StoreFactory): void {
  const withStore = (name: string, fn: (store: Store, prefix: string) => Promise<void>, timeout = 30_000) =>
    test(`${backend}: ${name}`, { timeout }, async () => {
      const store = await factory.open();
      try {
        await fn(store, freshPrefix());
      } finally {
        await factory.close(store);
      }
    });

  withStore('every write gets a new, strictly higher revision and get returns it', async (store, p) => {
    const before = await store.currentRevision();
    const a = await store.create(`${p}a`, v('1'));
    assert.ok(a.modRevision > before);
    assert.equal(a.createRevision, a.modRevision);
    const a2 = await store.update(`${p}a`, v('2'), a.modRevision);
    assert.ok(a2.modRevision > a.modRevision);
    assert.equal(a2.createRevision, a.createRevision);
    const b = await store.create(`${p}b`, v('3'));
    assert.ok(b.modRevision > a2.modRevision);
    assert.equal(await store.currentRevision(), b.modRevision);
    const got = await store.get(`${p}a`);
    assert.deepEqual(got && { ...got, value: got.value.toString() }, {
      key: `${p}a`, value: '2', createRevision: a.createRevision, modRevision: a2.modRevision,
    });
    assert.equal(await store.get(`${p}missing`), undefined);
  });

  withStore('create of an existing key fails with KeyExists and reports what is stored', async (store, p) => {
    const a = await store.create(`${p}a`, v('1'));
    const err = await rejectsWith(store.create(`${p}a`, v('other')), 'KeyExists');
    assert.equal(err.current?.modRevision, a.modRevision);
    assert.equal((await store.get(`${p}a`))?.value.toString(), '1');
  });

  withStore('update with a stale revision fails with Conflict and changes nothing', async (store, p) => {
    const a = await store.create(`${p}a`, v('1'));
    const a2 = await store.update(`${p}a`, v('2'), a.modRevision);
    const err = await rejectsWith(store.update(`${p}a`, v('stale'), a.modRevision), 'Conflict');
    assert.equal(err.current?.modRevision, a2.modRevision);
    assert.equal(err.current?.value.toString(), '2');
    assert.equal((await store.get(`${p}a`))?.value.toString(), '2');
    await rejectsWith(store.update(`${p}missing`, v('x'), a.modRevision), 'NotFound');
  });

  withStore('delete checks the revision, returns the deleted value at the deletion revision', async (store, p) => {
    const a = await store.create(`${p}a`, v('1'));
    const a2 = await store.update(`${p}a`, v('2'), a.modRevision);
    await rejectsWith(store.delete(`${p}a`, a.modRevision), 'Conflict');
    const deleted = await store.delete(`${p}a`, a2.modRevision);
    assert.equal(deleted.value.toString(), '2');
    assert.equal(deleted.createRevision, a.createRevision);
    assert.ok(deleted.modRevision > a2.modRevision);
    assert.equal(await store.currentRevision(), deleted.modRevision);
    assert.equal(await store.get(`${p}a`), undefined);
    await rejectsWith(store.delete(`${p}a`), 'NotFound');
    await rejectsWith(store.update(`${p}a`, v('x'), a2.modRevision), 'NotFound');
    const again = await store.create(`${p}a`, v('new'));
    assert.ok(again.createRevision > deleted.modRevision, 'a re-created key starts a new incarnation');
    const unconditional = await store.delete(`${p}a`);
    assert.equal(unconditional.value.toString(), 'new');
  });

  withStore('concurrent writers: exactly one winner per expected revision', async (store, p) => {
    const creates = await Promise.allSettled(Array.from({ length: 32 }, (_, i) => store.create(`${p}race`, v(`c${i}`))));
    assert.equal(creates.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of creates) if (r.status === 'rejected') assert.ok(isStoreError(r.reason, 'KeyExists'));
    let current = (await store.get(`${p}race`))!;
    for (let round = 0; round < 5; round++) {
      const attempts = await Promise.allSettled(
        Array.from({ length: 16 }, (_, i) => store.update(`${p}race`, v(`r${round}w${i}`), current.modRevision)),
      );
      const winners = attempts.filter((r) => r.status === 'fulfilled');
      assert.equal(winners.length, 1, `round ${round}: exactly one update wins`);
      for (const r of attempts) if (r.status === 'rejected') assert.ok(isStoreError(r.reason, 'Conflict'));
      current = (winners[0] as PromiseFulfilledResult<typeof current>).value;
      assert.equal((await store.get(`${p}race`))?.modRevision, current.modRevision);
    }
    const distinct = await Promise.all(Array.from({ length: 64 }, (_, i) => store.create(`${p}k${i}`, v(String(i)))));
    assert.equal(new Set(distinct.map((kv) => kv.modRevision)).size, 64, 'each write has its own revision');
    assert.equal(await store.count(p), 65);
  });

  withStore('one failing write among concurrent writes does not fail the others', async (store, p) => {
    await store.create(`${p}taken`, v('x'));
    const results = await Promise.allSettled([
      store.create(`${p}one`, v('1')),
      store.create(`${p}taken`, v('dup')),
      store.create(`${p}two`, v('2')),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal((await store.get(`${p}one`))?.value.toString(), '1');
    assert.equal((await store.get(`${p}two`))?.value.toString(), '2');
  });

  withStore('list pages with continue at a fixed revision do not show later writes', async (store, p) => {
    for (let i = 0; i < 25; i++) await store.create(`${p}k${String(i).padStart(2, '0')}`, v(`v${i}`));
    await store.create(`${p.slice(0, -1)}x/other`, v('outside the prefix'));
    const first = await store.list(p, { limit: 10 });
    assert.equal(first.kvs.length, 10);
    assert.equal(first.more, true);
    const seen = [...first.kvs];
    // Writes between pages: a key sorting into a later page, an update and a delete there.
    await store.create(`${p}k15a`, v('late'));
    const k20 = (await store.get(`${p}k20`))!;
    await store.update(`${p}k20`, v('changed'), k20.modRevision);
    await store.delete(`${p}k22`);
    let page = first;
    while (page.more) {
      page = await store.list(p, { limit: 10, continueAfter: page.kvs[page.kvs.length - 1].key, revision: first.revision });
      assert.equal(page.revision, first.revision);
      seen.push(...page.kvs);
    }
    assert.deepEqual(seen.map((kv) => kv.key), Array.from({ length: 25 }, (_, i) => `${p}k${String(i).padStart(2, '0')}`));
    assert.equal(seen[20].value.toString(), 'v20');
    const now = await store.list(p);
    assert.equal(now.kvs.length, 25);
    assert.equal(now.more, false);
    assert.ok(now.kvs.some((kv) => kv.key === `${p}k15a`));
    assert.ok(!now.kvs.some((kv) => kv.key === `${p}k22`));
    assert.equal(await store.count(p), 25);
  });

  withStore('list at a past revision shows the prefix as it was', async (store, p) => {
    const a = await store.create(`${p}a`, v('a1'));
    const b = await store.create(`${p}b`, v('b1'));
    const then = b.modRevision;
    await store.update(`${p}a`, v('a2'), a.modRevision);
    await store.delete(`${p}b`);
    await store.create(`${p}c`, v('c1'));
    const past = await store.list(p, { revision: then });
    assert.equal(past.revision, then);
    assert.deepEqual(past.kvs.map((kv) => `${kv.key.slice(p.length)}=${kv.value}`), ['a=a1', 'b=b1']);
    const present = await store.list(p);
    assert.deepEqual(present.kvs.map((kv) => `${kv.key.slice(p.length)}=${kv.value}`), ['a=a2', 'c=c1']);
  });

  withStore('watch from a past revision replays the log, then follows live writes', async (store, p) => {
    const a = await store.create(`${p}a`, v('1'));
    const a2 = await store.update(`${p}a`, v('2'), a.modRevision);
    await store.create(`${p.slice(0, -1)}x/elsewhere`, v('not watched'));
    const del = await store.delete(`${p}a`);
    const log = recordWatch(store, p, a.modRevision);
    await log.waitFor((l) => l.events.length >= 2);
    const b = await store.create(`${p}b`, v('live'));
    await log.waitFor((l) => l.events.length >= 3);
    log.cancel();
    assert.equal(log.error, undefined);
    assertIncreasing(log.events);
    assert.deepEqual(log.events.map((e) => [e.type, e.kv.key.slice(p.length), e.kv.modRevision]), [
      ['PUT', 'a', a2.modRevision], ['DELETE', 'a', del.modRevision], ['PUT', 'b', b.modRevision],
    ]);
    assert.equal(log.events[0].prevKv?.value.toString(), '1');
    assert.equal(log.events[0].prevKv?.modRevision, a.modRevision);
    assert.equal(log.events[1].prevKv?.value.toString(), '2');
    assert.equal(log.events[2].prevKv, undefined);
    await store.create(`${p}c`, v('after cancel'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(log.events.length, 3, 'no events after cancel');
  });

  withStore('a watch started from the past while writes continue sees every event once, in order', async (store, p) => {
    const start = await store.currentRevision();
    const total = 1500;
    let next = 0;
    let log: EventLog | undefined;
    const writer = async () => {
      while (next < total) {
        const i = next++;
        await store.create(`${p}k${i}`, v(String(i)));
        if (i === 500) log = recordWatch(store, p, start);
      }
    };
    await Promise.all(Array.from({ length: 16 }, writer));
    await log!.waitFor((l) => l.events.length >= total, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    log!.cancel();
    assert.equal(log!.error, undefined);
    assert.equal(log!.events.length, total);
    assertIncreasing(log!.events);
    assert.equal(new Set(log!.events.map((e) => e.kv.key)).size, total);
  }, 60_000);

  withStore('watch and list from a compacted revision fail with Compacted; current values survive', async (store, p) => {
    const a = await store.create(`${p}a`, v('1'));
    const a2 = await store.update(`${p}a`, v('2'), a.modRevision);
    const b = await store.create(`${p}b`, v('b'));
    await store.delete(`${p}b`);
    const c = await store.create(`${p}c`, v('c'));
    await store.compact(c.modRevision);
    assert.ok((await store.compactedRevision()) >= c.modRevision - 1);
    const log = recordWatch(store, p, a.modRevision);
    await log.waitFor((l) => l.error !== undefined);
    assert.equal(log.error?.code, 'Compacted');
    assert.equal(log.events.length, 0);
    const err = await rejectsWith(store.list(p, { revision: b.modRevision }), 'Compacted');
    assert.ok((err.compactRevision ?? 0) >= c.modRevision - 1);
    const now = await store.list(p);
    assert.deepEqual(now.kvs.map((kv) => `${kv.key.slice(p.length)}=${kv.value}@${kv.modRevision}`), [
      `a=2@${a2.modRevision}`, `c=c@${c.modRevision}`,
    ]);
    const fromCompacted = recordWatch(store, p, c.modRevision);
    const d = await store.create(`${p}d`, v('d'));
    await fromCompacted.waitFor((l) => l.events.length >= 1);
    fromCompacted.cancel();
    assert.equal(fromCompacted.events[0].kv.modRevision, d.modRevision);
  });

  withStore('a TTL key expires with a DELETE event', async (store, p) => {
    const kv = await store.create(`${p}event`, v('short-lived'), { ttlSeconds: 1 });
    assert.equal(kv.ttlSeconds, 1);
    assert.equal((await store.get(`${p}event`))?.ttlSeconds, 1);
    await store.create(`${p}lasting`, v('stays'));
    const log = recordWatch(store, p, kv.modRevision);
    await log.waitFor((l) => l.events.some((e) => e.type === 'DELETE'), 8000);
    log.cancel();
    const deletion = log.events.find((e) => e.type === 'DELETE')!;
    assert.equal(deletion.kv.key, `${p}event`);
    assert.equal(deletion.prevKv.value.toString(), 'short-lived');
    assert.equal(await store.get(`${p}event`), undefined);
    assert.equal((await store.get(`${p}lasting`))?.value.toString(), 'stays');
  }, 20_000);

  withStore('a value just under the size limit is stored; one byte over is TooLarge and stores nothing', async (store, p) => {
    const big = Buffer.alloc(MAX_VALUE_BYTES - 1024, 7);
    const kv = await store.create(`${p}big`, big);
    assert.ok((await store.get(`${p}big`))?.value.equals(big));
    const before = await store.currentRevision();
    const tooBig = Buffer.alloc(MAX_VALUE_BYTES + 1);
    const err = await rejectsWith(store.create(`${p}huge`, tooBig), 'TooLarge');
    assert.match(err.message, /huge/);
    await rejectsWith(store.update(`${p}big`, tooBig, kv.modRevision), 'TooLarge');
    assert.equal(await store.currentRevision(), before);
    assert.equal(await store.get(`${p}huge`), undefined);
    assert.ok((await store.get(`${p}big`))?.value.equals(big));
  });

  withStore('malformed keys are refused with InvalidKey and change nothing', async (store, p) => {
    const before = await store.currentRevision();
    for (const bad of ['', 'registry/no-slash', `${p}a//b`, `${p}trailing/`, `${p}nul\0byte`]) {
      await rejectsWith(store.create(bad, v('x')), 'InvalidKey');
      await rejectsWith(store.update(bad, v('x'), 1), 'InvalidKey');
      await rejectsWith(store.delete(bad), 'InvalidKey');
      await rejectsWith(store.get(bad), 'InvalidKey');
    }
    await rejectsWith(store.list('no-slash'), 'InvalidKey');
    assert.throws(() => store.watch('', 0, { onEvents() {}, onError() {} }), (err) => isStoreError(err, 'InvalidKey'));
    assert.equal(await store.currentRevision(), before);
  });
}
