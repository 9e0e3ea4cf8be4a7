// @koa/router matches every request against every layer of a router, then builds and composes a
// middleware chain for it: per request, ~8 µs and ~3 KB of garbage for the Service API's layers
// (measured in process). For a route without parameters, which layers run depends on the method and
// the path alone, so this asks the router once, at start-up, which layers it would run for each such
// (method, path), composes exactly those, and serves those requests from a Map. Anything else (a
// parameter, a trailing slash, other letter case, an unknown path) goes through the router as before.
import compose from 'koa-compose';
import type Router from '@koa/router';
import type { Next } from 'koa';
import type { AppContext, AppState } from './context.ts';

/** A middleware may answer with a promise or with nothing (koa-compose wraps either). */
type Middleware = (ctx: AppContext, next: Next) => unknown;
/** A composed chain (koa-compose and the router both answer with a promise). */
type Dispatch = (ctx: AppContext, next: Next) => Promise<unknown>;
type AppRouter = Router<AppState, AppContext>;
type Layer = AppRouter['stack'][number];

/**
 * What the router leaves on the context once it reaches the route's own handlers (see its
 * _buildMiddlewareChain). The router sets these again before each matched layer; set once, to the
 * last layer's values, they are what every handler and the access log read.
 */
function enterRoute(router: AppRouter, matched: Layer[], layer: Layer, path: string, captures: string[]): Middleware {
  return (ctx, next) => {
    const c = ctx as AppContext & {
      matched: Layer[];
      router: AppRouter;
      routeMatched: boolean;
      captures: string[];
      routerPath: string;
      routerName: string | undefined;
      _matchedRouteName?: string;
      request: { params: Record<string, string> };
    };
    const params: Record<string, string> = {};
    c.matched = matched.slice();
    c.router = router;
    c.routeMatched = true;
    c.captures = captures;
    c.request.params = params;
    c.params = params;
    c.routerPath = path;
    c.routerName = layer.name || undefined;
    c._matchedRoute = path;
    if (layer.name) c._matchedRouteName = layer.name;
    return next();
  };
}

/** `METHOD path` → the composed chain the router would run for it, for every parameterless route. */
export function precomposedRoutes(router: AppRouter): Map<string, Dispatch> {
  const table = new Map<string, Dispatch>();
  for (const route of router.stack) {
    if (route.methods.length === 0 || typeof route.path !== 'string') continue;
    for (const method of route.methods) {
      const path = route.path;
      const matched = router.match(path, method);
      const layers = matched.pathAndMethod;
      const last = layers.at(-1);
      if (!matched.route || !last || layers.some((l) => typeof l.path !== 'string')) continue;
      // Only when no matched layer takes anything from the path: then its params are {} every time.
      const captures = layers.map((l) => l.captures(path));
      if (layers.some((l, i) => Object.keys(l.params(path, captures[i] ?? [], {})).length > 0)) continue;
      // One entry step, then every matched layer's middleware in order, in a single composed chain.
      const chain = [enterRoute(router, matched.path, last, String(last.path), captures.at(-1) ?? []), ...layers.flatMap((l) => l.stack as Middleware[])];
      table.set(`${method} ${path}`, compose(chain as compose.Middleware<AppContext>[]) as Dispatch);
    }
  }
  return table;
}

/** Dispatches to the precomposed chain when there is one, else to the router's own middleware. */
export function fastRoutes(router: AppRouter): Dispatch {
  const table = precomposedRoutes(router);
  const dispatch = router.routes() as unknown as Dispatch;
  return (ctx, next) => (table.get(`${ctx.method} ${ctx.path}`) ?? dispatch)(ctx, next);
}
