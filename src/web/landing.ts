// GET / (CONTRACT §16): browsers get a small page naming this instance with the ways in (console,
// API reference, health); API clients keep the JSON 404 of any unknown route.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { escapeHtml, page, sendPage } from '../http/html.ts';

export function landingRoutes(deps: Deps): Router<AppState, AppContext> {
  const router = new Router<AppState, AppContext>();
  router.get('/', (ctx) => {
    // Only a client that prefers HTML over JSON gets the page (a browser's navigation does); both
    // answers say they depend on Accept, so no cache hands one to the other.
    ctx.vary('Accept');
    if (ctx.accepts('json', 'html') !== 'html') throw notFound('Route not found');
    const instance = escapeHtml(new URL(deps.config.publicUrl).host);
    sendPage(
      ctx,
      200,
      page({
        title: 'Home',
        body:
          `<h1>Tessera at ${instance}</h1><p>A SAML 2.0 identity provider with an admin API.</p>` +
          '<ul><li><a href="/console">Admin console</a></li><li><a href="/docs">API reference</a></li>' +
          '<li><a href="/healthz">Health</a> · <a href="/readyz">Readiness</a></li></ul>',
      }),
    );
  });
  return router;
}
