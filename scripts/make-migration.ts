// Development tool: writes a new SQL migration for both dialects from the change in prisma/schema.prisma
// since the last migration (snapshot kept in prisma/migrations/schema.snapshot.prisma).
// Usage: npm run migrations:make -- <name>
// The Prisma CLI cannot run `migrate diff` here (its native engine is a download); the wasm schema
// engine can, given a driver adapter. Its API is internal, hence the exact version pin in package.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const root = join(import.meta.dirname, '..');

// The package is built for bundlers (`import * as wasm from "./x.wasm"`); instantiate it by hand.
type Engine = typeof import('@prisma/schema-engine-wasm');
// Node has WebAssembly; @types/node does not describe it, so name just what is used here.
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: Record<string, unknown>): Promise<{ exports: Record<string, unknown> }>;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
async function loadEngine(): Promise<Engine['SchemaEngine']> {
  const pkgDir = join(createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm'), '..');
  const bg = (await import(join(pkgDir, 'schema_engine_bg.js'))) as Record<string, unknown> & {
    __wbg_set_wasm(exports: Record<string, unknown>): void;
    SchemaEngine: Engine['SchemaEngine'];
  };
  const module = await WA.compile(readFileSync(join(pkgDir, 'schema_engine_bg.wasm')));
  const instance = await WA.instantiate(module, { './schema_engine_bg.js': bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return bg.SchemaEngine;
}
const SchemaEngine = await loadEngine();
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run migrations:make -- <name in snake_case>');
  process.exit(2);
}

function toPostgres(text: string): string {
  return text.replace('provider = "sqlite"', 'provider = "postgresql"');
}

async function diff(dialect: 'sqlite' | 'postgresql', from: string | null, to: string): Promise<string> {
  const factory =
    dialect === 'sqlite'
      ? new PrismaBetterSqlite3({ url: ':memory:' })
      : new PrismaPg({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test' });
  // The engine speaks the Result-wrapped adapter protocol the query client also uses.
  const engine = await SchemaEngine.new({ datamodels: undefined }, () => undefined, bindMigrationAwareSqlAdapterFactory(factory));
  const file = (content: string) => ({ tag: 'schemaDatamodel' as const, files: [{ path: 'schema.prisma', content }] });
  const result = await engine.diff({
    from: from === null ? { tag: 'empty' } : file(from),
    to: file(to),
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  engine.free();
  const printed: unknown = result;
  const text = (printed as { stdout?: string }).stdout;
  if (typeof text !== 'string') throw new Error(`unexpected diff result: ${JSON.stringify(printed)}`);
  return text;
}

const current = readFileSync(join(root, 'prisma', 'schema.prisma'), 'utf8');
const snapshotPath = join(root, 'prisma', 'migrations', 'schema.snapshot.prisma');
const previous = existsSync(snapshotPath) ? readFileSync(snapshotPath, 'utf8') : null;
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const folder = `${stamp}_${name}`;

const targets = [
  { dialect: 'sqlite' as const, dir: 'migrations', prev: previous, next: current },
  { dialect: 'postgresql' as const, dir: 'migrations-postgres', prev: previous && toPostgres(previous), next: toPostgres(current) },
];
for (const t of targets) {
  const sql = await diff(t.dialect, t.prev, t.next);
  if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
    console.log(`${t.dialect}: no change`);
    continue;
  }
  const out = join(root, 'prisma', t.dir, folder);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'migration.sql'), sql);
  writeFileSync(join(root, 'prisma', t.dir, 'migration_lock.toml'), `provider = "${t.dialect}"\n`);
  console.log(`${t.dialect}: wrote prisma/${t.dir}/${folder}/migration.sql`);
}
writeFileSync(snapshotPath, current);
