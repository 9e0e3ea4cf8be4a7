// Serialises the changes that check an organization-wide invariant before writing (the service limit,
// "an organization keeps an owner"): each such transaction first locks the organization's row (see
// db/row-lock.ts for why and how), so two of them never both count the same state.
import type { Dialect, Tx } from '../db/client.ts';
import { lockRow } from '../db/row-lock.ts';

export interface LockedOrganization {
  maxServices: number | null;
}

/**
 * Locks the organization's row until the transaction ends; null when the organization is gone.
 * FOR NO KEY UPDATE on PostgreSQL: inserting a user or a membership elsewhere in the organization (whose
 * foreign-key check takes a key-share lock on this row) does not wait on it.
 */
export async function lockOrganization(tx: Tx, dialect: Dialect, organizationId: string): Promise<LockedOrganization | null> {
  if (!(await lockRow(tx, dialect, 'organizations', organizationId, 'no-key-update'))) return null;
  return tx.organization.findUnique({ where: { id: organizationId }, select: { maxServices: true } });
}
