// Maps what better-sqlite3 throws to the store's errors.
import { StoreError } from '../store.ts';

export function toStoreError(err: unknown, path: string): StoreError {
  if (err instanceof StoreError) return err;
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new StoreError('Corrupt', `SQLite store ${path} is corrupt: ${e.message}`);
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new StoreError('Conflict', `concurrent write rejected by the database: ${e.message}`);
  }
  return new StoreError('Unavailable', `SQLite store ${path} failed: ${e.message ?? String(err)}`);
}
