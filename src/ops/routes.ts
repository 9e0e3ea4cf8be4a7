// /healthz (process up), /readyz (database and Redis reachable), /metrics (Prometheus text).
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { AppError, unauthorized } from '../http/errors.ts';
import { safeEqual } from '../security/random.ts';
import type { Metrics } from './metrics.ts';

export function opsRoutes(deps: Deps, metrics: Metrics, isShuttingDown: () => boolean): Router<AppState, AppContext> {
  const router = new Router<AppState, AppContext>();

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const checks: Record<string, 'ok' | 'unavailable'> = {};
    checks.database = await deps.database.ping().then(
      () => 'ok' as const,
      () => 'unavailable' as const,
    );
    if (deps.redis)
      checks.redis = await deps.redis.ping().then(
        () => 'ok' as const,
        () => 'unavailable' as const,
      );
    const ready = !isShuttingDown() && Object.values(checks).every((v) => v === 'ok');
    if (ready) {
      ctx.body = { status: 'ready', checks };
      return;
    }
    // Not ready is an error like any other (the contract's envelope, SERVICE_UNAVAILABLE, Retry-After),
    // with what a load balancer or an operator reads beside it: status and the checks.
    const status = isShuttingDown() ? 'shutting_down' : 'unavailable';
    const failed = Object.keys(checks).filter((k) => checks[k] !== 'ok');
    const message = status === 'shutting_down' ? 'The server is shutting down' : `Not ready: ${failed.join(' and ')} unreachable`;
    throw new AppError(503, 'SERVICE_UNAVAILABLE', message, { headers: { 'Retry-After': '5' }, expose: true, extra: { status, checks } });
  });

  router.get('/metrics', async (ctx) => {
    const token = deps.config.metricsToken;
    if (token) {
      // The scheme is case-insensitive (RFC 7235 §2.1), as on the admin plane.
      const given = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization'))?.[1] ?? '';
      if (!safeEqual(given, token)) throw unauthorized('A valid metrics token is required');
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });

  return router;
}
