// The Service API's front door (a key in the URL was already refused by app.ts): key → principal
// (401); rate limit by operation class with headers on every response (429); permission (403).
import type { Next } from 'koa';
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import { API_KEY_CHALLENGE, AppError, forbidden, unauthorized } from '../http/errors.ts';
import { isApiKeyInAuthorization } from '../security/api-key.ts';
import type { Limiter } from '../http/rate-limit.ts';
import type { Permission } from '../api-keys/permissions.ts';
import { INVALID_KEY_MESSAGE, type KeyPrincipal } from './auth.ts';
import type { Metrics } from '../ops/metrics.ts';

export const KEY_IN_AUTHORIZATION_MESSAGE = 'Send the API key in the X-API-Key header, not in Authorization';

/**
 * The one 401 of a refused key, built from constants only: a missing, malformed, unknown, revoked or
 * expired key must get the same answer (docs/api.md, Service API), so nothing of the failure may shape it.
 */
const keyRefused = () => unauthorized(INVALID_KEY_MESSAGE, API_KEY_CHALLENGE);

/**
 * No X-API-Key header, but a key in Authorization: say where it goes. Decided by the header's shape
 * alone, and only when no X-API-Key was sent, so a request that sends one still gets the one 401 above.
 */
function misplacedKey(ctx: AppContext): AppError | undefined {
  return isApiKeyInAuthorization(ctx.get('authorization')) ? unauthorized(KEY_IN_AUTHORIZATION_MESSAGE, API_KEY_CHALLENGE) : undefined;
}

export function principal(ctx: AppContext): KeyPrincipal {
  const p = ctx.state.principal;
  if (!p) throw keyRefused();
  return p;
}

function limiterFor(deps: Deps, method: string): Limiter {
  if (method === 'GET' || method === 'HEAD') return deps.limits.serviceRead;
  if (method === 'DELETE') return deps.limits.serviceDelete;
  return deps.limits.serviceWrite;
}

export function serviceApiGuard(deps: Deps, metrics: Metrics) {
  const countAuthFailure = (err: unknown): never => {
    if (!(err instanceof AppError) || err.status !== 401) throw err;
    metrics.apiKeyFailures.inc();
    throw keyRefused();
  };
  const countRefusal = (err: unknown): never => {
    if (err instanceof AppError && err.status === 429) metrics.rateLimited.inc({ limiter: 'service-api' });
    throw err;
  };
  // A known key: its rate limit (headers on every response), then on to the route.
  const admit = (ctx: AppContext, p: KeyPrincipal, next: Next): Promise<unknown> => {
    ctx.state.principal = p;
    return limiterFor(deps, ctx.method)
      .consumeFor(p.keyId, ctx.res)
      .then(() => next(), countRefusal);
  };
  // Not async: a cached key is known synchronously, so the limiter's promise is the only one waited on.
  return function serviceApiGuardMiddleware(ctx: AppContext, next: Next): Promise<unknown> {
    let found: KeyPrincipal | Promise<KeyPrincipal>;
    try {
      found = deps.apiKeys.authenticate(ctx.get('x-api-key') || undefined);
    } catch (err) {
      // Even an empty X-API-Key header counts as sent: it gets the one 401, never the hint.
      const hint = ctx.req.headers['x-api-key'] === undefined ? misplacedKey(ctx) : undefined;
      if (hint) {
        metrics.apiKeyFailures.inc();
        throw hint;
      }
      return countAuthFailure(err);
    }
    return found instanceof Promise ? found.then((p) => admit(ctx, p, next), countAuthFailure) : admit(ctx, found, next);
  };
}

/** Route-level permission check (synchronous: koa-compose turns a throw into a rejection). */
export function need(permission: Permission) {
  return function needPermission(ctx: AppContext, next: Next): Promise<unknown> {
    if (!principal(ctx).permissions.has(permission)) throw forbidden(`API key lacks ${permission} permission`);
    return next();
  };
}
