// The writer thread: owns the writer connection and carries out the store's requests one by
// one, so each commit's fsync blocks this thread instead of the main thread's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { StoreError } from '../store.ts';
import { decodeOps, encodeOutcomes } from './batch-codec.ts';
import { LogWriter } from './log-writer.ts';
import { openWriterConnection } from './schema.ts';
import { toStoreError } from './sqlite-errors.ts';
import type { WriterMessage, WriterReply, WriterRequest, WriterWorkerData } from './writer-protocol.ts';

const port = parentPort!;
const { path } = workerData as WriterWorkerData;
const db = openWriterConnection(path);
const writer = new LogWriter(db, path);
port.postMessage({ type: 'ready' } satisfies WriterMessage);

port.on('message', (request: WriterRequest) => {
  let reply: WriterReply;
  try {
    switch (request.type) {
      case 'batch': {
        const outcomes = encodeOutcomes(writer.writeBatch(decodeOps(request.ops)));
        port.postMessage({ type: 'reply', ok: true, outcomes } satisfies WriterMessage, [outcomes.data]);
        return;
      }
      case 'setMeta':
        writer.setMeta(request.key, request.value);
        break;
      case 'compact':
        writer.compactRange(request.from, request.to, request.rev);
        break;
      case 'close':
        // The store terminates the thread once this is answered.
        db.close();
        break;
    }
    reply = { ok: true };
  } catch (err) {
    const e: StoreError = toStoreError(err, path);
    reply = { ok: false, code: e.code, message: e.message };
  }
  port.postMessage({ type: 'reply', ...reply } satisfies WriterMessage);
});
