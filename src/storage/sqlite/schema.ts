// The SQLite layout: one append-only log of revisions, like k3s' kine. Each write is a row;
// its id is the revision. A key's current value is its newest row (unless that row is a
// deletion). Compaction removes rows that no read at or after the compacted revision needs.
import Database from 'better-sqlite3';
import { StoreError } from '../store.ts';

const DDL = `
CREATE TABLE IF NOT EXISTS kine (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            TEXT    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  lease           INTEGER NOT NULL,
  expires_at      INTEGER,
  value           BLOB    NOT NULL,
  old_value       BLOB
);
CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
CREATE UNIQUE INDEX IF NOT EXISTS kine_name_prev_revision ON kine (name, prev_revision);
CREATE INDEX IF NOT EXISTS kine_expires_at ON kine (expires_at) WHERE expires_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS kine_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

const EXPECTED_COLUMNS = [
  'id', 'name', 'created', 'deleted', 'create_revision', 'prev_revision', 'lease', 'expires_at', 'value', 'old_value',
];

/** Opens (creating if needed) the database, with WAL and synchronous=FULL; Corrupt if unusable. */
export function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(DDL);
    const columns = (db.prepare('PRAGMA table_info(kine)').all() as { name: string }[]).map((c) => c.name);
    const missing = EXPECTED_COLUMNS.filter((c) => !columns.includes(c));
    if (missing.length > 0) {
      throw new StoreError('Corrupt', `SQLite store ${path}: table kine lacks columns ${missing.join(', ')}`);
    }
    const check = db.prepare('PRAGMA quick_check(1)').pluck().get();
    if (check !== 'ok') {
      throw new StoreError('Corrupt', `SQLite store ${path} failed its integrity check: ${String(check)}`);
    }
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof StoreError) throw err;
    throw new StoreError('Corrupt', `SQLite store ${path} cannot be opened: ${(err as Error).message}`);
  }
}

/** A second connection to a database openDatabase() has set up: the writer thread's. */
export function openWriterConnection(path: string): Database.Database {
  const db = new Database(path);
  try {
    // journal_mode = WAL is stored in the file; synchronous and busy_timeout are per connection.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
