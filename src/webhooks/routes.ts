// /api/organizations/:org/webhooks (docs/api.md, Webhooks): admins only, secrets shown once.
// Wiring only: the access, lookup and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body, paged, query } from '../http/validate.ts';
import { accessChecks } from '../authz/access.ts';
import { CreateWebhook, DeliveryFilter, UpdateWebhook } from './schemas.ts';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, retryDelivery, rotateSecret, sendTest, updateWebhook } from './commands.ts';
import { webhookInPath } from './load.ts';
import { presentDelivery, presentWebhook } from './present.ts';
import { actorOf } from '../audit/index.ts';

export function webhookRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { orgAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/webhooks' });
  const admin = orgAccess('admin');
  const inPath = webhookInPath(db);

  router.post(
    '/',
    route(admin, body(CreateWebhook), async (ctx, { access, input }) => {
      ctx.status = 201;
      ctx.body = await createWebhook(deps, actorOf(ctx), access.org.id, input);
    }),
  );

  router.get(
    '/',
    route(admin, paged, async (ctx, { access, page }) => {
      ctx.body = await listWebhooks(deps, access.org.id, page);
    }),
  );

  router.get(
    '/:id',
    route(admin, inPath, (ctx, { webhook }) => {
      ctx.body = presentWebhook(webhook);
    }),
  );

  router.patch(
    '/:id',
    route(admin, inPath, body(UpdateWebhook), async (ctx, { webhook, input }) => {
      ctx.body = await updateWebhook(deps, actorOf(ctx), webhook, input);
    }),
  );

  router.delete(
    '/:id',
    route(admin, inPath, async (ctx, { webhook }) => {
      await deleteWebhook(deps, actorOf(ctx), webhook);
      ctx.status = 204;
    }),
  );

  router.post(
    '/:id/rotate-secret',
    route(admin, inPath, async (ctx, { webhook }) => {
      ctx.body = await rotateSecret(deps, actorOf(ctx), webhook);
    }),
  );

  router.post(
    '/:id/test',
    route(admin, inPath, async (ctx, { webhook }) => {
      ctx.status = 202;
      ctx.body = await sendTest(deps, actorOf(ctx), webhook);
    }),
  );

  router.get(
    '/:id/deliveries',
    route(admin, inPath, paged, query(DeliveryFilter, 'Invalid query'), async (ctx, { webhook, page, query: q }) => {
      const { rows, total } = await listDeliveries(deps, webhook, q.status, page);
      ctx.body = { deliveries: rows.map(presentDelivery), total };
    }),
  );

  router.post(
    '/:id/deliveries/:deliveryId/retry',
    route(admin, inPath, async (ctx, { webhook }) => {
      ctx.status = 202;
      ctx.body = await retryDelivery(deps, actorOf(ctx), webhook, ctx.params.deliveryId ?? '');
    }),
  );

  return router;
}
