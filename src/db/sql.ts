// Tagged SQL: fragments whose values become bound parameters (never spliced into the text), and their
// joining, for the multi-row raw statements. The bottom of src/db/: it imports nothing of ours.
import { Prisma } from '../../generated/prisma/sqlite/client.ts';

export const sql = Prisma.sql;
export const join = Prisma.join;
/** A fragment that adds nothing: the branch of an optional condition that is not there. */
export const empty = Prisma.empty;

/** A table or column name written by our code (lower case and underscores only), quoted for splicing. */
export function identifier(name: string): Sql {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`not an identifier: ${name}`);
  return Prisma.raw(`"${name}"`);
}
export type Sql = ReturnType<typeof Prisma.sql>;

/**
 * A LIMIT or OFFSET value, still bound as a parameter. When a subquery's LIMIT or OFFSET is a bare
 * parameter, SQLite (3.51) plans with its value and marks the prepared statement to be compiled again
 * each time the parameter is bound, that is on every run: for a list page that recompilation took
 * ~110 µs, twice the statement's own work. As the expression `(? + 0)` the value is only read when the
 * statement runs. PostgreSQL takes the same text. An expression (a page anchor's offset, computed in the
 * statement) is taken as it is.
 */
export function limitParam(value: number | Sql): Sql {
  return Prisma.sql`(${value} + 0)`;
}

/**
 * SQLite's text for a DateTime column in Date.toISOString()'s format, for JSON that SQLite writes
 * itself. Both writers store 'YYYY-MM-DDTHH:MM:SS.mmm+00:00' (the Prisma adapter, and sqlite-direct.ts's
 * toSqlite, which matches it), so cutting the offset off and adding 'Z' is exact and costs about a
 * third of strftime, which parses the text into a date and prints it again (~1 µs a value, 50 a page);
 * any other shape still goes through strftime. `column` is code, never input: it is spliced as is.
 */
export function sqliteIsoText(column: string): Sql {
  return Prisma.raw(
    `CASE WHEN length(${column}) = 29 AND substr(${column}, 24) = '+00:00' THEN substr(${column}, 1, 23) || 'Z' ELSE strftime('%Y-%m-%dT%H:%M:%fZ', ${column}) END`,
  );
}
/** One result row of a raw statement, by column name. */
export type Row = Record<string, unknown>;
