// Service API subscriptions: one per user per service (docs/api.md, Service API).
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { AppError, badRequest, conflict, forbidden, notFound } from '../http/errors.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { iso } from '../http/present.ts';
import type { Page } from '../http/validate.ts';
import { findLinkedUser } from './users.ts';

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

export async function listSubscriptions(db: Db, service: Scope, status: string | undefined, page: Page) {
  const where = { serviceId: service.id, ...(status ? { status } : {}) };
  const [rows, total] = await Promise.all([
    db.subscription.findMany({
      where,
      include: { plan: { select: { name: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: page.limit,
      skip: page.offset,
    }),
    db.subscription.count({ where }),
  ]);
  return { subscriptions: rows.map(presentSubscription), total };
}

/**
 * Only the lookup's own not-found is reworded, as this endpoint words it; anything else (the database
 * being away) stays what it is and is answered as such (503), never as a missing user.
 */
function userNotFound(err: unknown): never {
  if (err instanceof AppError && err.status === 404) throw notFound('User not found');
  throw err;
}

export async function createSubscription(db: Db, service: Scope, input: z.output<typeof CreateSubscription>) {
  if (!looksLikeId(input.user_id, 'usr') || !looksLikeId(input.plan_id, 'plan')) throw badRequest('Invalid plan_id or user_id');
  const user = await findLinkedUser(db, service, input.user_id).catch(userNotFound);
  const plan = await db.plan.findUnique({ where: { id: input.plan_id } });
  if (!plan) throw notFound('Plan not found');
  if (plan.serviceId !== service.id) throw forbidden('Plan does not belong to this service');
  const periodEnd = input.current_period_end ?? new Date(Date.now() + DEFAULT_PERIOD_MS);
  if (Number.isNaN(periodEnd.getTime())) throw badRequest('Invalid current_period_end');
  try {
    const sub = await db.subscription.create({
      data: { id: newId('sub'), serviceId: service.id, userId: user.id, planId: plan.id, status: input.status ?? 'active', currentPeriodEnd: periodEnd },
      include: { plan: { select: { name: true } } },
    });
    return presentSubscription(sub);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('This user already has a subscription for this service');
    throw err;
  }
}

async function findSubscription(db: Db, service: Scope, userId: string) {
  const sub = looksLikeId(userId, 'usr')
    ? await db.subscription.findUnique({ where: { serviceId_userId: { serviceId: service.id, userId } }, include: { plan: { select: { name: true } } } })
    : null;
  if (!sub) throw notFound(SUB_NOT_FOUND);
  return sub;
}

export async function getSubscription(db: Db, service: Scope, userId: string) {
  return presentSubscription(await findSubscription(db, service, userId));
}

export async function updateSubscription(db: Db, service: Scope, userId: string, input: z.output<typeof UpdateSubscription>) {
  const sub = await findSubscription(db, service, userId);
  const updated = await db.subscription.update({
    where: { id: sub.id },
    data: { ...(input.status ? { status: input.status } : {}), ...(input.current_period_end ? { currentPeriodEnd: input.current_period_end } : {}) },
    include: { plan: { select: { name: true } } },
  });
  return presentSubscription(updated);
}

export async function deleteSubscription(db: Db, service: Scope, userId: string): Promise<void> {
  const sub = await findSubscription(db, service, userId);
  await db.subscription.delete({ where: { id: sub.id } });
}
