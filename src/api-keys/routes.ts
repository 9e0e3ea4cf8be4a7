// …/services/:service/api-keys (docs/api.md, API keys). The raw key is returned once, in the 201.
// Wiring only: the access, lookup and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body, paged } from '../http/validate.ts';
import { accessChecks } from '../authz/access.ts';
import { CreateApiKey } from './schemas.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './commands.ts';
import { keyInPath } from './load.ts';
import { presentApiKey } from './present.ts';
import { actorOf } from '../audit/index.ts';

export function apiKeyRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { serviceAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services/:service/api-keys' });

  router.post(
    '/',
    route(serviceAccess('admin'), body(CreateApiKey), async (ctx, { service, input }) => {
      const created = await createApiKey(db, actorOf(ctx), deps.apiKeys.hash, service, input);
      ctx.status = 201;
      ctx.body = created;
    }),
  );

  router.get(
    '/',
    route(serviceAccess('member'), paged, async (ctx, { service, page }) => {
      const { keys, total } = await listApiKeys(db, service.id, page);
      ctx.body = { api_keys: keys.map(presentApiKey), total };
    }),
  );

  router.get(
    '/:id',
    route(serviceAccess('member'), keyInPath(db), (ctx, { key }) => {
      ctx.body = presentApiKey(key);
    }),
  );

  router.delete(
    '/:id',
    route(serviceAccess('admin'), keyInPath(db), async (ctx, { service, key }) => {
      await revokeApiKey(deps, actorOf(ctx), service, key);
      ctx.status = 204;
    }),
  );

  return router;
}
