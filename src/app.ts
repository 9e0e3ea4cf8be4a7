// Builds the Koa application from its dependencies: the outer middleware, then every capability.
import Koa from 'koa';
import Router from '@koa/router';
import type { Next } from 'koa';
import type { Deps } from './deps.ts';
import type { AppContext, AppState } from './http/context.ts';
import { requestContext } from './http/middleware.ts';
import type { RequestRecords } from './http/request-records.ts';
import { fastRoutes } from './http/route-table.ts';
import { jsonBody } from './http/body.ts';
import { refuseKeyInUrl } from './http/query-keys.ts';
import { authRoutes, requireAccount } from './auth/index.ts';
import { invitationRoutes, organizationRoutes } from './organizations/index.ts';
import { serviceRoutes } from './services/index.ts';
import { planRoutes } from './plans/index.ts';
import { apiKeyRoutes } from './api-keys/index.ts';
import { passwordPageRoutes, userDirectoryRoutes } from './users/index.ts';
import { serviceApiRoutes } from './service-api/routes.ts';
import { opsRoutes } from './ops/routes.ts';
import { docsRoutes } from './ops/docs-routes.ts';
import type { Metrics } from './ops/metrics.ts';
import { createSamlRuntime } from './saml/runtime.ts';
import { samlAdminRoutes } from './saml/admin/index.ts';
import { samlRoutes } from './saml/routes.ts';
import { sloRoutes } from './saml/slo-routes.ts';
import { loginRoutes } from './saml/login-page.ts';
import { auditRoutes } from './audit/index.ts';
import { resetRoutes } from './reset/index.ts';
import { accountRoutes, secondFactorRoutes, webauthnAssetRoutes } from './mfa/index.ts';
import { webhookRoutes } from './webhooks/index.ts';
import { consoleRoutes } from './web/console.ts';
import { landingRoutes } from './web/landing.ts';

type Middleware = (ctx: AppContext, next: Next) => Promise<unknown>;
/** @koa/router types its middleware for its own context type; at runtime it is a plain Koa middleware. */
function asMiddleware(mw: unknown): Middleware {
  return mw as Middleware;
}

/** A router's dispatch, then its allowedMethods (405/501) for what no route answered. */
function throughRouter(dispatch: Middleware, methods: Middleware): Middleware {
  return (ctx, next) => dispatch(ctx, () => methods(ctx, next));
}

const BEARER_PREFIXES = ['/api/organizations', '/api/invitations'];

/** `routeTable` false: every route through @koa/router's own dispatch (see http/internals.ts). */
export function createApp(
  deps: Deps,
  metrics: Metrics,
  records: RequestRecords,
  isShuttingDown: () => boolean = () => false,
  routeTable = true,
): Koa<AppState, AppContext> {
  const app = new Koa<AppState, AppContext>({ proxy: deps.config.trustProxy });
  app.silent = true; // errors are rendered and logged by requestContext, never printed by Koa

  app.use(requestContext(deps.logger, records, { isShuttingDown }));

  const account = requireAccount(deps);
  const needsAccount = (path: string) => BEARER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

  const saml = createSamlRuntime(deps, metrics);
  const root = new Router<AppState, AppContext>();
  for (const r of [
    opsRoutes(deps, metrics, isShuttingDown),
    docsRoutes(deps, () => [root, serviceApi]),
    authRoutes(deps, saml.sealer),
    organizationRoutes(deps),
    invitationRoutes(deps),
    serviceRoutes(deps),
    planRoutes(deps),
    apiKeyRoutes(deps),
    userDirectoryRoutes(deps),
    auditRoutes(deps),
    passwordPageRoutes(deps),
    samlAdminRoutes(deps, saml),
    samlRoutes(deps, saml, metrics),
    sloRoutes(deps, saml, metrics),
    loginRoutes(deps, saml),
    resetRoutes(deps),
    secondFactorRoutes(deps, saml),
    webauthnAssetRoutes(),
    accountRoutes(deps, saml),
    webhookRoutes(deps),
    landingRoutes(deps),
    consoleRoutes(undefined, { reload: deps.config.env !== 'production' }),
  ]) {
    root.use(r.routes());
  }
  // The Service API is called by backends on every request of their own: its requests go straight to
  // its router instead of being matched against every admin-plane and SAML route first. Routes without
  // parameters are served from chains composed once (http/route-table.ts). Everything under /api/
  // takes JSON bodies only; the admin plane's organization routes need a bearer token first. No /api/
  // route takes an API key in its URL (http/query-keys.ts): refused before any of them runs.
  const serviceApi = serviceApiRoutes(deps, metrics);
  const dispatchOf = (r: Router<AppState, AppContext>) => (routeTable ? fastRoutes(r) : asMiddleware(r.routes()));
  const serviceApiRoute = throughRouter(dispatchOf(serviceApi), asMiddleware(serviceApi.allowedMethods()));
  const rootRoute = throughRouter(dispatchOf(root), asMiddleware(root.allowedMethods()));
  // Per-request closures stay anonymous: tsx keeps function names, which costs a defineProperty for
  // every named closure created.
  app.use((ctx: AppContext, next: Next) => {
    // The routers match paths case-insensitively: so do these prefix checks, or /API/… would skip them.
    const raw = ctx.path;
    const path = raw.startsWith('/api/') ? raw : raw.toLowerCase();
    if (path.startsWith('/api/') && ctx.querystring) refuseKeyInUrl(ctx.querystring);
    // The Service API reads bodies after its key check (service-api/routes.ts), like the admin plane below.
    if (path.startsWith('/api/service/')) return serviceApiRoute(ctx, next);
    if (!path.startsWith('/api/')) return rootRoute(ctx, next);
    // The bearer token is checked before the body is read: a request without one gets its 401 whatever
    // it sends, and no body of an unauthenticated request is parsed.
    if (needsAccount(path)) return account(ctx, () => jsonBody(ctx, () => rootRoute(ctx, next)));
    return jsonBody(ctx, () => rootRoute(ctx, next));
  });
  return app;
}
