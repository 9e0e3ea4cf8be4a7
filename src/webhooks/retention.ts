// Webhook events older than TESSERA_WEBHOOK_RETENTION_DAYS go, with their deliveries (the foreign key
// cascades), once none of those deliveries is pending: the outbox gains a row per event (one per
// sign-in for a webhook on "*"), and the delivery log is only useful for recent history. An event
// that still has a pending delivery is kept until that delivery succeeds or fails, so retention never
// drops an event before its attempts. Run by the background pruner of src/audit/retention.ts.
import type { Db } from '../db/client.ts';
import { limitParam, sql } from '../db/sql.ts';
import { firstSortableIdAt } from '../security/random.ts';

/**
 * Deletes up to `limit` finished events created before `before` (and their deliveries); returns how
 * many went. src/audit/retention.ts calls it until a chunk comes back short.
 */
export async function pruneWebhookChunk(db: Db, before: Date, limit: number): Promise<number> {
  // Nothing was created before 1970; a negative time would not print as a bound that sorts right.
  if (before.getTime() <= 0) return 0;
  return db.$executeRaw(sql`DELETE FROM "webhook_events" WHERE "id" IN (
      SELECT e."id" FROM "webhook_events" e
      WHERE e."id" < ${firstSortableIdAt('evt', before)}
        AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" d WHERE d."event_id" = e."id" AND d."status" = 'pending')
      ORDER BY e."id" LIMIT ${limitParam(limit)})`);
}
