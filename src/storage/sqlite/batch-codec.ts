// How a batch crosses to the writer worker and back. Every value travels in one packed
// ArrayBuffer that is transferred, not cloned: structured-cloning a Buffer copies its whole
// backing store (for a small Buffer, Node's 8 KiB pool) and arrives as a plain Uint8Array.
import type { KeyValue, StoreErrorCode } from '../store.ts';
import type { Outcome, WriteOp } from './log-writer.ts';

type WireOp =
  | { kind: 'create'; key: string; size: number; ttlSeconds?: number }
  | { kind: 'update'; key: string; size: number; expected: number; ttlSeconds?: number }
  | { kind: 'delete'; key: string; expected?: number };

interface WireKeyValue {
  key: string;
  size: number;
  createRevision: number;
  modRevision: number;
  ttlSeconds?: number;
}

type WireOutcome =
  | { ok: true; modRevision: number; createRevision: number; prev?: WireKeyValue }
  | { ok: false; code: StoreErrorCode; message: string; current?: WireKeyValue };

export interface EncodedOps {
  ops: WireOp[];
  data: ArrayBuffer;
}

export interface EncodedOutcomes {
  outcomes: WireOutcome[];
  data: ArrayBuffer;
}

export function encodeOps(ops: readonly WriteOp[]): EncodedOps {
  const blobs = new BlobWriter();
  const wire = ops.map((op): WireOp => {
    switch (op.kind) {
      case 'create':
        return { kind: 'create', key: op.key, size: blobs.add(op.value), ttlSeconds: op.ttlSeconds };
      case 'update':
        return { kind: 'update', key: op.key, size: blobs.add(op.value), expected: op.expected, ttlSeconds: op.ttlSeconds };
      case 'delete':
        return op;
    }
  });
  return { ops: wire, data: blobs.finish() };
}

export function decodeOps(encoded: EncodedOps): WriteOp[] {
  const blobs = new BlobReader(encoded.data);
  return encoded.ops.map((op): WriteOp => {
    switch (op.kind) {
      case 'create':
        return { kind: 'create', key: op.key, value: blobs.next(op.size), ttlSeconds: op.ttlSeconds };
      case 'update':
        return { kind: 'update', key: op.key, value: blobs.next(op.size), expected: op.expected, ttlSeconds: op.ttlSeconds };
      case 'delete':
        return op;
    }
  });
}

export function encodeOutcomes(outcomes: readonly Outcome[]): EncodedOutcomes {
  const blobs = new BlobWriter();
  const kv = (k: KeyValue | undefined): WireKeyValue | undefined =>
    k && { key: k.key, size: blobs.add(k.value), createRevision: k.createRevision, modRevision: k.modRevision, ttlSeconds: k.ttlSeconds };
  const wire = outcomes.map((o): WireOutcome => o.ok
    ? { ok: true, modRevision: o.modRevision, createRevision: o.createRevision, prev: kv(o.prev) }
    : { ok: false, code: o.code, message: o.message, current: kv(o.current) });
  return { outcomes: wire, data: blobs.finish() };
}

export function decodeOutcomes(encoded: EncodedOutcomes): Outcome[] {
  const blobs = new BlobReader(encoded.data);
  const kv = (w: WireKeyValue | undefined): KeyValue | undefined => {
    if (!w) return undefined;
    const k: KeyValue = { key: w.key, value: blobs.next(w.size), createRevision: w.createRevision, modRevision: w.modRevision };
    if (w.ttlSeconds !== undefined) k.ttlSeconds = w.ttlSeconds;
    return k;
  };
  return encoded.outcomes.map((w): Outcome => {
    if (w.ok) {
      const prev = kv(w.prev);
      return prev ? { ok: true, modRevision: w.modRevision, createRevision: w.createRevision, prev } : { ok: true, modRevision: w.modRevision, createRevision: w.createRevision };
    }
    const current = kv(w.current);
    return current ? { ok: false, code: w.code, message: w.message, current } : { ok: false, code: w.code, message: w.message };
  });
}

class BlobWriter {
  private readonly blobs: Buffer[] = [];
  private total = 0;

  /** Queues `blob` and returns its size. */
  add(blob: Buffer): number {
    this.blobs.push(blob);
    this.total += blob.length;
    return blob.length;
  }

  finish(): ArrayBuffer {
    const data = new ArrayBuffer(this.total);
    const bytes = new Uint8Array(data);
    let offset = 0;
    for (const blob of this.blobs) {
      bytes.set(blob, offset);
      offset += blob.length;
    }
    return data;
  }
}

class BlobReader {
  private offset = 0;

  constructor(private readonly data: ArrayBuffer) {}

  /** The next `size` bytes, as a Buffer over the transferred data (no copy). */
  next(size: number): Buffer {
    const blob = Buffer.from(this.data, this.offset, size);
    this.offset += size;
    return blob;
  }
}
