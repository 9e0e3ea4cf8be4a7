// …/services/:service/plans (docs/api.md, Plans).
// Wiring only: the access, lookup and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body, query } from '../http/validate.ts';
import { accessChecks } from '../authz/access.ts';
import { CreatePlan, NoQuery, UpdatePlan } from './schemas.ts';
import { createPlan, deletePlan, listPlans, planWithCount, updatePlan } from './commands.ts';
import { planInPath } from './load.ts';
import { presentPlan } from './present.ts';
import { actorOf } from '../audit/index.ts';

export function planRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { serviceAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services/:service/plans' });

  router.post(
    '/',
    route(serviceAccess('admin'), body(CreatePlan), async (ctx, { service, input }) => {
      const created = await createPlan(db, actorOf(ctx), service, input);
      ctx.status = 201;
      ctx.body = { plan: presentPlan(created), subscription_count: 0 };
    }),
  );

  router.get(
    '/',
    // The contract's bare array, with no total: not paged, so limit, offset or anything else in the
    // query string is a 400 rather than silently ignored.
    route(serviceAccess('member'), query(NoQuery, 'The plans list takes no query parameters'), async (ctx, { service }) => {
      ctx.body = (await listPlans(db, service.id)).map((p) => ({ plan: presentPlan(p.plan), subscription_count: p.subscriptionCount }));
    }),
  );

  router.get(
    '/:planId',
    route(serviceAccess('member'), planInPath(db), async (ctx, { plan }) => {
      ctx.body = await planWithCount(db, plan);
    }),
  );

  // The plan is looked up before the body is read: a missing plan is 404 even with an invalid body.
  router.patch(
    '/:planId',
    route(serviceAccess('admin'), planInPath(db), body(UpdatePlan), async (ctx, { service, plan, input }) => {
      ctx.body = await planWithCount(db, await updatePlan(db, actorOf(ctx), service, plan, input));
    }),
  );

  router.delete(
    '/:planId',
    route(serviceAccess('admin'), planInPath(db), async (ctx, { service, plan }) => {
      await deletePlan(db, actorOf(ctx), service, plan);
      ctx.status = 204;
    }),
  );

  return router;
}
