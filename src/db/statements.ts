// Running the few statements on every SSO's path. They are written once, as Prisma tagged SQL (values
// are bound parameters, never spliced into the text), and run one of two ways:
//
// - PostgreSQL, or SQLite while the database is busy: a Prisma batch transaction.
// - SQLite otherwise: prepared once on a second better-sqlite3 connection to the same file and run
//   synchronously in one IMMEDIATE transaction. Recording one sign-in (five statements) takes ~1 ms
//   through Prisma's client (query planning, promise hops, a fresh prepare per statement) and ~0.2 ms
//   this way; `npm run bench` prints both. The transaction holds the write lock only inside one
//   synchronous call, so it can never wait on itself; the busy timeout is zero, and when Prisma holds
//   the write lock (an interactive transaction awaiting something) the statements go through Prisma.
//
// Rows come back alike either way: DATETIME columns as Date, BOOLEAN columns as boolean.
import type { Db } from './client.ts';
import type { SqliteDirect } from './sqlite-direct.ts';
import { identifier, join, sql, type Row, type Sql } from './sql.ts';

export type { Row, Sql } from './sql.ts';

/**
 * Multi-row upserts lock their rows in VALUES order: on PostgreSQL two instances' batches that take
 * the same rows in different orders could deadlock, so every batch takes them in key order.
 */
export const byKey = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** Each distinct key once with how many times it occurs, in key order (`text` is the key's identity and order): a counter upsert's VALUES. */
export function tally<K>(keys: K[], text: (k: K) => string): [K, number][] {
  const m = new Map<string, [K, number]>();
  for (const k of keys) {
    const t = text(k);
    const c = m.get(t);
    if (c) c[1]++;
    else m.set(t, [k, 1]);
  }
  return [...m.entries()].sort(byKey).map(([, c]) => c);
}

/** A table of counters: one row per key, its key columns and a "count" column (made by counterTable). */
export interface Counters<K> {
  /** The table's and its key columns' names, quoted once here rather than for every statement. */
  table: Sql;
  columns: Sql;
  /** A key's values, in the order of the key columns. */
  values: (k: K) => readonly (string | Date)[];
}

/** A counter table: `columns` are its unique key (ON CONFLICT's target), in the order `values` gives them. */
export function counterTable<K>(table: string, columns: readonly string[], values: (k: K) => readonly (string | Date)[]): Counters<K> {
  return { table: identifier(table), columns: join(columns.map(identifier)), values };
}

/** A key's identity and order for tally: its values, dates as their time. */
export const keyText =
  <K>(counters: Counters<K>) =>
  (k: K): string =>
    counters
      .values(k)
      .map((v) => (v instanceof Date ? String(v.getTime()) : v))
      .join('\u0000');

/**
 * Adds `n` to each key's counter, making the row the first time (a negative `n` takes rows out): one
 * multi-row upsert. The keys must be distinct and in key order (tally gives them so).
 */
export function addToCounters<K>(counters: Counters<K>, counts: [K, number][]): Sql {
  const { table, columns, values } = counters;
  return sql`INSERT INTO ${table} (${columns}, "count")
    VALUES ${join(counts.map(([k, n]) => sql`(${join([...values(k), n])})`))}
    ON CONFLICT (${columns}) DO UPDATE SET "count" = ${table}."count" + EXCLUDED."count"`;
}

/** Runs the statements as one transaction and returns each one's rows ([] for writes without RETURNING). */
export async function runBatch(db: Db, direct: SqliteDirect | null, statements: Sql[]): Promise<Row[][]> {
  const fast = direct?.transaction(statements);
  if (fast) return fast;
  return db.$transaction(statements.map((s) => db.$queryRaw<Row[]>(s)));
}

/** Runs one read. */
export async function runRead(db: Db, direct: SqliteDirect | null, statement: Sql): Promise<Row[]> {
  return direct?.read(statement) ?? db.$queryRaw<Row[]>(statement);
}

function column(row: Row, col: string): unknown {
  if (!(col in row)) throw new Error(`query returned no column ${col}`);
  return row[col];
}

export function text(row: Row, col: string): string {
  const v = column(row, col);
  if (typeof v !== 'string') throw new Error(`column ${col} is not text`);
  return v;
}

export function date(row: Row, col: string): Date {
  const v = column(row, col);
  if (!(v instanceof Date)) throw new Error(`column ${col} is not a timestamp`);
  return v;
}

export function dateOrNull(row: Row, col: string): Date | null {
  return column(row, col) === null ? null : date(row, col);
}

/** A COUNT: SQLite hands it back as a number, PostgreSQL (bigint) through Prisma as a BigInt. */
export function count(row: Row, col: string): number {
  const v = column(row, col);
  if (typeof v === 'bigint') return Number(v);
  if (typeof v !== 'number') throw new Error(`column ${col} is not a count`);
  return v;
}

export function bool(row: Row, col: string): boolean {
  const v = column(row, col);
  if (typeof v !== 'boolean') throw new Error(`column ${col} is not a boolean`);
  return v;
}
