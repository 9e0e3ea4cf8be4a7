// A second better-sqlite3 connection to the SQLite file, for the few statements on every SSO's path
// (see statements.ts for why, and for runBatch/runRead, which choose between it and Prisma). It sits
// below client.ts and statements.ts and imports neither.
import Database from 'better-sqlite3';
import type { Row, Sql } from './sql.ts';

const MAX_PREPARED = 512;

interface Prepared {
  stmt: Database.Statement;
  reader: boolean;
  dates: Set<string>;
  booleans: Set<string>;
}

/** The same text the Prisma adapter writes for a DateTime, so both paths store comparable values. */
function toSqlite(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().replace('Z', '+00:00');
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** SQLITE_BUSY, SQLITE_LOCKED and their extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED_SHAREDCACHE, …). */
function isBusy(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Settings SQLite keeps per connection, applied to both of Tessera's connections (this one, and
 * Prisma's through db/client.ts's adapter). WAL with synchronous=NORMAL: commits do not fsync (checkpoints do); a crash cannot
 * corrupt the database, a power loss may lose the last commits (SQLite's own recommendation for WAL).
 */
export const SQLITE_CONNECTION_SETTINGS = 'PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;';

export class SqliteDirect {
  private conn: Database.Database | undefined;
  private readonly prepared = new Map<string, Prepared>();
  /** Once closed (shutdown), never reopened: what still runs goes through Prisma, which is closed too. */
  private closed = false;

  constructor(private readonly file: string) {}

  private connection(): Database.Database {
    if (!this.conn) {
      const conn = new Database(this.file, { timeout: 0 });
      conn.exec(SQLITE_CONNECTION_SETTINGS);
      // Multi-row statements keep a statement journal: in memory, not in a temporary file per batch.
      conn.pragma('temp_store = MEMORY');
      this.conn = conn;
    }
    return this.conn;
  }

  private prepare(text: string): Prepared {
    let p = this.prepared.get(text);
    if (!p) {
      const stmt = this.connection().prepare(text);
      const columns = stmt.reader ? stmt.columns() : [];
      const typed = (t: string) => new Set(columns.filter((c) => c.type?.toUpperCase() === t).map((c) => c.name));
      p = { stmt, reader: stmt.reader, dates: typed('DATETIME'), booleans: typed('BOOLEAN') };
      if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
      this.prepared.set(text, p);
    }
    return p;
  }

  private exec(s: Sql): Row[] {
    const p = this.prepare(s.sql);
    const args = s.values.map(toSqlite);
    if (!p.reader) {
      p.stmt.run(...args);
      return [];
    }
    const rows = p.stmt.all(...args) as Row[];
    for (const row of rows) {
      for (const c of p.dates) if (typeof row[c] === 'string') row[c] = new Date(row[c]);
      for (const c of p.booleans) if (typeof row[c] === 'number') row[c] = row[c] !== 0;
    }
    return rows;
  }

  /** The statements in one transaction; null (nothing done) when another writer holds the lock, or once closed. */
  transaction(statements: Sql[]): Row[][] | null {
    if (this.closed) return null;
    const conn = this.connection();
    try {
      this.prepare('BEGIN IMMEDIATE').stmt.run();
    } catch (err) {
      if (isBusy(err)) return null;
      throw err;
    }
    try {
      const out = statements.map((s) => this.exec(s));
      this.prepare('COMMIT').stmt.run();
      return out;
    } catch (err) {
      if (conn.inTransaction) this.prepare('ROLLBACK').stmt.run();
      if (isBusy(err)) return null;
      throw err;
    }
  }

  /** One read outside any transaction (WAL readers never wait on the writer); null when busy or closed. */
  read(statement: Sql): Row[] | null {
    if (this.closed) return null;
    try {
      return this.exec(statement);
    } catch (err) {
      if (isBusy(err)) return null;
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = undefined;
    this.prepared.clear();
  }
}
