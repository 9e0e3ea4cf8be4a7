// /console: the admin console (CONTRACT §15), a single-page app built by Vite from console/ into
// dist/console/ (`npm run build`). Its hashed assets are cached for a year; index.html is never cached,
// so a deploy is picked up on the next load. Every path under /console/ that is not an asset is the
// app's own (history-API) route and gets index.html. In production the built files are read once; in
// development (`npm run dev`, where vite rebuilds them) they are read again when index.html changes.
import { sendStaticAsset } from '../http/static-asset.ts';
import { projectRoot } from '../config/paths.ts';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import Router from '@koa/router';
import type { AppContext, AppState } from '../http/context.ts';
import { AppError, notFound } from '../http/errors.ts';

/** dist/console/ of the package root, from src/web/ (tsx), dist/src/web/ and the dist/main.js bundle alike. */
export const CONSOLE_DIR = join(projectRoot, 'dist', 'console');

// The console's own policy: its scripts and styles come from this origin only (no inline code, no CDN),
// it talks to this origin only, and nothing may frame it.
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

interface Asset {
  type: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}
interface Bundle {
  index: Buffer;
  assets: Map<string, Asset>;
}

async function loadBundle(dir: string): Promise<Bundle> {
  const index = await readFile(join(dir, 'index.html'));
  const names = await readdir(join(dir, 'assets')).catch(() => []);
  const assets = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = await readFile(join(dir, 'assets', name));
    assets.set(name, { type, body, gzipped: await promisify(gzip)(body), etag: createHash('sha256').update(body).digest('base64url').slice(0, 16) });
  }
  return { index, assets };
}

/** When index.html was last written; undefined when it is missing. */
const indexMtime = (dir: string): Promise<number | undefined> =>
  stat(join(dir, 'index.html')).then(
    (s) => s.mtimeMs,
    () => undefined,
  );

/**
 * The bundle of `dir`, read on first use; a console that is not built yet is looked for again on the
 * next request. With `reload` (development), a changed index.html (vite writes it after the assets it
 * names) is read again with its assets: one stat per request.
 */
function bundleCache(dir: string, reload: boolean): () => Promise<Bundle> {
  let bundle: Promise<Bundle> | undefined;
  let loadedAt: number | undefined;
  return async () => {
    if (reload && bundle) {
      const mtime = await indexMtime(dir);
      if (mtime !== loadedAt) bundle = undefined;
    }
    if (!bundle) {
      // The time is taken before the read: a write during the read makes the next request read again.
      loadedAt = reload ? await indexMtime(dir) : undefined;
      const loading = loadBundle(dir);
      bundle = loading;
      loading.catch(() => {
        if (bundle === loading) bundle = undefined;
      });
    }
    return bundle;
  };
}

const notBuilt = () => new AppError(503, 'SERVICE_UNAVAILABLE', 'The console is not built: run `npm run build`', { headers: { 'Retry-After': '30' } });

type BundleOf = () => Promise<Bundle>;

async function sendIndex(ctx: AppContext, consoleBundle: BundleOf): Promise<void> {
  const { index } = await consoleBundle().catch(() => {
    throw notBuilt();
  });
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.set('Cache-Control', 'no-store');
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = index;
}

async function sendAsset(ctx: AppContext, consoleBundle: BundleOf, name: string): Promise<void> {
  const asset = (await consoleBundle().catch(() => undefined))?.assets.get(name);
  if (!asset) throw notFound('Asset not found');
  // The file name carries the content hash: a changed file is a new URL.
  sendStaticAsset(ctx, asset);
}

/**
 * The console's routes over the build in `dir`. `reload` (every environment but production) reads the
 * build again once index.html has changed, so `npm run dev` serves what vite has just rebuilt.
 */
export function consoleRoutes(dir = CONSOLE_DIR, { reload = false }: { reload?: boolean } = {}): Router<AppState, AppContext> {
  const bundle = bundleCache(dir, reload);
  const router = new Router<AppState, AppContext>();
  router.get('/console', (ctx) => sendIndex(ctx, bundle));
  router.get('/console/assets/:file', (ctx) => sendAsset(ctx, bundle, ctx.params.file ?? ''));
  router.get('/console/{*view}', async (ctx) => {
    // A missing asset stays a 404: answering HTML for it would hide a broken deploy.
    if ((ctx.params.view ?? '').startsWith('assets/')) throw notFound('Asset not found');
    await sendIndex(ctx, bundle);
  });
  return router;
}
