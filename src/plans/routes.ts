// …/services/:service/plans (docs/api.md, Plans).
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { conflict, notFound } from '../http/errors.ts';
import { validate } from '../http/validate.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Db } from '../db/client.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { accountId } from '../auth/middleware.ts';
import { requireService } from '../services/load.ts';
import { presentPlan } from './present.ts';
import type { Plan } from '../db/models.ts';

const PlanName = z.string().trim().min(1, 'Name must not be empty').max(100);
const PriceCents = z.number().int('price_cents must be an integer').min(0).max(10_000_000_000);
const Currency = z.string().regex(/^[A-Za-z]{3}$/, 'currency must be an ISO 4217 code such as usd').transform((c) => c.toLowerCase());
const Features = z.array(z.string().min(1).max(200)).max(100);
export const CreatePlan = z.strictObject({ name: PlanName, price_cents: PriceCents, currency: Currency, features: Features });
export const UpdatePlan = z.strictObject({ name: PlanName.optional(), price_cents: PriceCents.optional(), currency: Currency.optional(), features: Features.optional() });

async function withCount(db: Db, plan: Plan) {
  return { plan: presentPlan(plan), subscription_count: await db.subscription.count({ where: { planId: plan.id } }) };
}

export function planRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services/:service/plans' });
  const load = (ctx: AppContext, role: 'member' | 'admin') => requireService(db, accountId(ctx), ctx.params.org ?? '', ctx.params.service ?? '', role);
  const findPlan = async (serviceId: string, id: string) => {
    const plan = looksLikeId(id, 'plan') ? await db.plan.findFirst({ where: { id, serviceId } }) : null;
    if (!plan) throw notFound('Plan not found');
    return plan;
  };
  const nameTaken = (err: unknown) => (isUniqueViolation(err) ? conflict('A plan with this name already exists for the service') : err);

  router.post('/', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    const body = validate(CreatePlan, ctx.request.body);
    try {
      const plan = await db.plan.create({
        data: { id: newId('plan'), serviceId: service.id, name: body.name, priceCents: BigInt(body.price_cents), currency: body.currency, features: JSON.stringify(body.features) },
      });
      ctx.status = 201;
      ctx.body = { plan: presentPlan(plan), subscription_count: 0 };
    } catch (err) {
      throw nameTaken(err);
    }
  });

  router.get('/', async (ctx) => {
    const { service } = await load(ctx, 'member');
    const plans = await db.plan.findMany({ where: { serviceId: service.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    const counts = await db.subscription.groupBy({ by: ['planId'], where: { serviceId: service.id }, _count: { _all: true } });
    const byPlan = new Map(counts.map((c) => [c.planId, c._count._all]));
    ctx.body = plans.map((p) => ({ plan: presentPlan(p), subscription_count: byPlan.get(p.id) ?? 0 }));
  });

  router.get('/:planId', async (ctx) => {
    const { service } = await load(ctx, 'member');
    ctx.body = await withCount(db, await findPlan(service.id, ctx.params.planId ?? ''));
  });

  router.patch('/:planId', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    const plan = await findPlan(service.id, ctx.params.planId ?? '');
    const body = validate(UpdatePlan, ctx.request.body);
    try {
      const updated = await db.plan.update({
        where: { id: plan.id },
        data: {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.price_cents !== undefined ? { priceCents: BigInt(body.price_cents) } : {}),
          ...(body.currency !== undefined ? { currency: body.currency } : {}),
          ...(body.features !== undefined ? { features: JSON.stringify(body.features) } : {}),
        },
      });
      ctx.body = await withCount(db, updated);
    } catch (err) {
      throw nameTaken(err);
    }
  });

  router.delete('/:planId', async (ctx) => {
    const { service } = await load(ctx, 'admin');
    const plan = await findPlan(service.id, ctx.params.planId ?? '');
    const deleted = await db.$transaction(async (tx) => {
      const live = await tx.subscription.count({ where: { planId: plan.id, status: { in: ['active', 'past_due'] } } });
      if (live > 0) return false;
      await tx.plan.delete({ where: { id: plan.id } });
      return true;
    });
    if (!deleted) throw conflict('This plan still has active or past_due subscriptions');
    ctx.status = 204;
  });

  return router;
}
