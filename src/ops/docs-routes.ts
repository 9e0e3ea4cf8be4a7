// GET /openapi.json and GET /docs: the OpenAPI document of the running app and a Swagger UI page
// whose scripts and styles come from the swagger-ui-dist package in node_modules (never a CDN).
import { sendStaticAsset } from '../http/static-asset.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import Router from '@koa/router';
import { projectRoot } from '../config/paths.ts';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { notFound } from '../http/errors.ts';
import { buildOpenApi, listRoutes, type OpenApiDocument, type RouteRef } from './openapi.ts';

type RouterLike = Parameters<typeof listRoutes>[0];

const require = createRequire(import.meta.url);
const SWAGGER_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));
const APP_VERSION = (require(join(projectRoot, 'package.json')) as { version: string }).version;

// Page-specific policy: only our own scripts and styles. Swagger UI's CSS draws its icons as data: SVG
// images, and "Try it out" calls this same origin.
const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The initializer lives in a file (not inline) so the page needs no 'unsafe-inline' or nonce.
const INIT_JS = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    validatorUrl: null,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
  });
});
`;

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}
const ASSET_SOURCES: Record<string, { type: string; load: () => Promise<Buffer> }> = {
  'swagger-ui-bundle.js': { type: 'application/javascript; charset=utf-8', load: () => readFile(join(SWAGGER_DIR, 'swagger-ui-bundle.js')) },
  'swagger-ui.css': { type: 'text/css; charset=utf-8', load: () => readFile(join(SWAGGER_DIR, 'swagger-ui.css')) },
  'init.js': { type: 'application/javascript; charset=utf-8', load: () => Promise.resolve(Buffer.from(INIT_JS)) },
};

let assets: Promise<Map<string, Asset>> | undefined;
/** Read and gzipped once (off the event loop), on the first request that needs them. */
function loadAssets(): Promise<Map<string, Asset>> {
  assets ??= (async () => {
    const entries = await Promise.all(
      Object.entries(ASSET_SOURCES).map(async ([name, src]) => {
        const body = await src.load();
        const etag = createHash('sha256').update(body).digest('base64url').slice(0, 16);
        return [name, { type: src.type, body, gzipped: await promisify(gzip)(body), etag }] as const;
      }),
    );
    return new Map(entries);
  })();
  assets.catch(() => {
    assets = undefined;
  }); // a failed read is retried on the next request
  return assets;
}

function page(list: Map<string, Asset>): string {
  // Each URL carries the asset's hash, so assets can be cached for a year and still never go stale.
  const url = (name: string) => `/docs/assets/${name}?v=${list.get(name)?.etag ?? ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${url('swagger-ui.css')}">
</head><body>
<noscript><p>This reference needs JavaScript. The raw document is at <a href="/openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
<script src="${url('swagger-ui-bundle.js')}"></script>
<script src="${url('init.js')}"></script>
</body></html>
`;
}

const registered = new WeakMap<Deps, () => readonly RouterLike[]>();

/** Every route of the app built with these deps (all of its routers), for the document and its test. */
export function appRoutes(deps: Deps): RouteRef[] {
  const routers = registered.get(deps);
  if (!routers) throw new Error('docsRoutes was not registered for this app');
  return routers().flatMap((r) => listRoutes(r));
}

/**
 * `routers` returns every router of the app; it is called on the first request (after the app is
 * fully built), so it may name routers created after this one.
 */
export function docsRoutes(deps: Deps, routers: () => readonly RouterLike[]): Router<AppState, AppContext> {
  registered.set(deps, routers);
  const router = new Router<AppState, AppContext>();
  let doc: OpenApiDocument | undefined;

  router.get('/openapi.json', (ctx) => {
    // Built lazily: the public URL of a server on port 0 is only known once it listens.
    doc ??= buildOpenApi(appRoutes(deps), { serverUrl: deps.config.publicUrl, version: APP_VERSION });
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = doc;
  });

  router.get('/docs', async (ctx) => {
    const list = await loadAssets();
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page(list);
  });

  router.get('/docs/assets/:file', async (ctx) => {
    const asset = (await loadAssets()).get(ctx.params.file ?? '');
    if (!asset) throw notFound('Asset not found');
    sendStaticAsset(ctx, asset);
  });

  return router;
}
