// /api/auth/login/totp and /api/auth/mfa/totp (docs/api.md, "Admin accounts: TOTP"), on the router
// of auth/routes.ts. Wiring only: the steps of each route, a command, a presenter.
import type Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppState, AppContext } from '../http/context.ts';
import type { Sealer } from '../security/encryption.ts';
import { route } from '../http/route.ts';
import { body } from '../http/validate.ts';
import { clientIp } from '../http/client-ip.ts';
import { actorOf } from '../audit/index.ts';
import { requireAccount, signedIn } from './middleware.ts';
import { ConfirmTotpBody, DisableTotpBody, LoginTotpBody, StartTotpBody } from './schemas.ts';
import { beginTotp, completeSignIn, confirmTotp, disableTotp } from './mfa-commands.ts';
import type { TokenPair } from './sessions.ts';

interface Wiring {
  deps: Deps;
  sealer: Sealer;
  key: Uint8Array;
  /** The pair as JSON, or its refresh token in the cookie (auth/cookie.ts). */
  deliver: (ctx: AppContext, pair: TokenPair, cookie: boolean | undefined) => object;
  ownOrigin: (ctx: AppContext, cookie: boolean | undefined) => void;
}

export function addTotpRoutes(router: Router<AppState, AppContext>, w: Wiring): void {
  const { deps, sealer, key } = w;
  const account = requireAccount(deps);

  router.post(
    '/login/totp',
    route(body(LoginTotpBody), async (ctx, { input }) => {
      w.ownOrigin(ctx, input.refresh_cookie);
      const pair = await completeSignIn(deps, sealer, key, clientIp(ctx, deps.config.trustProxy), input);
      ctx.body = w.deliver(ctx, pair, input.refresh_cookie);
    }),
  );

  router.post(
    '/mfa/totp',
    account,
    route(signedIn, body(StartTotpBody), async (ctx, { accountId, input }) => {
      const { secret, otpauthUri } = await beginTotp(deps, sealer, accountId, input.password);
      ctx.body = { secret, otpauth_uri: otpauthUri, algorithm: 'SHA1', digits: 6, period: 30 };
    }),
  );

  router.post(
    '/mfa/totp/confirm',
    account,
    route(signedIn, body(ConfirmTotpBody), async (ctx, { input }) => {
      const enabledAt = await confirmTotp(deps, sealer, actorOf(ctx), input.code);
      ctx.body = { mfa: { totp: true }, enabled_at: enabledAt.toISOString() };
    }),
  );

  router.delete(
    '/mfa/totp',
    account,
    route(signedIn, body(DisableTotpBody), async (ctx, { input }) => {
      await disableTotp(deps, sealer, actorOf(ctx), input);
      ctx.status = 204;
    }),
  );
}
