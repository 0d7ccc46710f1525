// TTL keys on etcd: each TTL write gets its own lease. The lease ID we choose carries the
// TTL (low 24 bits) under a marker byte, so any reader learns a key's TTL from the key
// alone, without asking etcd about the lease.
const TTL_BITS = 2 ** 24;
const MARKER = 0x6b;
const MARKER_SPAN = 2 ** 8;

export function leaseIdFor(ttlSeconds: number): string {
  const random = 1 + Math.floor(Math.random() * (2 ** 20 - 1));
  return String((random * MARKER_SPAN + MARKER) * TTL_BITS + ttlSeconds);
}

export function ttlFromLeaseId(lease: string | undefined): number | undefined {
  if (!lease || lease === '0') return undefined;
  const id = Number(lease);
  if (!Number.isSafeInteger(id)) return undefined;
  const marker = Math.floor(id / TTL_BITS) % MARKER_SPAN;
  return marker === MARKER ? id % TTL_BITS : undefined;
}
