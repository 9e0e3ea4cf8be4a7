// The statements that record when API keys were last used: each key its own time, many keys a
// statement, the same SQL on SQLite and PostgreSQL.
import { join, sql } from '../db/client.ts';
import { byKey, type Sql } from '../db/statements.ts';

/** Keys a statement: three bound values each, far below either database's parameter limit. */
const PER_STATEMENT = 256;

/**
 * One `UPDATE … SET last_used_at = CASE id WHEN … THEN … END WHERE id IN (…)` per PER_STATEMENT keys.
 * The ELSE branch (the column itself) is never taken, but it gives the CASE the column's type on
 * PostgreSQL, whose branches are otherwise untyped parameters it would resolve as text. Keys go in id
 * order, so two instances flushing overlapping keys lock their rows in the same order. Each batch is
 * padded to a power of two with repeats of its first key, so SQLite prepares few distinct texts.
 */
export function lastUsedStatements(used: ReadonlyMap<string, number>): Sql[] {
  const entries = [...used.entries()].sort(byKey);
  const statements: Sql[] = [];
  for (let i = 0; i < entries.length; i += PER_STATEMENT) {
    const batch = padded(entries.slice(i, i + PER_STATEMENT));
    const cases = batch.map(([id, at]) => sql`WHEN ${id} THEN ${new Date(at)}`);
    statements.push(sql`UPDATE "api_keys" SET "last_used_at" = CASE "id" ${join(cases, ' ')} ELSE "last_used_at" END
      WHERE "id" IN (${join(batch.map(([id]) => id))})`);
  }
  return statements;
}

function padded(batch: [string, number][]): [string, number][] {
  const first = batch[0];
  if (!first) return batch;
  let size = 1;
  while (size < batch.length) size *= 2;
  return batch.concat(Array.from({ length: size - batch.length }, () => first));
}
