// /api/auth: register, login, refresh, logout, me (docs/api.md, Admin accounts), and the accounts'
// TOTP (auth/mfa-routes.ts).
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
import { clearRefreshCookie, deliverInCookie, refreshTokenOf, requireOwnOrigin } from './cookie.ts';
import type { TokenPair } from './sessions.ts';
import type { AppContext as Ctx } from '../http/context.ts';
import { unauthorized } from '../http/errors.ts';
import type { Sealer } from '../security/encryption.ts';
import { addTotpRoutes } from './mfa-routes.ts';

export function authRoutes(deps: Deps, sealer: Sealer): Router<AppState, AppContext> {
  const { db, config } = deps;
  const key = jwtKey(config.secret);
  const router = new Router<AppState, AppContext>({ prefix: '/api/auth' });
  // With `refresh_cookie: true` the refresh token goes into the HttpOnly cookie (auth/cookie.ts).
  const deliver = (ctx: Ctx, pair: TokenPair, cookie: boolean | undefined) => (cookie ? deliverInCookie(ctx, pair) : pair);
  const ownOrigin = (ctx: Ctx, cookie: boolean | undefined) => {
    if (cookie) requireOwnOrigin(ctx, config.publicUrl);
  };

  router.post(
    '/register',
    route(registrationOpen(deps), body(RegisterBody), async (ctx, { input }) => {
      ownOrigin(ctx, input.refresh_cookie);
      const { account, tokens } = await register(db, key, input);
      ctx.status = 201;
      ctx.body = { account: presentAccount(account), ...deliver(ctx, tokens, input.refresh_cookie) };
    }),
  );

  router.post(
    '/login',
    route(body(LoginBody), async (ctx, { input }) => {
      ownOrigin(ctx, input.refresh_cookie);
      ctx.body = deliver(ctx, await signIn(deps, key, clientIp(ctx, config.trustProxy), input), input.refresh_cookie);
    }),
  );

  router.post(
    '/refresh',
    route(body(RefreshBody), async (ctx, { input }) => {
      const sent = refreshTokenOf(ctx, config.publicUrl, input.refresh_token);
      if (!sent) throw unauthorized('No refresh token: send refresh_token in the body, or the refresh cookie of a refresh_cookie sign-in');
      try {
        ctx.body = deliver(ctx, await rotateRefresh(db, key, sent.token), sent.cookie);
      } catch (err) {
        if (sent.cookie) clearRefreshCookie(ctx); // a dead session's cookie is of no further use
        throw err;
      }
    }),
  );

  router.post(
    '/logout',
    route(body(RefreshBody), async (ctx, { input }) => {
      const sent = refreshTokenOf(ctx, config.publicUrl, input.refresh_token);
      if (sent) await endSession(db, sent.token);
      if (sent?.cookie) clearRefreshCookie(ctx);
      ctx.status = 204;
    }),
  );

  addTotpRoutes(router, { deps, sealer, key, deliver, ownOrigin });

  router.get(
    '/me',
    requireAccount(deps),
    route(signedIn, async (ctx, { accountId }) => {
      ctx.body = presentMe(await signedInAccount(db, accountId));
    }),
  );

  return router;
}
