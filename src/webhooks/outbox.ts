// The outbox (docs/api.md, Webhooks: nothing is lost). A change that causes an event calls
// enqueueEvent inside its own transaction: the event row and one pending delivery per enabled webhook
// that subscribes to it commit or roll back with the change itself. The delivery worker
// (worker.ts) sends them afterwards, from whichever instance claims them first.
//
// The group-committed sign-in record (src/saml/sign-in-record.ts) writes its user.signed_in events
// through outboxStatements instead: two multi-row statements appended to the batch's one transaction.
import { EventEmitter } from 'node:events';
import type { Tx } from '../db/client.ts';
import { join, sql, type Sql } from '../db/sql.ts';
import { newSortableId } from '../security/random.ts';
import { deliveryId, type OutboxEvent } from './events.ts';

/**
 * Tells this process's delivery worker that deliveries were written. Process-wide because a change
 * holds only its transaction, not the server's objects; a worker woken for nothing of its own just
 * finds nothing due. Emitted before the commit: the worker looks again shortly after (worker.ts).
 */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);
export const signalOutbox = (): void => {
  outboxSignal.emit('enqueued');
};

/**
 * Writes the event and its deliveries in `tx`; returns the event id, or null when no enabled webhook
 * of the organization takes this type (then nothing is written). `onlyWebhook`: the test event, for
 * that webhook alone, whatever it subscribes to.
 */
export async function enqueueEvent(tx: Tx, event: OutboxEvent, onlyWebhook?: string): Promise<string | null> {
  const hooks = await tx.webhook.findMany({
    where: onlyWebhook
      ? { id: onlyWebhook, organizationId: event.organizationId }
      : { organizationId: event.organizationId, enabled: true, OR: [{ events: { contains: '"*"' } }, { events: { contains: `"${event.type}"` } }] },
    select: { id: true },
  });
  if (hooks.length === 0) return null;
  const id = newSortableId('evt');
  const now = new Date();
  await tx.webhookEvent.create({ data: { id, organizationId: event.organizationId, type: event.type, payload: JSON.stringify(event.data), createdAt: now } });
  await tx.webhookDelivery.createMany({
    data: hooks.map((h) => ({
      id: deliveryId(id, h.id),
      webhookId: h.id,
      eventId: id,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    })),
  });
  signalOutbox();
  return id;
}

/**
 * The same writes for many events as two statements, for a batch that already has its transaction.
 * The deliveries are fanned out by SQL from the webhooks table, so the batch needs no read first: an
 * event no webhook takes is left without deliveries (its caller checks WebhookPresence first, so that
 * happens only while that cache is catching up with a change).
 */
export function outboxStatements(events: OutboxEvent[], at: Date): Sql[] {
  if (events.length === 0) return [];
  const rows = events.map((e) => ({ ...e, id: newSortableId('evt') }));
  return [
    sql`INSERT INTO "webhook_events" ("id", "organization_id", "type", "payload", "created_at")
      VALUES ${join(rows.map((e) => sql`(${e.id}, ${e.organizationId}, ${e.type}, ${JSON.stringify(e.data)}, ${at})`))}`,
    // The delivery id is deliveryId(event, webhook) (events.ts), spelled in SQL; || and substr mean
    // the same on SQLite and PostgreSQL.
    sql`INSERT INTO "webhook_deliveries" ("id", "webhook_id", "event_id", "status", "attempts", "next_attempt_at", "created_at", "updated_at")
      SELECT 'dlv_' || substr(e."id", 5) || substr(w."id", 5, 16), w."id", e."id", 'pending', 0, e."created_at", e."created_at", e."created_at"
      FROM "webhook_events" e JOIN "webhooks" w ON w."organization_id" = e."organization_id"
      WHERE e."id" IN (${join(rows.map((e) => e.id))}) AND w."enabled" = TRUE
        AND (w."events" LIKE '%"*"%' OR w."events" LIKE '%"' || e."type" || '"%')`,
  ];
}
