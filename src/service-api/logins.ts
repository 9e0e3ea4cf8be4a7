// Every login is recorded three ways in one transaction: the event itself (the audit trail), the
// hourly counter of its service, and the user's last login for that service. Analytics reads the
// last two, so its cost does not grow with the number of events.
//
// The statements are plain SQL through Prisma's tagged templates (values bound as parameters, never
// spliced into the text), valid on SQLite and PostgreSQL alike, and multi-row: SSO sign-ins are
// group-committed (src/saml/sign-in-record.ts), so one statement writes every login of a batch.
import type { Db, Tx } from '../db/client.ts';
import { sql, join } from '../db/client.ts';
import { addToCounters, byKey, counterTable, keyText, runBatch, tally, type Sql } from '../db/statements.ts';
import { newId, newPersistentNameId, newSortableId } from '../security/random.ts';
import { HOUR_MS, floorTo } from '../time-buckets.ts';

export interface Login {
  serviceId: string;
  userId: string;
  at: Date;
}

/** A (service, user) pair as a map key. */
export const pairKey = (l: { serviceId: string; userId: string }) => `${l.serviceId} ${l.userId}`;

/** The login events, one row each. */
export function insertEvents(logins: Login[]): Sql {
  return sql`INSERT INTO "login_events" ("id", "service_id", "user_id", "created_at")
    VALUES ${join(logins.map((l) => sql`(${newSortableId('evt')}, ${l.serviceId}, ${l.userId}, ${l.at})`))}`;
}

const loginCounts = counterTable<{ serviceId: string; hour: Date }>('login_counts', ['service_id', 'hour'], (k) => [k.serviceId, k.hour]);

/** The hourly counters: one row per service and hour, created by its first login, then incremented. */
export function countLogins(logins: Login[]): Sql {
  const keys = logins.map((l) => ({ serviceId: l.serviceId, hour: floorTo(HOUR_MS, l.at) }));
  return addToCounters(loginCounts, tally(keys, keyText(loginCounts)));
}

/** Each (service, user) once, at its latest login: a multi-row upsert may touch a row only once. */
function latestPerUser(logins: Login[]): Login[] {
  const latest = new Map<string, Login>();
  for (const l of logins) {
    const prev = latest.get(pairKey(l));
    if (!prev || prev.at < l.at) latest.set(pairKey(l), l);
  }
  return [...latest.entries()].sort(byKey).map(([, l]) => l);
}

/**
 * Links each user to the service on a first sign-in (with a fresh persistent NameID) and stamps the
 * last login, never moving it backwards. Returns every link's persistent NameID. Safe under
 * concurrency: the unique (service_id, user_id) index decides, and the loser updates the winner's row.
 */
export function linkAndStamp(logins: Login[]): Sql {
  return sql`INSERT INTO "service_users"
      ("id", "service_id", "user_id", "persistent_name_id", "created_at", "last_login_at")
    VALUES ${join(latestPerUser(logins).map((l) => sql`(${newId('su')}, ${l.serviceId}, ${l.userId}, ${newPersistentNameId()}, ${l.at}, ${l.at})`))}
    ON CONFLICT ("service_id", "user_id") DO UPDATE SET "last_login_at" = CASE
      WHEN "service_users"."last_login_at" IS NULL OR "service_users"."last_login_at" < EXCLUDED."last_login_at" THEN EXCLUDED."last_login_at"
      ELSE "service_users"."last_login_at" END
    RETURNING "service_id", "user_id", "persistent_name_id"`;
}

/** Records a login of a user already linked to the service (imports, tests): event, counter, last login. */
export async function recordLogin(db: Db, serviceId: string, userId: string, at = new Date()): Promise<void> {
  const login = [{ serviceId, userId, at }];
  await runBatch(db, null, [
    insertEvents(login),
    countLogins(login),
    sql`UPDATE "service_users" SET "last_login_at" = ${at}
      WHERE "service_id" = ${serviceId} AND "user_id" = ${userId} AND ("last_login_at" IS NULL OR "last_login_at" < ${at})`,
  ]);
}

/** Removes a user's login events for a service and takes them out of the hourly counters. */
export async function forgetLogins(tx: Tx, serviceId: string, userId: string): Promise<void> {
  const events = await tx.loginEvent.findMany({ where: { serviceId, userId }, select: { createdAt: true } });
  const perHour = tally(
    events.map((e) => floorTo(HOUR_MS, e.createdAt)),
    (hour) => String(hour.getTime()),
  );
  for (const [hour, n] of perHour) {
    await tx.loginCount.updateMany({ where: { serviceId, hour }, data: { count: { decrement: n } } });
  }
  await tx.loginEvent.deleteMany({ where: { serviceId, userId } });
}
