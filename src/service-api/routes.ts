// /api/service/*: the Service API over X-API-Key (docs/api.md, Service API).
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { Email, Name, pageFrom, validate } from '../http/validate.ts';
import { jsonBody } from '../http/body.ts';
import { refuseBodyFields } from '../http/route.ts';
import { iso, sendJsonText } from '../http/present.ts';
import type { Metrics } from '../ops/metrics.ts';
import { need, principal, serviceApiGuard } from './guard.ts';
import type { KeyPrincipal } from './auth.ts';
import { changeEmail, findLinkedUser, listUsersJson, presentServiceUser, provisionUser, removeUser } from './users.ts';
import {
  CreateSubscription,
  STATUSES,
  UpdateSubscription,
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptionsJson,
  updateSubscription,
} from './subscriptions.ts';
import { serviceAnalytics } from './analytics.ts';
import { actorOf, recordAudit } from '../audit/index.ts';

export const CreateUser = z.strictObject({ email: Email });
export const UpdateUser = z.strictObject({ email: Email.optional() });
export const StatusFilter = z.enum(STATUSES, { error: `status must be one of ${STATUSES.join(', ')}` }).optional();
// Built once: a zod object made per request cost ~15 µs of a ~95 µs list request (its parser is compiled per instance).
const StatusQuery = z.object({ status: StatusFilter });
export const UpdateInfo = z.strictObject({ name: Name.optional() });

function presentInfo(s: { id: string; name: string; slug: string; serviceType: string; createdAt: Date }) {
  return { id: s.id, name: s.name, slug: s.slug, service_type: s.serviceType, created_at: iso(s.createdAt) };
}

export function serviceApiRoutes(deps: Deps, metrics: Metrics): Router<AppState, AppContext> {
  const { db, database } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/service' });
  router.use(serviceApiGuard(deps, metrics));
  // After the key check: a request without a valid key gets the one 401 whatever body it sends.
  router.use(jsonBody);
  const svc = (ctx: AppContext) => principal(ctx).service;

  router.get('/users', need('read:users'), async (ctx) => {
    sendJsonText(ctx, await listUsersJson(database, svc(ctx), pageFrom(ctx.query)));
  });
  router.post('/users', need('write:users'), async (ctx) => {
    const body = validate(CreateUser, ctx.request.body, null);
    ctx.body = presentServiceUser(await provisionUser(database, actorOf(ctx), svc(ctx), body.email));
  });
  router.get('/users/:userId', need('read:users'), async (ctx) => {
    ctx.body = presentServiceUser(await findLinkedUser(database, svc(ctx), ctx.params.userId ?? ''));
  });
  router.patch('/users/:userId', need('write:users'), async (ctx) => {
    const body = validate(UpdateUser, ctx.request.body, null);
    ctx.body = presentServiceUser(await changeEmail(database, actorOf(ctx), svc(ctx), ctx.params.userId ?? '', body.email));
  });
  router.delete('/users/:userId', need('delete:users'), async (ctx) => {
    refuseBodyFields(ctx);
    await removeUser(database, actorOf(ctx), svc(ctx), ctx.params.userId ?? '');
    ctx.status = 204;
  });

  router.get('/subscriptions', need('read:subscriptions'), async (ctx) => {
    const { status } = validate(StatusQuery, { status: Array.isArray(ctx.query.status) ? '' : ctx.query.status }, 'Invalid status filter');
    sendJsonText(ctx, await listSubscriptionsJson(database, svc(ctx), status, pageFrom(ctx.query)));
  });
  router.post('/subscriptions', need('write:subscriptions'), async (ctx) => {
    const body = validate(CreateSubscription, ctx.request.body, 'Invalid subscription');
    ctx.body = await createSubscription(database, actorOf(ctx), svc(ctx), body);
  });
  router.get('/subscriptions/:userId', need('read:subscriptions'), async (ctx) => {
    ctx.body = await getSubscription(database, svc(ctx), ctx.params.userId ?? '');
  });
  router.patch('/subscriptions/:userId', need('write:subscriptions'), async (ctx) => {
    const body = validate(UpdateSubscription, ctx.request.body, 'Invalid subscription update');
    ctx.body = await updateSubscription(database, actorOf(ctx), svc(ctx), ctx.params.userId ?? '', body);
  });
  router.delete('/subscriptions/:userId', need('delete:subscriptions'), async (ctx) => {
    refuseBodyFields(ctx);
    await deleteSubscription(database, actorOf(ctx), svc(ctx), ctx.params.userId ?? '');
    ctx.status = 204;
  });

  router.get('/analytics', need('read:analytics'), async (ctx) => {
    ctx.body = await serviceAnalytics(db, svc(ctx).id);
  });

  // /info is a pure function of the service row cached with the key: its JSON is built once per row.
  const infoJson = new WeakMap<KeyPrincipal['service'], string>();
  router.get('/info', need('read:service'), (ctx) => {
    const s = svc(ctx);
    let json = infoJson.get(s);
    if (json === undefined) infoJson.set(s, (json = JSON.stringify(presentInfo(s))));
    sendJsonText(ctx, json);
  });
  router.patch('/info', need('write:service'), async (ctx) => {
    const body = validate(UpdateInfo, ctx.request.body);
    const s = svc(ctx);
    const { name } = body;
    // Nothing sent, nothing written, as in the admin PATCHes (audit/record.ts, setsNothing).
    if (name === undefined) {
      ctx.body = presentInfo(await db.service.findUniqueOrThrow({ where: { id: s.id } }));
      return;
    }
    const updated = await db.$transaction(async (tx) => {
      const row = await tx.service.update({ where: { id: s.id }, data: { name } });
      await recordAudit(tx, actorOf(ctx), 'service.updated', s.organizationId, s.id, { name });
      return row;
    });
    await deps.invalidation.publish({ kind: 'service', id: s.id });
    ctx.body = presentInfo(updated);
  });

  return router;
}
