// Reads what a migrated database really contains (tables, columns, nullability, indexes) with plain
// catalog queries, so a test can compare it with the Prisma schema.
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { parseDatabaseUrl, pgPoolConfig } from '../../src/db/client.ts';

export interface Catalog {
  tables: Map<string, { columns: Map<string, { nullable: boolean }>; indexes: { columns: string[]; unique: boolean }[] }>;
}

export async function readCatalog(url: string): Promise<Catalog> {
  const target = parseDatabaseUrl(url);
  const tables: Catalog['tables'] = new Map();
  if (target.dialect === 'sqlite') {
    const db = new Sqlite(target.file, { readonly: true });
    try {
      const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
      for (const { name } of names) {
        const cols = db.prepare('SELECT name, "notnull" AS nn, pk FROM pragma_table_info(?)').all(name) as { name: string; nn: number; pk: number }[];
        const indexes = (
          db.prepare('SELECT name, "unique" AS u, origin FROM pragma_index_list(?)').all(name) as { name: string; u: number; origin: string }[]
        ).map((ix) => ({
          unique: ix.u === 1,
          columns: (db.prepare('SELECT name FROM pragma_index_info(?) ORDER BY seqno').all(ix.name) as { name: string }[]).map((c) => c.name),
        }));
        const pkCols = cols
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        if (pkCols.length) indexes.push({ unique: true, columns: pkCols });
        // SQLite lets a TEXT PRIMARY KEY hold NULL unless declared NOT NULL; Prisma declares it.
        tables.set(name, { columns: new Map(cols.map((c) => [c.name, { nullable: c.nn === 0 }])), indexes });
      }
    } finally {
      db.close();
    }
    return { tables };
  }
  const client = new pg.Client(pgPoolConfig(target));
  await client.connect();
  try {
    const schema = target.schema ?? 'public';
    const cols = await client.query<{ table_name: string; column_name: string; is_nullable: string }>(
      'SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = $1',
      [schema],
    );
    for (const c of cols.rows) {
      const t = tables.get(c.table_name) ?? { columns: new Map(), indexes: [] };
      t.columns.set(c.column_name, { nullable: c.is_nullable === 'YES' });
      tables.set(c.table_name, t);
    }
    const ix = await client.query<{ table_name: string; unique: boolean; columns: string[] }>(
      `SELECT t.relname AS table_name, i.indisunique AS unique,
              array_agg(a.attname::text ORDER BY k.ord) AS columns
         FROM pg_index i
         JOIN pg_class t ON t.oid = i.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
         JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
        WHERE n.nspname = $1
        GROUP BY i.indexrelid, t.relname, i.indisunique`,
      [schema],
    );
    for (const r of ix.rows) tables.get(r.table_name)?.indexes.push({ unique: r.unique, columns: r.columns });
  } finally {
    await client.end();
  }
  return { tables };
}
