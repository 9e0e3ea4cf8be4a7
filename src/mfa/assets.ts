// @simplewebauthn/browser, served by Tessera from the installed package (no CDN): the WebAuthn pages
// load it with their CSP nonce. Read once at start-up; the file is the package's own UMD bundle.
import Router from '@koa/router';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AppContext, AppState } from '../http/context.ts';
import { WEBAUTHN_SCRIPT_PATH } from './form.ts';

function bundle(): string {
  // The package exports only its entry (script/index.js); the bundle sits beside it under dist/.
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

export function webauthnAssetRoutes(): Router<AppState, AppContext> {
  const body = bundle();
  const router = new Router<AppState, AppContext>();
  router.get(WEBAUTHN_SCRIPT_PATH, (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = body;
  });
  return router;
}
