// Webhook events older than TESSERA_WEBHOOK_RETENTION_DAYS go, with their deliveries (the foreign key
// cascades), once none of those deliveries is pending: the outbox gains a row per event (one per
// sign-in for a webhook on "*"), and the delivery log is only useful for recent history. An event
// that still has a pending delivery is kept until that delivery succeeds or fails, so retention never
// drops an event before its attempts. Run by the background pruner of src/audit/retention.ts.
import type { Db } from '../db/client.ts';
import { sql } from '../db/sql.ts';

const CHUNK = 5_000;

/**
 * The first event id created at `at` or later: event ids start with their creation time in
 * milliseconds (newSortableId), so "older than" is a range of the primary key, with no index of its own.
 */
function firstIdAt(at: Date): string {
  return `evt_${at.getTime().toString(16).padStart(12, '0')}`;
}

/** Deletes one chunk of finished events created before `before`; returns how many went. */
async function pruneChunk(db: Db, before: Date): Promise<number> {
  return db.$executeRaw(sql`DELETE FROM "webhook_events" WHERE "id" IN (
      SELECT e."id" FROM "webhook_events" e
      WHERE e."id" < ${firstIdAt(before)}
        AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" d WHERE d."event_id" = e."id" AND d."status" = 'pending')
      ORDER BY e."id" LIMIT ${CHUNK})`);
}

/** Deletes the finished events (and their deliveries) created before `before`; returns how many events went. */
export async function pruneWebhookEvents(db: Db, before: Date): Promise<number> {
  // Nothing was created before 1970; a negative time would not print as a bound that sorts right.
  if (before.getTime() <= 0) return 0;
  let total = 0;
  for (;;) {
    const n = await pruneChunk(db, before);
    total += n;
    if (n < CHUNK) return total;
  }
}
