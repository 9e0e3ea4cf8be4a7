// /api/organizations/:org/services (docs/api.md, Services).
// Wiring only: the access and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body, paged } from '../http/validate.ts';
import { accessChecks } from '../authz/access.ts';
import { presentPlan } from '../plans/index.ts';
import { CreateService, UpdateService } from './schemas.ts';
import { createService, deleteService, listServices, servicePlans, updateService } from './commands.ts';
import { presentService, providerGrants } from './present.ts';
import { actorOf } from '../audit/index.ts';

export function serviceRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { orgAccess, serviceAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services' });

  router.post(
    '/',
    route(orgAccess('admin'), body(CreateService), async (ctx, { access, input }) => {
      const service = await createService(deps, actorOf(ctx), access.org.id, input);
      ctx.status = 201;
      ctx.body = { service: presentService(service), client_id: service.clientId };
    }),
  );

  router.get(
    '/',
    route(orgAccess('member'), paged, async (ctx, { access, page }) => {
      const { services, usage } = await listServices(deps, access.org, page);
      ctx.body = { services: services.map(presentService), total: usage.current_services, usage };
    }),
  );

  router.get(
    '/:service',
    route(serviceAccess('member'), async (ctx, { service }) => {
      const plans = await servicePlans(db, service.id);
      ctx.body = { service: presentService(service), provider_grants: providerGrants(service), plans: plans.map(presentPlan) };
    }),
  );

  router.patch(
    '/:service',
    route(serviceAccess('admin'), body(UpdateService), async (ctx, { service, input }) => {
      ctx.body = { service: presentService(await updateService(deps, actorOf(ctx), service.id, input)) };
    }),
  );

  router.delete(
    '/:service',
    route(serviceAccess('owner'), async (ctx, { service }) => {
      await deleteService(deps, actorOf(ctx), service.id);
      ctx.status = 204;
    }),
  );

  return router;
}
