// Child process of the crash test: writes a burst of keys into a SQLite store and prints
// each acknowledged write ("ack <key> <revision>") and each watched revision ("seen <rev>").
// The burst starts once the store's writer thread is up, so the writes it acknowledges were
// committed by that thread.
import { SqliteStore, writerThreadStarted } from '../../src/storage/sqlite/sqlite-store.ts';

const [path, countArg] = process.argv.slice(2);
const total = Number(countArg ?? 5000);
const inFlight = 16;
const store = SqliteStore.open({ path, compaction: false, writerThread: true });
await writerThreadStarted(store);

store.watch('/registry/crash/', await store.currentRevision(), {
  onEvents: (events) => process.stdout.write(`seen ${events[events.length - 1].kv.modRevision}\n`),
  onError: (err) => process.stdout.write(`watch-error ${err.message}\n`),
});

let next = 0;
async function writer(): Promise<void> {
  while (next < total) {
    const key = `/registry/crash/k${String(next++).padStart(5, '0')}`;
    const kv = await store.create(key, Buffer.from(`value of ${key}`));
    process.stdout.write(`ack ${key} ${kv.modRevision}\n`);
  }
}
await Promise.all(Array.from({ length: inFlight }, writer));
process.stdout.write('done\n');
