// /api/auth: register, login, refresh, logout, me (docs/api.md, Admin accounts).
// Wiring only: the steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppState, AppContext } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body } from '../http/validate.ts';
import { clientIp } from '../http/client-ip.ts';
import { endSession, jwtKey, rotateRefresh } from './sessions.ts';
import { registrationOpen, requireAccount, signedIn } from './middleware.ts';
import { LoginBody, RefreshBody, RegisterBody } from './schemas.ts';
import { register, signIn, signedInAccount } from './commands.ts';
import { presentAccount, presentMe } from './present.ts';

export function authRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db, config } = deps;
  const key = jwtKey(config.secret);
  const router = new Router<AppState, AppContext>({ prefix: '/api/auth' });

  router.post(
    '/register',
    route(registrationOpen(deps), body(RegisterBody), async (ctx, { input }) => {
      const { account, tokens } = await register(db, key, input);
      ctx.status = 201;
      ctx.body = { account: presentAccount(account), ...tokens };
    }),
  );

  router.post(
    '/login',
    route(body(LoginBody), async (ctx, { input }) => {
      ctx.body = await signIn(deps, key, clientIp(ctx, config.trustProxy), input);
    }),
  );

  router.post(
    '/refresh',
    route(body(RefreshBody), async (ctx, { input }) => {
      ctx.body = await rotateRefresh(db, key, input.refresh_token);
    }),
  );

  router.post(
    '/logout',
    route(body(RefreshBody), async (ctx, { input }) => {
      await endSession(db, input.refresh_token);
      ctx.status = 204;
    }),
  );

  router.get(
    '/me',
    requireAccount(deps),
    route(signedIn, async (ctx, { accountId }) => {
      ctx.body = presentMe(await signedInAccount(db, accountId));
    }),
  );

  return router;
}
