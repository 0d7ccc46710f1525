// Messages between the store (main thread) and its writer thread. The thread answers every
// request, in the order received.
import type { StoreErrorCode } from '../store.ts';
import type { EncodedOps, EncodedOutcomes } from './batch-codec.ts';

export interface WriterWorkerData {
  path: string;
}

export type WriterRequest =
  | { type: 'batch'; ops: EncodedOps }
  | { type: 'setMeta'; key: string; value: number }
  | { type: 'compact'; from: number; to: number; rev: number }
  | { type: 'close' };

export type WriterReply =
  | { ok: true; outcomes?: EncodedOutcomes }
  | { ok: false; code: StoreErrorCode; message: string };

/** The thread's first message says its connection is open; then one reply per request. */
export type WriterMessage = { type: 'ready' } | ({ type: 'reply' } & WriterReply);
