// Reads and appends on the revision log (see schema.ts). Synchronous, like better-sqlite3.
import type Database from 'better-sqlite3';
import type { KeyValue, StoreEvent } from '../store.ts';

export interface LogRow {
  id: number;
  name: string;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  lease: number;
  expires_at: number | null;
  value: Buffer;
  old_value: Buffer | null;
}

export interface NewRow {
  name: string;
  created: 0 | 1;
  deleted: 0 | 1;
  createRevision: number;
  prevRevision: number;
  lease: number;
  expiresAt: number | null;
  value: Buffer;
  oldValue: Buffer | null;
}

const REPLAY_PAGE = 1000;

export class RevisionLog {
  private readonly latestStmt;
  private readonly insertStmt;
  private readonly listFromStmt;
  private readonly listAfterStmt;
  private readonly countStmt;
  private readonly replayStmt;
  private readonly expiredStmt;
  private readonly compactStmt;
  private readonly sequenceStmt;
  private readonly getMetaStmt;
  private readonly setMetaStmt;

  constructor(readonly db: Database.Database) {
    // Without old_value: neither a read nor a write's check needs it, and it is as large as value.
    this.latestStmt = db.prepare(`
      SELECT id, name, created, deleted, create_revision, prev_revision, lease, expires_at, value, NULL AS old_value
      FROM kine WHERE name = @name AND id <= @rev ORDER BY id DESC LIMIT 1`);
    this.insertStmt = db.prepare(
      `INSERT INTO kine (name, created, deleted, create_revision, prev_revision, lease, expires_at, value, old_value)
       VALUES (@name, @created, @deleted, @createRevision, @prevRevision, @lease, @expiresAt, @value, @oldValue)`,
    );
    // Newest row per key at a revision, in key order; the (name, id) index keeps a page cheap.
    const listSql = (lowerOp: '>=' | '>') => `
      SELECT * FROM kine AS k
      WHERE k.name ${lowerOp} @lower AND k.name < @upper AND k.id <= @rev AND k.deleted = 0
        AND k.id = (SELECT MAX(h.id) FROM kine AS h WHERE h.name = k.name AND h.id <= @rev)
      ORDER BY k.name LIMIT @limit`;
    this.listFromStmt = db.prepare(listSql('>='));
    this.listAfterStmt = db.prepare(listSql('>'));
    this.countStmt = db.prepare(`
      SELECT COUNT(*) FROM kine AS k
      WHERE k.name >= @lower AND k.name < @upper AND k.id <= @rev AND k.deleted = 0
        AND k.id = (SELECT MAX(h.id) FROM kine AS h WHERE h.name = k.name AND h.id <= @rev)`).pluck();
    this.replayStmt = db.prepare(`
      SELECT * FROM kine WHERE id > @after AND id <= @upTo AND name >= @lower AND name < @upper
      ORDER BY id LIMIT ${REPLAY_PAGE}`);
    this.expiredStmt = db.prepare(`
      SELECT * FROM kine AS k
      WHERE k.expires_at IS NOT NULL AND k.expires_at <= @now AND k.deleted = 0
        AND k.id = (SELECT MAX(h.id) FROM kine AS h WHERE h.name = k.name)
      LIMIT 500`);
    // A row at or before the compacted revision is kept only if it is its key's newest row
    // at that revision and not a deletion: exactly what a read at that revision needs.
    this.compactStmt = db.prepare(`
      DELETE FROM kine
      WHERE id > @from AND id <= @to
        AND (deleted = 1 OR id < (SELECT MAX(h.id) FROM kine AS h WHERE h.name = kine.name AND h.id <= @rev))`);
    this.sequenceStmt = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kine'").pluck();
    this.getMetaStmt = db.prepare('SELECT value FROM kine_meta WHERE key = ?').pluck();
    this.setMetaStmt = db.prepare(
      'INSERT INTO kine_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** The key's newest row at `rev` (by default: at all), deletions included; old_value is left out (null). */
  latest(name: string, rev = Number.MAX_SAFE_INTEGER): LogRow | undefined {
    return this.latestStmt.get({ name, rev }) as LogRow | undefined;
  }

  /** Appends a row and returns its id, the new revision. */
  append(row: NewRow): number {
    return Number(this.insertStmt.run(row).lastInsertRowid);
  }

  list(lower: string, lowerInclusive: boolean, upper: string, rev: number, limit: number): LogRow[] {
    const stmt = lowerInclusive ? this.listFromStmt : this.listAfterStmt;
    return stmt.all({ lower, upper, rev, limit }) as LogRow[];
  }

  count(lower: string, upper: string, rev: number): number {
    return this.countStmt.get({ lower, upper, rev }) as number;
  }

  /** Events for keys in [lower, upper) with revision in (after, upTo], one page, in order. */
  replay(lower: string, upper: string, after: number, upTo: number): StoreEvent[] {
    const rows = this.replayStmt.all({ after, upTo, lower, upper }) as LogRow[];
    return rows.map(rowToEvent);
  }

  expired(now: number): LogRow[] {
    return this.expiredStmt.all({ now }) as LogRow[];
  }

  compactRange(from: number, to: number, rev: number): number {
    return this.compactStmt.run({ from, to, rev }).changes;
  }

  lastRevision(): number {
    return Number(this.sequenceStmt.get() ?? 0);
  }

  getMeta(key: string): number | undefined {
    const value = this.getMetaStmt.get(key);
    return value === undefined ? undefined : Number(value);
  }

  setMeta(key: string, value: number): void {
    this.setMetaStmt.run(key, value);
  }
}

export function rowCreateRevision(row: LogRow): number {
  return row.created ? row.id : row.create_revision;
}

export function rowToKeyValue(row: LogRow): KeyValue {
  const kv: KeyValue = {
    key: row.name,
    value: row.value,
    createRevision: rowCreateRevision(row),
    modRevision: row.id,
  };
  if (row.lease > 0) kv.ttlSeconds = row.lease;
  return kv;
}

export function rowToEvent(row: LogRow): StoreEvent {
  const createRevision = rowCreateRevision(row);
  const prevKv: KeyValue | undefined = row.old_value === null || row.created
    ? undefined
    : { key: row.name, value: row.old_value, createRevision, modRevision: row.prev_revision };
  if (row.deleted) {
    return {
      type: 'DELETE',
      kv: { key: row.name, value: row.old_value ?? Buffer.alloc(0), createRevision, modRevision: row.id },
      prevKv: prevKv ?? { key: row.name, value: Buffer.alloc(0), createRevision, modRevision: row.prev_revision },
    };
  }
  return prevKv ? { type: 'PUT', kv: rowToKeyValue(row), prevKv } : { type: 'PUT', kv: rowToKeyValue(row) };
}
