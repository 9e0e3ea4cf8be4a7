// The reads and writes behind …/services/:service/plans.
import type { Db } from '../db/client.ts';
import type { Plan } from '../db/models.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict } from '../http/errors.ts';
import { newId } from '../security/random.ts';
import { presentPlan } from './present.ts';
import type { CreatePlanInput, UpdatePlanInput } from './schemas.ts';
import { recordAudit, setsNothing, type Actor } from '../audit/index.ts';

/** The service the plan belongs to, for the audit event (its organization). */
type Owner = { id: string; organizationId: string };

const nameTaken = (err: unknown) => (isUniqueViolation(err) ? conflict('A plan with this name already exists for the service', 'name') : err);

export async function createPlan(db: Db, actor: Actor, service: Owner, input: CreatePlanInput) {
  try {
    return await db.$transaction(async (tx) => {
      const plan = await tx.plan.create({
        data: {
          id: newId('plan'),
          serviceId: service.id,
          name: input.name,
          priceCents: BigInt(input.price_cents),
          currency: input.currency,
          features: JSON.stringify(input.features),
        },
      });
      await recordAudit(tx, actor, 'plan.created', service.organizationId, plan.id, { service_id: service.id, ...input });
      return plan;
    });
  } catch (err) {
    throw nameTaken(err);
  }
}

/** Every plan of the service with its subscription count, oldest first. */
export async function listPlans(db: Db, serviceId: string) {
  const plans = await db.plan.findMany({ where: { serviceId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  const counts = await db.subscription.groupBy({ by: ['planId'], where: { serviceId }, _count: { _all: true } });
  const byPlan = new Map(counts.map((c) => [c.planId, c._count._all]));
  return plans.map((plan) => ({ plan, subscriptionCount: byPlan.get(plan.id) ?? 0 }));
}

/** The plan with its subscription count, the way the routes answer with it. */
export async function planWithCount(db: Db, plan: Plan) {
  return { plan: presentPlan(plan), subscription_count: await db.subscription.count({ where: { planId: plan.id } }) };
}

export async function updatePlan(db: Db, actor: Actor, service: Owner, plan: Plan, input: UpdatePlanInput) {
  if (setsNothing(input)) return plan;
  try {
    return await db.$transaction(async (tx) => {
      const row = await tx.plan.update({
        where: { id: plan.id },
        data: {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.price_cents !== undefined ? { priceCents: BigInt(input.price_cents) } : {}),
          ...(input.currency !== undefined ? { currency: input.currency } : {}),
          ...(input.features !== undefined ? { features: JSON.stringify(input.features) } : {}),
        },
      });
      await recordAudit(tx, actor, 'plan.updated', service.organizationId, plan.id, { service_id: service.id, ...input });
      return row;
    });
  } catch (err) {
    throw nameTaken(err);
  }
}

/** Deletes the plan unless it has live (active or past_due) subscriptions: checked and deleted in one transaction. */
export async function deletePlan(db: Db, actor: Actor, service: Owner, plan: Plan): Promise<void> {
  const deleted = await db.$transaction(async (tx) => {
    const live = await tx.subscription.count({ where: { planId: plan.id, status: { in: ['active', 'past_due'] } } });
    if (live > 0) return false;
    await tx.plan.delete({ where: { id: plan.id } });
    await recordAudit(tx, actor, 'plan.deleted', service.organizationId, plan.id, { service_id: service.id, name: plan.name });
    return true;
  });
  if (!deleted) throw conflict('This plan still has active or past_due subscriptions');
}
