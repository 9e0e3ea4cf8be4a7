// Applies the committed SQL migrations (prisma/migrations for SQLite, prisma/migrations-postgres for
// PostgreSQL) in name order, each in its own transaction, recording name and checksum. A changed
// checksum of an applied migration stops start-up: history must not be rewritten.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { projectRoot } from '../config/paths.ts';
import { createSqliteFile, parseDatabaseUrl, pgPoolConfig } from './client.ts';

const root = join(projectRoot, 'prisma');

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dialect: 'sqlite' | 'postgresql'): Migration[] {
  const dir = join(root, dialect === 'sqlite' ? 'migrations' : 'migrations-postgres');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export class MigrationError extends Error {}

function checkHistory(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  for (const [name, checksum] of applied) {
    const m = migrations.find((x) => x.name === name);
    if (m && m.checksum !== checksum) throw new MigrationError(`migration ${name} was changed after it was applied`);
  }
  return migrations.filter((m) => !applied.has(m.name));
}

function migrateSqlite(file: string): string[] {
  createSqliteFile(file);
  const db = new Sqlite(file);
  try {
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.exec('CREATE TABLE IF NOT EXISTS "_tessera_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "applied_at" TEXT NOT NULL)');
    const rows = db.prepare('SELECT name, checksum FROM "_tessera_migrations"').all() as { name: string; checksum: string }[];
    const pending = checkHistory(new Map(rows.map((r) => [r.name, r.checksum])), loadMigrations('sqlite'));
    for (const m of pending) {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO "_tessera_migrations" (name, checksum, applied_at) VALUES (?, ?, ?)').run(m.name, m.checksum, new Date().toISOString());
      }).immediate();
    }
    return pending.map((m) => m.name);
  } finally {
    db.close();
  }
}

async function migratePostgres(target: ReturnType<typeof parseDatabaseUrl> & { dialect: 'postgresql' }): Promise<string[]> {
  const { default: pg } = await import('pg'); // loaded only for PostgreSQL (see client.ts)
  const client = new pg.Client(pgPoolConfig(target));
  await client.connect();
  try {
    // One migrator at a time across instances starting together. The lock comes first: even
    // CREATE SCHEMA IF NOT EXISTS races (a unique violation on pg_namespace) when two run at once.
    await client.query('SELECT pg_advisory_lock(74657373)');
    if (target.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS "${target.schema}"`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS "_tessera_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "applied_at" TIMESTAMPTZ NOT NULL)',
    );
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM "_tessera_migrations"');
    const pending = checkHistory(new Map(rows.map((r) => [r.name, r.checksum])), loadMigrations('postgresql'));
    for (const m of pending) {
      await client.query('BEGIN');
      try {
        // Prisma's script creates "public"; inside a dedicated schema that line is meaningless.
        await client.query(target.schema ? m.sql.replace('CREATE SCHEMA IF NOT EXISTS "public";', '') : m.sql);
        await client.query('INSERT INTO "_tessera_migrations" (name, checksum, applied_at) VALUES ($1, $2, now())', [m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
    return pending.map((m) => m.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock(74657373)').catch(() => undefined);
    await client.end();
  }
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(databaseUrl: string): Promise<string[]> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.dialect === 'sqlite') {
    if (target.file === ':memory:') throw new MigrationError('an in-memory SQLite database cannot be shared with the server; use a file');
    return migrateSqlite(target.file);
  }
  return migratePostgres(target);
}
