// Row locks for transactions that check something and then write on the strength of it ("the
// organization still has room", "no other service holds this user", "the user still has this email").
// Checking and writing in one transaction is not enough on PostgreSQL: under READ COMMITTED two
// transactions both check, both pass and both write. Each such transaction first locks the row its check
// depends on, so they run one after the other and each sees what the previous one committed.
//
// - PostgreSQL: the lock `mode` asked for. `update` (FOR UPDATE) conflicts with the key-share lock a
//   foreign-key check takes, so a row inserted elsewhere that references this one commits first or waits;
//   `no-key-update` (FOR NO KEY UPDATE) conflicts with itself and with updates, not with those key-share
//   locks; `share` (FOR SHARE) waits for an update in flight and lets readers through.
// - SQLite: every mode is the database's write lock, taken at once by writing the row's own value back
//   (nothing changes; raw SQL leaves updated_at alone). Issued first, it makes a transaction on another
//   connection (another process on the same file) wait its turn with a fresh snapshot, instead of
//   failing with SQLITE_BUSY when it writes after checking.
import { Prisma } from '../../generated/prisma/sqlite/client.ts';
import type { Dialect, Tx } from './client.ts';
import { sql } from './sql.ts';

// Identifiers cannot be bound parameters; these fixed texts are the only ones ever spliced in.
const LOCKABLE = {
  organizations: { table: Prisma.raw('"organizations"'), column: Prisma.raw('"slug"') },
  users: { table: Prisma.raw('"users"'), column: Prisma.raw('"email"') },
} as const;
const PG_MODE = { update: Prisma.raw('FOR UPDATE'), 'no-key-update': Prisma.raw('FOR NO KEY UPDATE'), share: Prisma.raw('FOR SHARE') } as const;

export type LockMode = keyof typeof PG_MODE;

/** Locks the row until the transaction ends; false when there is no such row. */
export async function lockRow(tx: Tx, dialect: Dialect, table: keyof typeof LOCKABLE, id: string, mode: LockMode): Promise<boolean> {
  const { table: name, column } = LOCKABLE[table];
  const rows =
    dialect === 'postgresql'
      ? await tx.$queryRaw<unknown[]>(sql`SELECT 1 AS "found" FROM ${name} WHERE "id" = ${id} ${PG_MODE[mode]}`)
      : await tx.$queryRaw<unknown[]>(sql`UPDATE ${name} SET ${column} = ${column} WHERE "id" = ${id} RETURNING 1 AS "found"`);
  return rows.length > 0;
}
