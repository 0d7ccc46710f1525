// Picks the backend: etcd when endpoints are given (http(s)://…), SQLite otherwise.
import type { Store } from './store.ts';
import type { CompactorOptions } from './compactor.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

export interface OpenStoreOptions {
  /** etcd endpoints (`http://127.0.0.1:2379`), a comma-separated string or a list. */
  datastoreEndpoint?: string | string[];
  /** SQLite file (default `k8ts.db`); ':memory:' for a throwaway store. */
  sqlitePath?: string;
  /** Periodic compaction (default every 5 minutes, keeping at least 1000 revisions); false: off. */
  compaction?: CompactorOptions | false;
}

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const endpoints = (Array.isArray(opts.datastoreEndpoint) ? opts.datastoreEndpoint : (opts.datastoreEndpoint ?? '').split(','))
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  if (endpoints.length > 0) {
    const { EtcdStore } = await import('./etcd/etcd-store.ts');
    return EtcdStore.connect({ endpoints, compaction: opts.compaction });
  }
  return SqliteStore.open({ path: opts.sqlitePath ?? 'k8ts.db', compaction: opts.compaction });
}
