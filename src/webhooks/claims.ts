// The delivery worker's statements (worker.ts), written as tagged SQL so they run like the sign-in
// record's (db/statements.ts): on SQLite on the direct better-sqlite3 connection, on PostgreSQL (or
// SQLite while busy) through Prisma. The worker shares the server's core with every sign-in; through
// Prisma's client its per-delivery reads and writes (five queries per delivery) cost more CPU than the
// sign-in they report on (docs/benchmarks.md, SSO with a webhook). Here a round of deliveries is one
// claim statement, one read and one transaction of the round's outcome updates (one UPDATE per set of
// alike outcomes).
import type { Database } from '../db/client.ts';
import { empty, join, limitParam, sql, type Sql } from '../db/sql.ts';
import { bool, date, dateOrNull, runBatch, runRead, text, type Row } from '../db/statements.ts';

/** One claimed delivery with what its attempt needs: the webhook, the event and its organization. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  webhook: { id: string; url: string; enabled: boolean; secret: string; previousSecret: string | null; previousSecretUntil: Date | null };
  event: { id: string; type: string; payload: string; createdAt: Date; organization: { id: string; slug: string } };
}

/**
 * Sets this instance's lease on up to `limit` due deliveries, in one statement; returns their ids.
 * PostgreSQL: the subquery skips rows another instance is claiming (FOR UPDATE SKIP LOCKED), so two
 * instances never take the same row. SQLite: one writer at a time, so the statement alone is atomic.
 */
export async function claimDue(database: Database, until: Date, limit: number): Promise<string[]> {
  const now = new Date();
  const lock = database.dialect === 'postgresql' ? sql`FOR UPDATE SKIP LOCKED` : empty;
  const claim = sql`UPDATE "webhook_deliveries" SET "claimed_until" = ${until}
    WHERE "id" IN (
      SELECT "id" FROM "webhook_deliveries"
      WHERE "status" = 'pending' AND "next_attempt_at" <= ${now} AND ("claimed_until" IS NULL OR "claimed_until" < ${now})
      ORDER BY "next_attempt_at" LIMIT ${limitParam(limit)} ${lock})
    RETURNING "id"`;
  const [rows = []] = await runBatch(database.prisma, database.direct, [claim]);
  return rows.map((r) => text(r, 'id'));
}

function toClaimed(r: Row): ClaimedDelivery {
  const nullableText = (col: string) => (r[col] === null ? null : text(r, col));
  return {
    id: text(r, 'id'),
    attempts: Number(r.attempts),
    webhook: {
      id: text(r, 'webhook_id'),
      url: text(r, 'url'),
      enabled: bool(r, 'enabled'),
      secret: text(r, 'secret'),
      previousSecret: nullableText('previous_secret'),
      previousSecretUntil: dateOrNull(r, 'previous_secret_until'),
    },
    event: {
      id: text(r, 'event_id'),
      type: text(r, 'type'),
      payload: text(r, 'payload'),
      createdAt: date(r, 'created_at'),
      organization: { id: text(r, 'organization_id'), slug: text(r, 'organization_slug') },
    },
  };
}

/** The claimed deliveries still there (a webhook deleted meanwhile took its deliveries along), one read. */
export async function loadClaimed(database: Database, ids: string[]): Promise<ClaimedDelivery[]> {
  if (ids.length === 0) return [];
  const rows = await runRead(
    database.prisma,
    database.direct,
    sql`SELECT d."id", d."attempts", d."event_id", d."webhook_id", w."url", w."enabled", w."secret", w."previous_secret",
        w."previous_secret_until", e."type", e."payload", e."created_at", o."id" AS "organization_id", o."slug" AS "organization_slug"
      FROM "webhook_deliveries" d
      JOIN "webhooks" w ON w."id" = d."webhook_id"
      JOIN "webhook_events" e ON e."id" = d."event_id"
      JOIN "organizations" o ON o."id" = e."organization_id"
      WHERE d."id" IN (${join(ids)})`,
  );
  return rows.map(toClaimed);
}

/** What one attempt leaves on its delivery. */
export interface Outcome {
  id: string;
  /** The lease it was claimed with: the outcome is written only while this instance still holds it. */
  until: Date;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  at: Date;
  responseStatus: number | null;
  error: string | null;
}

/**
 * One statement for outcomes that leave the same values: a round's successes, answered together
 * (sender.ts), mostly share their status, attempt count, time and response code, and on the main
 * thread a statement costs more than the row it changes.
 */
function outcomeStatement(o: Outcome, ids: string[]): Sql {
  return sql`UPDATE "webhook_deliveries" SET "status" = ${o.status}, "attempts" = ${o.attempts}, "next_attempt_at" = ${o.nextAttemptAt},
      "last_attempt_at" = ${o.at}, "last_response_status" = ${o.responseStatus}, "last_error" = ${o.error}, "claimed_until" = NULL,
      "updated_at" = ${o.at}
    WHERE "id" IN (${join(ids)}) AND "claimed_until" = ${o.until}`;
}

/** A round's outcomes, in one transaction: one UPDATE per set of alike outcomes. */
export async function writeOutcomes(database: Database, outcomes: Outcome[]): Promise<void> {
  const alike = new Map<string, { o: Outcome; ids: string[] }>();
  for (const o of outcomes) {
    const key = JSON.stringify([o.status, o.attempts, o.nextAttemptAt?.getTime(), o.at.getTime(), o.responseStatus, o.error, o.until.getTime()]);
    const group = alike.get(key);
    if (group) group.ids.push(o.id);
    else alike.set(key, { o, ids: [o.id] });
  }
  if (alike.size)
    await runBatch(
      database.prisma,
      database.direct,
      [...alike.values()].map(({ o, ids }) => outcomeStatement(o, ids)),
    );
}
