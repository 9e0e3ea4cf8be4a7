// The Service API's front door (a key in the URL was already refused by app.ts): key → principal
// (401); rate limit by operation class with headers on every response (429); permission (403).
import type { Next } from 'koa';
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import { AppError, forbidden, unauthorized } from '../http/errors.ts';
import type { Limiter } from '../http/rate-limit.ts';
import type { Permission } from '../api-keys/permissions.ts';
import type { KeyPrincipal } from './auth.ts';
import type { Metrics } from '../ops/metrics.ts';

export function principal(ctx: AppContext): KeyPrincipal {
  const p = ctx.state.principal as KeyPrincipal | undefined;
  if (!p) throw unauthorized();
  return p;
}

function limiterFor(deps: Deps, method: string): Limiter {
  if (method === 'GET' || method === 'HEAD') return deps.limits.serviceRead;
  if (method === 'DELETE') return deps.limits.serviceDelete;
  return deps.limits.serviceWrite;
}

export function serviceApiGuard(deps: Deps, metrics: Metrics) {
  const countAuthFailure = (err: unknown): never => {
    if (err instanceof AppError && err.status === 401) metrics.apiKeyFailures.inc();
    throw err;
  };
  const countRefusal = (err: unknown): never => {
    if (err instanceof AppError && err.status === 429) metrics.rateLimited.inc({ limiter: 'service-api' });
    throw err;
  };
  // A known key: its rate limit (headers on every response), then on to the route.
  const admit = (ctx: AppContext, p: KeyPrincipal, next: Next): Promise<unknown> => {
    ctx.state.principal = p;
    return limiterFor(deps, ctx.method).consumeFor(p.keyId, ctx.res).then(() => next(), countRefusal);
  };
  // Not async: a cached key is known synchronously, so the limiter's promise is the only one waited on.
  return function serviceApiGuardMiddleware(ctx: AppContext, next: Next): Promise<unknown> {
    let found: KeyPrincipal | Promise<KeyPrincipal>;
    try {
      found = deps.apiKeys.authenticate(ctx.get('x-api-key') || undefined);
    } catch (err) {
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
