// The outbox (docs/api.md, Webhooks: nothing is lost). A change that causes an event calls
// enqueueEvent inside its own transaction: the event row and one pending delivery per enabled webhook
// that subscribes to it commit or roll back with the change itself. The delivery worker
// (worker.ts) sends them afterwards, from whichever instance claims them first.
//
// The group-committed sign-in record (src/saml/sign-in-record.ts) writes its user.signed_in events
// through outboxStatements instead: two multi-row statements appended to the batch's one transaction.
// Where this process runs a delivery worker, those deliveries are written already claimed by it (the
// lease set as they are inserted) and handed to it in memory once the batch committed (handOff): the
// worker then neither claims nor reads them back, which on the sign-in's thread cost about as much as
// their attempt (docs/benchmarks.md, SSO with a webhook). Nothing else changes: if the process stops
// before the attempt, the lease runs out and any instance's poll claims them, as after a crash.
import { EventEmitter } from 'node:events';
import type { Database, Tx } from '../db/client.ts';
import { empty, join, sql, type Sql } from '../db/sql.ts';
import type { Row } from '../db/statements.ts';
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

/** An event as written to the outbox. */
export interface StoredEvent {
  id: string;
  organizationId: string;
  type: string;
  /** The event's own fields of `data`, as stored (JSON). */
  payload: string;
  createdAt: Date;
}

/** Deliveries written already claimed by this process, for its worker: each with its event. */
export interface HandOff {
  /** The lease they were written with. */
  until: Date;
  deliveries: { id: string; webhookId: string; event: StoredEvent }[];
}

/**
 * The worker taking the hand-off, by the server's database object: the recorder and the worker of one
 * server share it, while a test process may run several servers, some on one database, and a
 * delivery must go to one worker only. Without a worker (a CLI, or a server stopping), nothing is
 * claimed at insert.
 */
const takers = new WeakMap<Database, (h: HandOff) => void>();

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

/** A claim's lease: deliveries written claimed (here) or claimed by the worker's poll stay that instance's this long. */
export const DELIVERY_LEASE_MS = 60_000;

/** The sign-in batch's outbox writes: its statements, then `committed` with those statements' rows. */
export interface OutboxWrites {
  statements: Sql[];
  /** Call with the results of `statements`, in order, once the batch committed: hands the deliveries over, or signals the worker. */
  committed: (results: Row[][]) => void;
}

/**
 * The same writes for many events as two statements, for a batch that already has its transaction.
 * The deliveries are fanned out by SQL from the webhooks table, so the batch needs no read first: an
 * event no webhook takes is left without deliveries (its caller checks WebhookPresence first, so that
 * happens only while that cache is catching up with a change). With a worker in this process they are
 * written claimed, and the statement returns them for the hand-off.
 */
export function outboxStatements(database: Database, events: OutboxEvent[], at: Date): OutboxWrites {
  if (events.length === 0) return { statements: [], committed: () => undefined };
  const rows: StoredEvent[] = events.map((e) => ({
    id: newSortableId('evt'),
    organizationId: e.organizationId,
    type: e.type,
    payload: JSON.stringify(e.data),
    createdAt: at,
  }));
  const take = takers.get(database);
  // Rounded up to the second: the batches of one second share their lease, so a round's outcomes,
  // written only where the lease is still theirs, are one statement rather than one per batch (claims.ts).
  const until = take ? new Date(Math.ceil((at.getTime() + DELIVERY_LEASE_MS) / 1000) * 1000) : null;
  const statements = [
    sql`INSERT INTO "webhook_events" ("id", "organization_id", "type", "payload", "created_at")
      VALUES ${join(rows.map((e) => sql`(${e.id}, ${e.organizationId}, ${e.type}, ${e.payload}, ${e.createdAt})`))}`,
    // The delivery id is deliveryId(event, webhook) (events.ts), spelled in SQL; || and substr mean
    // the same on SQLite and PostgreSQL, and so does RETURNING.
    sql`INSERT INTO "webhook_deliveries" ("id", "webhook_id", "event_id", "status", "attempts", "next_attempt_at", "claimed_until", "created_at", "updated_at")
      SELECT 'dlv_' || substr(e."id", 5) || substr(w."id", 5, 16), w."id", e."id", 'pending', 0, e."created_at", ${until}, e."created_at", e."created_at"
      FROM "webhook_events" e JOIN "webhooks" w ON w."organization_id" = e."organization_id"
      WHERE e."id" IN (${join(rows.map((e) => e.id))}) AND w."enabled" = TRUE
        AND (w."events" LIKE '%"*"%' OR w."events" LIKE '%"' || e."type" || '"%')
      ${until ? sql`RETURNING "id", "webhook_id", "event_id"` : empty}`,
  ];
  const committed = (results: Row[][]): void => {
    const [, written = []] = results;
    if (!take || !until) {
      signalOutbox();
      return;
    }
    const byId = new Map(rows.map((e) => [e.id, e]));
    const deliveries = written.flatMap((r) => {
      const event = byId.get(String(r.event_id));
      return event ? [{ id: String(r.id), webhookId: String(r.webhook_id), event }] : [];
    });
    if (deliveries.length) take({ until, deliveries });
  };
  return { statements, committed };
}

/** For the worker: takes the hand-offs of sign-ins written to `database`; returns the way to stop. */
export function onHandOff(database: Database, take: (h: HandOff) => void): () => void {
  takers.set(database, take);
  return () => {
    if (takers.get(database) === take) takers.delete(database);
  };
}
