// The precomposed route table must be indistinguishable from @koa/router's own dispatch: same
// middleware in the same order, same context fields, same fallthrough for what it does not hold.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext, AppState } from './context.ts';
import { fastRoutes, precomposedRoutes } from './route-table.ts';

// Which middleware ran, per request (AppState has no room for test-only fields).
const trails = new WeakMap<object, string[]>();
function trail(ctx: AppContext): string[] {
  let t = trails.get(ctx.req);
  if (!t) trails.set(ctx.req, (t = []));
  return t;
}

function buildRouter(): Router<AppState, AppContext> {
  const router = new Router<AppState, AppContext>({ prefix: '/api/x' });
  router.use(async (ctx, next) => {
    trail(ctx).push('use');
    await next();
  });
  const record = (name: string) => (ctx: AppContext) => {
    trail(ctx).push(name);
    const c = ctx as AppContext & { routerPath?: string; matched?: unknown[]; captures?: unknown[] };
    ctx.body = {
      trail: trail(ctx),
      params: ctx.params,
      matchedRoute: String(ctx._matchedRoute),
      routerPath: c.routerPath,
      matched: c.matched?.length,
      captures: c.captures,
    };
  };
  router.get(
    '/info',
    async (ctx, next) => {
      trail(ctx).push('need');
      await next();
    },
    record('info'),
  );
  router.post('/info', record('post-info'));
  router.get('/users/:id', record('user'));
  router.get('/users', record('users'));
  return router;
}

async function serve(dispatch: (router: Router<AppState, AppContext>) => Koa.Middleware<AppState, AppContext>): Promise<Server> {
  const router = buildRouter();
  const app = new Koa<AppState, AppContext>();
  app.use(dispatch(router));
  app.use(router.allowedMethods() as unknown as Koa.Middleware<AppState, AppContext>);
  const handle = app.callback();
  // Koa's handler settles its own promise (errors are rendered inside it).
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((r) => {
    server.listen(0, '127.0.0.1', r);
  });
  return server;
}

describe('precomposed routes', () => {
  let viaRouter: Server;
  let viaTable: Server;
  const url = (s: Server, path: string) => `http://127.0.0.1:${(s.address() as AddressInfo).port}${path}`;
  beforeAll(async () => {
    viaRouter = await serve((r) => r.routes() as unknown as Koa.Middleware<AppState, AppContext>);
    viaTable = await serve((r) => fastRoutes(r));
  });
  afterAll(() => {
    viaRouter.close();
    viaTable.close();
  });

  it('holds exactly the parameterless routes, HEAD included', () => {
    expect([...precomposedRoutes(buildRouter()).keys()].sort()).toEqual([
      'GET /api/x/info',
      'GET /api/x/users',
      'HEAD /api/x/info',
      'HEAD /api/x/users',
      'POST /api/x/info',
    ]);
  });

  for (const [method, path] of [
    ['GET', '/api/x/info'],
    ['POST', '/api/x/info'],
    ['GET', '/api/x/users'],
    ['GET', '/api/x/users/42'],
    ['GET', '/api/x/info/'],
    ['GET', '/API/X/INFO'],
    ['DELETE', '/api/x/info'],
    ['GET', '/api/x/nothing'],
    ['HEAD', '/api/x/info'],
  ] as const) {
    it(`${method} ${path} answers the same either way`, async () => {
      const [a, b] = await Promise.all([fetch(url(viaRouter, path), { method }), fetch(url(viaTable, path), { method })]);
      expect(b.status).toBe(a.status);
      expect(b.headers.get('allow')).toBe(a.headers.get('allow'));
      expect(await b.text()).toBe(await a.text());
    });
  }
});
