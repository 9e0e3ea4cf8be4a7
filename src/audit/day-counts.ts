// Day counters of the activity lists: sign-ins per (organization, UTC day, outcome, reason, service)
// and audit events per (organization, UTC day, action). They make a list's exact `total` a sum over
// whole days (totals.ts) instead of a COUNT over up to millions of rows, and they stay exact because
// every statement here runs in the transaction that writes or deletes the rows it counts:
// - the SSO group commit adds one upsert per distinct key of its batch (not one per row);
// - a sign-in written alone and an audit event (recordAudit) add one upsert each;
// - retention pruning decrements, in the transaction of each chunk it deletes (retention.ts);
// - deleting an organization deletes its sign-in counters with its sign-ins.
// A missing reason or service is '' (key columns cannot be NULL). Keys are taken in sorted order, so
// two instances' multi-row upserts never lock the same rows in opposite orders.
import { join, sql, type Sql } from '../db/sql.ts';
import { addToCounters, counterTable, keyText, tally, type Counters } from '../db/statements.ts';
import { DAY_MS, floorTo } from '../time-buckets.ts';
import type { SignInActivity } from './sign-ins.ts';

export interface SignInKey {
  organizationId: string;
  day: Date;
  outcome: string;
  reason: string;
  serviceId: string;
}

export interface AuditKey {
  organizationId: string;
  day: Date;
  action: string;
}

/** The counter of a sign-in row, from what the row holds. */
export const signInKey = (r: { organizationId: string; outcome: string; reason: string | null; serviceId: string | null; at: Date }): SignInKey => ({
  organizationId: r.organizationId,
  day: floorTo(DAY_MS, r.at),
  outcome: r.outcome,
  reason: r.reason ?? '',
  serviceId: r.serviceId ?? '',
});

const signInCounts = counterTable<SignInKey>('sign_in_counts', ['organization_id', 'day', 'outcome', 'reason', 'service_id'], (k) => [
  k.organizationId,
  k.day,
  k.outcome,
  k.reason,
  k.serviceId,
]);
const auditCounts = counterTable<AuditKey>('audit_event_counts', ['organization_id', 'day', 'action'], (k) => [k.organizationId, k.day, k.action]);

/** Adds the rows to their counters: one multi-row upsert, one VALUES row per distinct key. */
export function countSignIns(rows: SignInActivity[]): Sql {
  return addToCounters(signInCounts, tally(rows.map(signInKey), keyText(signInCounts)));
}

/** Adds one audit event to its counter. */
export function countAuditEvent(k: AuditKey): Sql {
  return addToCounters(auditCounts, [[k, 1]]);
}

/** Keys per upsert when taking rows out: 6 parameters each stays far below SQLite's 32 766. */
const KEYS_PER_STATEMENT = 1_000;

/**
 * Takes deleted rows out of their counters, set-based: the same upserts with negative counts (one per
 * thousand distinct keys), then one DELETE of the counters left at zero in the organizations touched
 * (a whole day pruned leaves no counter behind). A handful of statements per chunk, not two per key: the
 * chunk's transaction holds SQLite's write lock, and every sign-in waits for it.
 */
function uncount<K extends { organizationId: string }>(counters: Counters<K>, keys: K[]): Sql[] {
  const counts = tally(keys, keyText(counters)).map(([k, n]): [K, number] => [k, -n]);
  if (counts.length === 0) return [];
  const statements: Sql[] = [];
  for (let i = 0; i < counts.length; i += KEYS_PER_STATEMENT) statements.push(addToCounters(counters, counts.slice(i, i + KEYS_PER_STATEMENT)));
  const orgs = [...new Set(counts.map(([k]) => k.organizationId))];
  statements.push(sql`DELETE FROM ${counters.table} WHERE "count" <= 0 AND "organization_id" IN (${join(orgs)})`);
  return statements;
}

export const uncountSignIns = (keys: SignInKey[]): Sql[] => uncount(signInCounts, keys);
export const uncountAuditEvents = (keys: AuditKey[]): Sql[] => uncount(auditCounts, keys);
