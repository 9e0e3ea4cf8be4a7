// Service API users: the organization's users linked to the key's service (docs/api.md, Service API).
import type { Database, Db, Tx } from '../db/client.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { lockRow } from '../db/row-lock.ts';
import { sql, sqliteIsoText } from '../db/sql.ts';
import { readListPage, sqlitePageJson, type ListScope } from './page-anchors.ts';
import { date, runRead, text, type Row } from '../db/statements.ts';
import { looksLikeId, newId, newPersistentNameId } from '../security/random.ts';
import { iso } from '../http/present.ts';
import type { Page } from '../http/validate.ts';
import { forgetLogins } from './logins.ts';
import { recordAudit, type Actor } from '../audit/index.ts';
import { enqueueEvent } from '../webhooks/index.ts';

export const USER_NOT_LINKED = 'User not found or has not authenticated with this service';
type Scope = { id: string; organizationId: string };

export function presentServiceUser(u: { id: string; email: string; createdAt: Date }) {
  return { id: u.id, email: u.email, created_at: iso(u.createdAt) };
}

/** The reads run on the direct SQLite connection when there is one (db/statements.ts), else through Prisma. */
export type Reader = Pick<Database, 'prisma' | 'direct' | 'dialect'>;
export interface ServiceUser {
  id: string;
  email: string;
  createdAt: Date;
}

const serviceUser = (r: Row): ServiceUser => ({ id: text(r, 'id'), email: text(r, 'email'), createdAt: date(r, 'created_at') });

/** The service's users list, as page-anchors.ts reads it: its links in (created_at, id) order. */
function usersList(service: Scope): ListScope {
  return {
    key: `users\n${service.id}`,
    table: sql`"service_users"`,
    columns: sql`"user_id", "created_at", "id"`,
    where: sql`"service_id" = ${service.id}`,
    counters: sql`"service_id" = ${service.id} AND "list" = 'users'`,
  };
}

/**
 * One statement for the page and its total, so PostgreSQL answers in one round trip. The total is the
 * service's row in service_list_counts, kept by triggers (prisma/schema.prisma): counting the links
 * would cost more than the rest of the request. The offset is taken inside the subquery, on the
 * (service_id, created_at, id, user_id) index alone: joined first, every skipped link would cost a
 * user lookup (about 2 ms at offset 5 000 on SQLite); on PostgreSQL from a page anchor when one
 * is near (page-anchors.ts). The LEFT JOINs keep the total's row when the page is empty.
 */
export async function listUsers(database: Reader, service: Scope, page: Page) {
  const { total, rows } = await readListPage(
    database,
    usersList(service),
    page,
    sql`u."id", u."email", u."created_at"`,
    sql`LEFT JOIN "users" u ON u."id" = p."user_id"`,
  );
  return { users: rows.map((r) => presentServiceUser(serviceUser(r))), total };
}

/**
 * The same page as JSON text, for the HTTP answer. On SQLite's direct connection the database writes
 * the JSON itself (sqlitePageJson, timestamps in toISOString's format by
 * sqliteIsoText): turning 50 rows into objects, dates and back into text cost more than the query. Elsewhere
 * (PostgreSQL, or SQLite while the direct connection is busy) it is listUsers' result, serialised.
 * test/e2e/service-api-list-reads.test.ts holds both to the same bytes.
 */
export async function listUsersJson(database: Reader, service: Scope, page: Page): Promise<string> {
  const scope = usersList(service);
  const [row] =
    database.direct?.read(
      sqlitePageJson(
        scope,
        page,
        'users',
        sql`json_object('id', u."id", 'email', u."email", 'created_at', ${sqliteIsoText('u."created_at"')})`,
        sql`JOIN "users" u ON u."id" = p."user_id"`,
      ),
    ) ?? [];
  return row ? text(row, 'body') : JSON.stringify(await listUsers(database, service, page));
}

/** The user when linked to the service; 404 otherwise (including other services' users). */
export async function findLinkedUser(database: Reader, service: Scope, userId: string): Promise<ServiceUser> {
  const [row] = looksLikeId(userId, 'usr')
    ? await runRead(
        database.prisma,
        database.direct,
        sql`SELECT u."id", u."email", u."created_at" FROM "service_users" su JOIN "users" u ON u."id" = su."user_id"
        WHERE su."service_id" = ${service.id} AND su."user_id" = ${userId}`,
      )
    : [];
  if (!row) throw notFound(USER_NOT_LINKED);
  return serviceUser(row);
}

/** Links a directory user to the service (first SSO or provisioning); idempotent. Returns the link. */
export async function linkUser(db: Db | Tx, serviceId: string, userId: string) {
  const where = { serviceId_userId: { serviceId, userId } };
  try {
    return await db.serviceUser.upsert({ where, create: { id: newId('su'), serviceId, userId, persistentNameId: newPersistentNameId() }, update: {} });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A concurrent request linked it first.
    return db.serviceUser.findUniqueOrThrow({ where });
  }
}

/**
 * A user this service may change or delete as a whole: one its own key created, that no other service is
 * linked to, and that has no password (nor, once they exist, second factors). Everyone else is the
 * organization's shared sign-in identity: renaming or deleting it through one service's key would let
 * that key decide who signs in as whom at every other service (docs/api.md, Service API). The filter
 * and the write are one statement, run after lockUser: see there why the lock is needed too.
 */
function ownedAlone(serviceId: string, userId: string) {
  // Also never one an admin has started managing: disabled, or sent a password link not yet used; nor
  // one with a second factor (like a password, a sign-in credential of the organization's identity).
  return {
    id: userId,
    createdByServiceId: serviceId,
    passwordHash: null,
    totpFactor: { is: null },
    webauthnCredentials: { none: {} },
    recoveryCodes: { none: {} },
    disabled: false,
    passwordLinks: { none: { usedAt: null } },
    serviceLinks: { none: { serviceId: { not: serviceId } } },
  };
}

export const SHARED_IDENTITY =
  "This user is the organization's shared sign-in identity (created elsewhere, linked to another service, or with a password); change it in the organization directory";

/** Idempotent on email (case-insensitive): returns the existing user or creates one, then links it. */
export async function provisionUser(database: Reader, actor: Actor, service: Scope, email: string) {
  const db = database.prisma;
  for (let attempt = 0; attempt < 3; attempt++) {
    let user = await db.user.findUnique({ where: { organizationId_email: { organizationId: service.organizationId, email } } });
    const created = user === null;
    try {
      user ??= await db.$transaction(async (tx) => {
        const created = await tx.user.create({ data: { id: newId('usr'), organizationId: service.organizationId, email, createdByServiceId: service.id } });
        await enqueueEvent(tx, {
          organizationId: service.organizationId,
          type: 'user.created',
          data: { user: { id: created.id, email }, service_id: service.id },
        });
        return created;
      });
    } catch (err) {
      if (isUniqueViolation(err)) continue; // created concurrently: read it on the next turn
      throw err;
    }
    if (await linkIfStill(database, actor, service, user.id, email, created)) return user;
    // Renamed or deleted since it was read (another service's key changed its own user): look again.
  }
  throw new Error('could not provision user after concurrent retries');
}

/**
 * Links the user to the service only if it still has this email, with its row locked for the check:
 * otherwise a rename committed between the lookup and the link would leave this service holding a user
 * under another email than the one it asked for. The share lock waits for a rename in flight (lockUser)
 * and the check that follows reads what it committed.
 */
async function linkIfStill(database: Reader, actor: Actor, service: Scope, userId: string, email: string, created: boolean): Promise<boolean> {
  const serviceId = service.id;
  return database.prisma.$transaction(async (tx) => {
    if (!(await lockRow(tx, database.dialect, 'users', userId, 'share'))) return false;
    if ((await tx.user.count({ where: { id: userId, email } })) === 0) return false;
    // ON CONFLICT: a concurrent request for the same pair may have linked it first (no error, which
    // would abort this transaction on PostgreSQL).
    const linked = await tx.$queryRaw<{ id: string }[]>(sql`INSERT INTO "service_users" ("id", "service_id", "user_id", "persistent_name_id", "created_at")
      VALUES (${newId('su')}, ${serviceId}, ${userId}, ${newPersistentNameId()}, ${new Date()}) ON CONFLICT ("service_id", "user_id") DO NOTHING RETURNING "id"`);
    // The user's creation (its own commit just before) is recorded here, with its link; an already linked user changed nothing.
    const action = created ? 'user.created' : linked.length ? 'user.linked' : null;
    if (action) await recordAudit(tx, actor, action, service.organizationId, userId, { email, service_id: serviceId });
    return true;
  });
}

/**
 * Locks the user's row until the transaction ends. The ownedAlone filter alone is not enough on
 * PostgreSQL: another service linking the user inserts a service_users row whose foreign-key check takes
 * only a key-share lock on the user, which an UPDATE or DELETE does not wait for, and the filter's NOT
 * EXISTS cannot see a link not yet committed. FOR UPDATE conflicts with that key-share lock: a link in
 * flight commits first (and the filter then sees it), or waits until this change is done.
 */
async function lockUser(tx: Tx, dialect: Database['dialect'], userId: string): Promise<void> {
  await lockRow(tx, dialect, 'users', userId, 'update');
}

/** PATCH {email}: only for a user this service owns alone (ownedAlone); otherwise 409. */
export async function changeEmail(database: Reader, actor: Actor, service: Scope, userId: string, email: string | undefined) {
  const user = await findLinkedUser(database, service, userId);
  if (email === undefined || email === user.email) return user;
  let changed;
  try {
    changed = await database.prisma.$transaction(async (tx) => {
      await lockUser(tx, database.dialect, user.id);
      const result = await tx.user.updateMany({ where: ownedAlone(service.id, user.id), data: { email } });
      if (result.count === 1) {
        await recordAudit(tx, actor, 'user.updated', service.organizationId, user.id, { email, service_id: service.id });
        await enqueueEvent(tx, {
          organizationId: service.organizationId,
          type: 'user.updated',
          data: { user: { id: user.id, email }, service_id: service.id },
        });
      }
      return result;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw badRequest('Email already taken by another user');
    throw err;
  }
  if (changed.count !== 1) throw conflict(SHARED_IDENTITY);
  return findLinkedUser(database, service, userId);
}

/**
 * Removes what this service holds of the user (link, subscription, login events, SSO session links).
 * The user record goes too only when this service owned it alone (ownedAlone); a shared directory user
 * stays exactly as it was for the organization and its other services.
 */
export async function removeUser(database: Reader, actor: Actor, service: Scope, userId: string): Promise<void> {
  const user = await findLinkedUser(database, service, userId);
  await database.prisma.$transaction(async (tx) => {
    await lockUser(tx, database.dialect, user.id);
    // The link goes before the subscription: the order in which deleting a user cascades, so the
    // list counters (service_list_counts) are locked in one order by both.
    await tx.serviceUser.delete({ where: { serviceId_userId: { serviceId: service.id, userId: user.id } } });
    await tx.subscription.deleteMany({ where: { serviceId: service.id, userId: user.id } });
    await forgetLogins(tx, service.id, user.id);
    await tx.idpSessionService.deleteMany({ where: { serviceId: service.id, session: { userId: user.id } } });
    const gone = await tx.user.deleteMany({ where: ownedAlone(service.id, user.id) });
    const action = gone.count === 1 ? 'user.deleted' : 'user.unlinked';
    await recordAudit(tx, actor, action, service.organizationId, user.id, { email: user.email, service_id: service.id });
    if (gone.count === 1)
      await enqueueEvent(tx, {
        organizationId: service.organizationId,
        type: 'user.deleted',
        data: { user: { id: user.id, email: user.email }, service_id: service.id },
      });
  });
}
