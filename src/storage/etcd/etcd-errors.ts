// Maps etcd3/gRPC failures to StoreError codes.
import { StoreError } from '../store.ts';

export function toStoreError(err: unknown, endpoints: string[]): StoreError {
  if (err instanceof StoreError) return err;
  const message = (err as Error)?.message ?? String(err);
  if (/required revision has been compacted/.test(message)) {
    return new StoreError('Compacted', `etcd: ${message}`);
  }
  if (/future revision/.test(message)) {
    return new StoreError('NotFound', `etcd: ${message}`);
  }
  if (/request is too large|message larger than max|exceeds maximum/i.test(message)) {
    return new StoreError('TooLarge', `etcd: ${message}`);
  }
  return new StoreError('Unavailable', `etcd at ${endpoints.join(', ')} is unavailable: ${message}`);
}
