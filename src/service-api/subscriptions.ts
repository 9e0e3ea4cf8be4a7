// Service API subscriptions: one per user per service (docs/api.md, Service API).
import { z } from 'zod';
import { AppError, badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { empty, sql, sqliteIsoText } from '../db/sql.ts';
import { date, runRead, text, type Row } from '../db/statements.ts';
import { readListPage, sqlitePageJson, type ListScope } from './page-anchors.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { iso } from '../http/present.ts';
import type { Page } from '../http/validate.ts';
import { findLinkedUser, type Reader } from './users.ts';
import { recordAudit, setsNothing, type Actor } from '../audit/index.ts';
import { enqueueEvent } from '../webhooks/index.ts';

export const STATUSES = ['active', 'cancelled', 'expired', 'past_due'] as const;
export const SUB_NOT_FOUND = 'Subscription not found for this user';
const DEFAULT_PERIOD_MS = 30 * 86_400_000;
type Scope = { id: string; organizationId: string };

const PeriodEnd = z.iso.datetime({ offset: true, error: 'current_period_end must be an ISO 8601 / RFC 3339 date-time' }).transform((s) => new Date(s));
export const CreateSubscription = z.strictObject({
  user_id: z.string().min(1).max(100),
  plan_id: z.string().min(1).max(100),
  status: z.enum(STATUSES).optional(),
  current_period_end: PeriodEnd.optional(),
});
export const UpdateSubscription = z.strictObject({ status: z.enum(STATUSES).optional(), current_period_end: PeriodEnd.optional() });

type SubWithPlan = { id: string; userId: string; planId: string; status: string; currentPeriodEnd: Date; plan: { name: string } };
export function presentSubscription(s: SubWithPlan) {
  return { id: s.id, user_id: s.userId, plan_id: s.planId, plan_name: s.plan.name, status: s.status, current_period_end: iso(s.currentPeriodEnd) };
}

const subscription = (r: Row): SubWithPlan => ({
  id: text(r, 'id'),
  userId: text(r, 'user_id'),
  planId: text(r, 'plan_id'),
  status: text(r, 'status'),
  currentPeriodEnd: date(r, 'current_period_end'),
  plan: { name: text(r, 'plan_name') },
});

/** The service's subscriptions list (of one status, or all), as page-anchors.ts reads it. */
function subscriptionsList(service: Scope, status: string | undefined): ListScope {
  const ofStatus = status ? sql`AND "status" = ${status}` : empty;
  return {
    key: `subscriptions\n${service.id}\n${status ?? ''}`,
    table: sql`"subscriptions"`,
    columns: sql`"created_at", "id"`,
    where: sql`"service_id" = ${service.id} ${ofStatus}`,
    counters: sql`"service_id" = ${service.id} AND "list" = 'subscriptions' ${ofStatus}`,
  };
}

/**
 * One statement for the page and its total (see listUsers); the total sums the service's counter rows,
 * one per status. The offset is taken on the (service_id[, status], created_at, id) index alone (from
 * a page anchor when one is near, on PostgreSQL), and only the page's rows are read.
 */
export async function listSubscriptions(database: Reader, service: Scope, status: string | undefined, page: Page) {
  const { total, rows } = await readListPage(
    database,
    subscriptionsList(service, status),
    page,
    sql`s."id", s."user_id", s."plan_id", pl."name" AS "plan_name", s."status", s."current_period_end"`,
    sql`LEFT JOIN "subscriptions" s ON s."id" = p."id" LEFT JOIN "plans" pl ON pl."id" = s."plan_id"`,
  );
  return { subscriptions: rows.map((r) => presentSubscription(subscription(r))), total };
}

/**
 * The same page as JSON text: written by SQLite itself on the direct connection (see listUsersJson).
 * The page's rows are fetched by rowid, which the (service_id, created_at, id) index holds: by id
 * each would be a search of the primary-key index and then one of the table.
 */
export async function listSubscriptionsJson(database: Reader, service: Scope, status: string | undefined, page: Page): Promise<string> {
  const scope = subscriptionsList(service, status);
  const [row] =
    database.direct?.read(
      sqlitePageJson(
        scope,
        page,
        'subscriptions',
        sql`json_object(
          'id', s."id", 'user_id', s."user_id", 'plan_id', s."plan_id", 'plan_name', pl."name", 'status', s."status",
          'current_period_end', ${sqliteIsoText('s."current_period_end"')}
        )`,
        sql`JOIN "subscriptions" s ON s."rowid" = p."rid" JOIN "plans" pl ON pl."id" = s."plan_id"`,
        sql`"created_at", "id", "rowid" AS "rid"`,
      ),
    ) ?? [];
  return row ? text(row, 'body') : JSON.stringify(await listSubscriptions(database, service, status, page));
}

/**
 * Only the lookup's own not-found is reworded, as this endpoint words it; anything else (the database
 * being away) stays what it is and is answered as such (503), never as a missing user.
 */
function userNotFound(err: unknown): never {
  if (err instanceof AppError && err.status === 404) throw notFound('User not found');
  throw err;
}

export async function createSubscription(database: Reader, actor: Actor, service: Scope, input: z.output<typeof CreateSubscription>) {
  const db = database.prisma;
  if (!looksLikeId(input.user_id, 'usr') || !looksLikeId(input.plan_id, 'plan')) throw badRequest('Invalid plan_id or user_id');
  const user = await findLinkedUser(database, service, input.user_id).catch(userNotFound);
  const plan = await db.plan.findUnique({ where: { id: input.plan_id } });
  if (!plan) throw notFound('Plan not found');
  if (plan.serviceId !== service.id) throw forbidden('Plan does not belong to this service');
  const periodEnd = input.current_period_end ?? new Date(Date.now() + DEFAULT_PERIOD_MS);
  if (Number.isNaN(periodEnd.getTime())) throw badRequest('Invalid current_period_end');
  try {
    const shown = await db.$transaction(async (tx) => {
      const sub = await tx.subscription.create({
        data: { id: newId('sub'), serviceId: service.id, userId: user.id, planId: plan.id, status: input.status ?? 'active', currentPeriodEnd: periodEnd },
        include: { plan: { select: { name: true } } },
      });
      const out = presentSubscription(sub);
      await recordAudit(tx, actor, 'subscription.created', service.organizationId, sub.id, { service_id: service.id, ...out });
      await enqueueEvent(tx, { organizationId: service.organizationId, type: 'subscription.created', data: { subscription: out, service_id: service.id } });
      return out;
    });
    return shown;
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('This user already has a subscription for this service');
    throw err;
  }
}

async function findSubscription(database: Reader, service: Scope, userId: string): Promise<SubWithPlan> {
  const [row] = looksLikeId(userId, 'usr')
    ? await runRead(
        database.prisma,
        database.direct,
        sql`SELECT s."id", s."user_id", s."plan_id", pl."name" AS "plan_name", s."status", s."current_period_end"
        FROM "subscriptions" s JOIN "plans" pl ON pl."id" = s."plan_id"
        WHERE s."service_id" = ${service.id} AND s."user_id" = ${userId}`,
      )
    : [];
  if (!row) throw notFound(SUB_NOT_FOUND);
  return subscription(row);
}

export async function getSubscription(database: Reader, service: Scope, userId: string) {
  return presentSubscription(await findSubscription(database, service, userId));
}

export async function updateSubscription(database: Reader, actor: Actor, service: Scope, userId: string, input: z.output<typeof UpdateSubscription>) {
  const sub = await findSubscription(database, service, userId);
  if (setsNothing(input)) return presentSubscription(sub);
  return database.prisma.$transaction(async (tx) => {
    const updated = await tx.subscription.update({
      where: { id: sub.id },
      data: { ...(input.status ? { status: input.status } : {}), ...(input.current_period_end ? { currentPeriodEnd: input.current_period_end } : {}) },
      include: { plan: { select: { name: true } } },
    });
    const out = presentSubscription(updated);
    const changes = { service_id: service.id, user_id: sub.userId, status: input.status, current_period_end: input.current_period_end?.toISOString() };
    await recordAudit(tx, actor, 'subscription.updated', service.organizationId, sub.id, changes);
    await enqueueEvent(tx, { organizationId: service.organizationId, type: 'subscription.updated', data: { subscription: out, service_id: service.id } });
    return out;
  });
}

export async function deleteSubscription(database: Reader, actor: Actor, service: Scope, userId: string): Promise<void> {
  const sub = await findSubscription(database, service, userId);
  await database.prisma.$transaction(async (tx) => {
    await tx.subscription.delete({ where: { id: sub.id } });
    await recordAudit(tx, actor, 'subscription.deleted', service.organizationId, sub.id, { service_id: service.id, user_id: sub.userId, plan_id: sub.planId });
    await enqueueEvent(tx, {
      organizationId: service.organizationId,
      type: 'subscription.deleted',
      data: { subscription: presentSubscription(sub), service_id: service.id },
    });
  });
}
