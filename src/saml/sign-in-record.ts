// What one SSO for a signed-in user writes and reads: the link to the service (first sign-in) with the
// last login stamped, the login event and hourly counter, the session's record of this service (what
// Single Logout later matches), the sign-in activity row (src/audit), and the user's subscription
// for the attributes. Sign-ins arriving together are group-committed (src/db/group-commit.ts): one
// transaction of seven multi-row statements for the whole batch, and each request answers only after
// it committed. The batch also carries the user.signed_in webhook events (two more statements,
// src/webhooks/outbox.ts), for the organizations that may have a webhook taking them: none at all for
// those known to have none.
import type { Database } from '../db/client.ts';
import { sql, join } from '../db/client.ts';
import { runBatch, text, type Row } from '../db/statements.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { newSortableId } from '../security/random.ts';
import { countLogins, insertEvents, linkAndStamp, pairKey } from '../service-api/logins.ts';
import { signInStatements, type SignInActivity } from '../audit/sign-ins.ts';
import { outboxStatements, signalOutbox, type OutboxEvent } from '../webhooks/index.ts';

export interface SignInInput {
  serviceId: string;
  userId: string;
  sessionId: string;
  sessionIndex: string;
  /** The NameID sent, or null for the persistent format: then the link's stored value is used. */
  nameId: string | null;
  at: Date;
  /** The sign-in activity row (docs/api.md, Sign-in activity), written in the same commit. */
  activity: SignInActivity;
  /** For the user.signed_in event: the organization, the service's slug and the user's email. */
  organizationId: string;
  serviceSlug: string;
  email: string;
}

/** Whether an organization may have a webhook taking the type (src/webhooks/presence.ts). */
export type MayReceive = (organizationId: string, type: string) => boolean;

function signedInEvents(batch: SignInInput[], mayReceive: MayReceive): OutboxEvent[] {
  return batch
    .filter((r) => mayReceive(r.organizationId, 'user.signed_in'))
    .map((r) => ({
      organizationId: r.organizationId,
      type: 'user.signed_in' as const,
      data: { user: { id: r.userId, email: r.email }, service: { id: r.serviceId, slug: r.serviceSlug }, session_index: r.sessionIndex },
    }));
}

export interface SubscriptionFacts {
  plan_id: string;
  plan_name: string;
  status: string;
  features: string;
}

export interface SignInRecord {
  persistentNameId: string;
  subscription: SubscriptionFacts | undefined;
}

/** Writes the batch in one transaction; returns the rows read back (links, then subscriptions). */
async function commitSignIns(database: Database, batch: SignInInput[], mayReceive: MayReceive): Promise<Row[][]> {
  const persistentOf = (r: SignInInput) =>
    sql`(SELECT "persistent_name_id" FROM "service_users" WHERE "service_id" = ${r.serviceId} AND "user_id" = ${r.userId})`;
  const pairs = [...new Map(batch.map((r) => [pairKey(r), r])).values()];
  const events = signedInEvents(batch, mayReceive);
  const rows = await runBatch(database.prisma, database.direct, [
    linkAndStamp(batch),
    insertEvents(batch),
    countLogins(batch),
    sql`INSERT INTO "idp_session_services" ("id", "session_id", "service_id", "session_index", "name_id", "created_at")
      VALUES ${join(batch.map((r) => sql`(${newSortableId('sss')}, ${r.sessionId}, ${r.serviceId}, ${r.sessionIndex}, ${r.nameId ?? persistentOf(r)}, ${r.at})`))}`,
    sql`SELECT s."service_id", s."user_id", s."plan_id", s."status", p."name" AS "plan_name", p."features"
      FROM "subscriptions" s JOIN "plans" p ON p."id" = s."plan_id"
      WHERE ${join(
        pairs.map((r) => sql`(s."service_id" = ${r.serviceId} AND s."user_id" = ${r.userId})`),
        ' OR ',
      )}`,
    // Last, so the rows read above keep their places in the results: the activity rows and their day
    // counters (one upsert per distinct organization, day, outcome, reason and service of the batch).
    ...signInStatements(batch.map((r) => r.activity)),
    ...outboxStatements(events, batch[0]?.at ?? new Date()),
  ]);
  if (events.length) signalOutbox();
  return rows;
}

/** Each sign-in's persistent NameID and subscription, from the committed batch's rows. */
function interpretSignIns(results: Row[][], batch: SignInInput[]): SignInRecord[] {
  const [links = [], , , , subscriptions = []] = results;
  const byPair = (rows: Row[]) => new Map(rows.map((row) => [pairKey({ serviceId: text(row, 'service_id'), userId: text(row, 'user_id') }), row]));
  const nameIds = byPair(links);
  const subs = byPair(subscriptions);
  return batch.map((r) => {
    const link = nameIds.get(pairKey(r));
    if (!link) throw new Error('the service link was not written');
    const sub = subs.get(pairKey(r));
    return {
      persistentNameId: text(link, 'persistent_name_id'),
      subscription: sub && { plan_id: text(sub, 'plan_id'), plan_name: text(sub, 'plan_name'), status: text(sub, 'status'), features: text(sub, 'features') },
    };
  });
}

export class SignInRecorder {
  private readonly group: GroupCommit<SignInInput, SignInRecord, Row[][]>;
  constructor(database: Database, mayReceive: MayReceive, onBatch?: (size: number) => void) {
    this.group = new GroupCommit((batch) => commitSignIns(database, batch, mayReceive), interpretSignIns, onBatch);
  }

  record(input: SignInInput): Promise<SignInRecord> {
    return this.group.submit(input);
  }
}
