// Serialises the changes that check an organization-wide invariant before writing (the service limit,
// "an organization keeps an owner"). Counting and then writing in one transaction is not enough on
// PostgreSQL: under READ COMMITTED two transactions both count, both see room and both write. Each
// such transaction first locks the organization row, so they run one after the other and each counts
// what the previous one committed.
import { sql, type Dialect, type Tx } from '../db/client.ts';

export interface LockedOrganization {
  maxServices: number | null;
}

/**
 * Locks the organization's row until the transaction ends; null when the organization is gone.
 *
 * - PostgreSQL: FOR NO KEY UPDATE conflicts with itself (and with an UPDATE or DELETE of the row), but
 *   not with the key-share locks that foreign-key checks take, so inserting a user or a membership
 *   elsewhere in the organization does not wait on it.
 * - SQLite: a write takes the database's write lock at once; issued first in the transaction, it makes
 *   a transaction on another connection (another process on the same file) wait for its turn, with a
 *   fresh snapshot, instead of failing with SQLITE_BUSY when it writes after counting. The column is
 *   set to itself: nothing changes (raw SQL leaves updated_at alone).
 */
export async function lockOrganization(tx: Tx, dialect: Dialect, organizationId: string): Promise<LockedOrganization | null> {
  const rows =
    dialect === 'postgresql'
      ? await tx.$queryRaw<{ max_services: unknown }[]>(sql`SELECT "max_services" FROM "organizations" WHERE "id" = ${organizationId} FOR NO KEY UPDATE`)
      : await tx.$queryRaw<{ max_services: unknown }[]>(
          sql`UPDATE "organizations" SET "max_services" = "max_services" WHERE "id" = ${organizationId} RETURNING "max_services"`,
        );
  const row = rows[0];
  if (!row) return null;
  const max = row.max_services;
  // SQLite hands integers back as bigint from raw queries, PostgreSQL as number.
  return { maxServices: typeof max === 'bigint' ? Number(max) : typeof max === 'number' ? max : null };
}
