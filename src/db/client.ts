// One Prisma client per dialect, chosen from the DATABASE_URL scheme. Both clients are generated from
// the same schema, so they expose the same model API; the rest of the code sees one `Db` type.
import { resolve, dirname } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import type pg from 'pg';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient as SqliteClient } from '../../generated/prisma/sqlite/client.ts';
import { SQLITE_CONNECTION_SETTINGS, SqliteDirect } from './sqlite-direct.ts';

export type Db = SqliteClient;
export { join, sql } from './sql.ts';
export type Tx = Parameters<Parameters<Db['$transaction']>[0]>[0];
export type Dialect = 'sqlite' | 'postgresql';

export interface Database {
  prisma: Db;
  dialect: Dialect;
  /** SQLite only (not :memory:): a second connection for the hot-path statements (src/db/statements.ts). */
  direct: SqliteDirect | null;
  /** Runs a trivial query; throws when the database is unreachable. */
  ping(): Promise<void>;
  /** Connection-pool figures (PostgreSQL); null for the embedded SQLite file. */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  close(): Promise<void>;
}

export interface SqliteTarget {
  dialect: 'sqlite';
  file: string;
}
export interface PostgresTarget {
  dialect: 'postgresql';
  connectionString: string;
  schema: string | undefined;
}
export type DbTarget = SqliteTarget | PostgresTarget;

export function parseDatabaseUrl(url: string): DbTarget {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    return { dialect: 'sqlite', file: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error('DATABASE_URL schema must be a plain lower-case identifier');
    parsed.searchParams.delete('schema');
    return { dialect: 'postgresql', connectionString: parsed.toString(), schema };
  }
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}

export function pgPoolConfig(target: PostgresTarget, max = 10): pg.PoolConfig {
  return {
    connectionString: target.connectionString,
    max,
    connectionTimeoutMillis: 3000,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  };
}

/**
 * The SQLite file holds everything Tessera keeps (key hashes, sessions, encrypted SAML keys): it is
 * created owner-only (0600), and any folder missing above it 0700, before SQLite opens it. An empty
 * file is a valid new database. The -wal and -shm files need nothing more: SQLite creates them with
 * the main file's permissions. (A 0077 umask around the open would also work, but the umask is
 * process-wide and would leak onto whatever else the process creates meanwhile.) An existing file or
 * folder keeps the permissions its owner gave it.
 */
export function createSqliteFile(file: string): void {
  if (file === ':memory:') return;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, '', { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/**
 * Prisma's SQLite adapter, with the connection settings applied as its connection opens, before Prisma
 * sends it anything. Applying them with `$executeRaw` instead meant a Prisma query before the server
 * could listen, and the first Prisma query loads its WebAssembly query compiler (~0.3 s of start-up);
 * it also meant every caller (server, CLI) had to remember them.
 */
class ConfiguredSqliteAdapter extends PrismaBetterSqlite3 {
  override async connect() {
    const adapter = await super.connect();
    try {
      await adapter.executeScript(SQLITE_CONNECTION_SETTINGS);
    } catch (err) {
      await adapter.dispose(); // Prisma disposes only an adapter it was given
      throw err;
    }
    return adapter;
  }
}

/**
 * Opens the database. The PostgreSQL driver, adapter and generated client are loaded only for a
 * postgresql:// URL: an embedded SQLite deployment never pays their start-up time or memory (~20 MiB).
 */
export async function openDatabase(url: string): Promise<Database> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'sqlite') {
    createSqliteFile(target.file);
    const adapter = new ConfiguredSqliteAdapter({ url: target.file, timeout: 5000 });
    const prisma = new SqliteClient({ adapter });
    const direct = target.file === ':memory:' ? null : new SqliteDirect(target.file);
    return {
      prisma,
      dialect: 'sqlite',
      direct,
      ping: async () => {
        await prisma.$queryRaw`SELECT 1`;
      },
      poolStats: () => null,
      close: async () => {
        direct?.close();
        await prisma.$disconnect();
      },
    };
  }
  const [{ default: pgDriver }, { PrismaPg }, { PrismaClient: PostgresClient }] = await Promise.all([
    import('pg'),
    import('@prisma/adapter-pg'),
    import('../../generated/prisma/postgres/client.ts'),
  ]);
  const pool = new pgDriver.Pool(pgPoolConfig(target));
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, target.schema ? { schema: target.schema } : undefined);
  const client = new PostgresClient({ adapter });
  // Same models, same API: generated from one schema (see scripts/generate.mjs), so the code is
  // written once against the SQLite client's types. This is the one place the PostgreSQL client is
  // seen through them. The compiler cannot check it: the two generated namespaces declare their
  // (conditional, generic) result types separately, and even identical ones are not comparable
  // (tried: a plain assignment, and one of the model delegates only, both refused at
  // GetAccountAggregateType). Every database test runs on both dialects to hold this up.
  const prisma = client as unknown as Db;
  return {
    prisma,
    dialect: 'postgresql',
    direct: null,
    ping: async () => {
      await prisma.$queryRaw`SELECT 1`;
    },
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: async () => {
      await client.$disconnect();
      await pool.end();
    },
  };
}
