// Minimal server-rendered pages for hosted flows. Every page gets a fresh CSP nonce; only nonce'd
// inline styles/scripts run, and no page may be framed.
import { secureRandom } from '../security/random.ts';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Page {
  html: string;
  csp: string;
}

/** Sends a hosted page: HTML, its nonce CSP, never cached. */
export function sendPage(ctx: { status: number; type: string; body: unknown; set(field: string, value: string): void }, status: number, p: Page): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Content-Security-Policy', p.csp);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = p.html;
}

export function page(opts: { title: string; body: string; script?: string }): Page {
  const nonce = secureRandom(16).toString('base64');
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action 'self' https: http:; base-uri 'none'; frame-ancestors 'none'`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)} · Tessera</title>
<style nonce="${nonce}">
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
main{background:#fff;padding:2rem 2.25rem;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);width:100%;max-width:380px}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;font-size:.9rem;margin:.75rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.6rem .7rem;border:1px solid #c9ced6;border-radius:8px;font-size:1rem}
button{margin-top:1.25rem;width:100%;padding:.7rem;border:0;border-radius:8px;background:#3b5bdb;color:#fff;font-size:1rem;cursor:pointer}
.error{background:#fff0f0;color:#a61b1b;padding:.6rem .8rem;border-radius:8px;font-size:.9rem}.muted{color:#667;font-size:.85rem}
</style></head><body><main>${opts.body}</main>${opts.script ? `<script nonce="${nonce}">${opts.script}</script>` : ''}</body></html>`;
  return { html, csp };
}
