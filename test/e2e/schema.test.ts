// Each migrated database (SQLite and PostgreSQL) matches prisma/schema.prisma: the same tables and
// columns, the same nullability, every unique constraint and every declared index.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { migrate } from '../../src/db/migrate.ts';
import { readCatalog } from '../helpers/catalog.ts';

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: string;
  isRequired: boolean;
  isList: boolean;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  fields: { name: string }[];
}
interface Dmmf {
  datamodel: { models: DmmfModel[]; indexes: DmmfIndex[] };
}

const schemaWasm = createRequire(import.meta.url)('@prisma/prisma-schema-wasm') as { get_dmmf(params: string): string };
const schemaText = readFileSync(join(import.meta.dirname, '..', '..', 'prisma', 'schema.prisma'), 'utf8');
const dmmf = JSON.parse(schemaWasm.get_dmmf(JSON.stringify({ prismaSchema: schemaText }))) as Dmmf;

function expected() {
  return dmmf.datamodel.models.map((m) => {
    const col = (field: string) => {
      const f = m.fields.find((x) => x.name === field);
      return f?.dbName ?? field;
    };
    return {
      table: m.dbName ?? m.name,
      columns: m.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => ({ name: f.dbName ?? f.name, nullable: !f.isRequired })),
      indexes: dmmf.datamodel.indexes
        .filter((i) => i.model === m.name && i.type !== 'fulltext')
        .map((i) => ({ unique: i.type !== 'normal', columns: i.fields.map((f) => col(f.name)) })),
    };
  });
}

describe.each(databases())('migrated $name database matches the Prisma schema', (factory) => {
  it('has exactly the schema tables, columns, nullability, unique constraints and indexes', async () => {
    const db = await factory.create();
    try {
      const applied = await migrate(db.url);
      expect(applied.length).toBeGreaterThan(0);
      expect(await migrate(db.url)).toEqual([]); // idempotent
      const catalog = await readCatalog(db.url);
      const want = expected();
      expect([...catalog.tables.keys()].filter((t) => t !== '_tessera_migrations').sort()).toEqual(want.map((w) => w.table).sort());
      for (const w of want) {
        const t = catalog.tables.get(w.table);
        expect(t, w.table).toBeDefined();
        if (!t) continue;
        expect([...t.columns.keys()].sort(), `${w.table} columns`).toEqual(w.columns.map((c) => c.name).sort());
        for (const c of w.columns) expect(t.columns.get(c.name)?.nullable, `${w.table}.${c.name} nullability`).toBe(c.nullable);
        for (const ix of w.indexes) {
          const found = t.indexes.some((x) => x.unique === ix.unique && x.columns.join(',') === ix.columns.join(','));
          expect(found, `${w.table} ${ix.unique ? 'unique' : 'index'} (${ix.columns.join(', ')})`).toBe(true);
        }
      }
    } finally {
      await db.drop();
    }
  });

  it('migrators started together on a fresh database: one applies everything, the others nothing, none fails', async () => {
    // Several rounds: the race (a schema created twice at once) only shows when the starts coincide.
    for (let round = 0; round < 3; round++) {
      const db = await factory.create();
      try {
        const results = await Promise.all(Array.from({ length: 6 }, () => migrate(db.url)));
        expect(results.filter((r) => r.length > 0)).toHaveLength(1);
        expect(results.filter((r) => r.length === 0)).toHaveLength(5);
        expect(await migrate(db.url)).toEqual([]);
      } finally {
        await db.drop();
      }
    }
  }, 60_000);

  it('keeps the hot-path indexes: API key by hash, users by (organization, email), login events by (service, time), activity day counters', async () => {
    const db = await factory.create();
    try {
      await migrate(db.url);
      const catalog = await readCatalog(db.url);
      const has = (table: string, cols: string[], unique: boolean) =>
        catalog.tables.get(table)?.indexes.some((i) => i.unique === unique && i.columns.slice(0, cols.length).join(',') === cols.join(','));
      expect(has('api_keys', ['key_hash'], true)).toBe(true);
      expect(has('users', ['organization_id', 'email'], true)).toBe(true);
      expect(has('login_events', ['service_id', 'created_at'], false)).toBe(true);
      // The activity lists' totals sum day counters by (organization, day, …) (src/audit/totals.ts).
      expect(has('sign_in_counts', ['organization_id', 'day', 'outcome', 'reason', 'service_id'], true)).toBe(true);
      expect(has('audit_event_counts', ['organization_id', 'day', 'action'], true)).toBe(true);
    } finally {
      await db.drop();
    }
  });
});
