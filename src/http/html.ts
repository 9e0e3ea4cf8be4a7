// Server-rendered pages for hosted flows. Every page gets a fresh CSP nonce; only nonce'd inline
// styles/scripts run (no style attributes), images only from https: and only when the organization has
// a logo, and no page may be framed. Every page carries the organization's brand, the language chosen
// from Accept-Language and, when the organization has one, a support link.
import { secureRandom } from '../security/random.ts';
import { pickLocale, t, type Locale } from '../i18n/index.ts';
import { DEFAULT_BRAND, paletteFor, type Brand } from './brand.ts';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface Page {
  html: string;
  csp: string;
}

/** Who the page speaks for and in which language. */
export interface PageUi {
  locale: Locale;
  brand: Brand;
}

/** The request's language (Accept-Language) with the given brand (Tessera's when none). */
export function uiFor(ctx: { get(field: string): string }, brand: Brand = DEFAULT_BRAND): PageUi {
  return { locale: pickLocale(ctx.get('accept-language') || undefined), brand };
}

/** Sends a hosted page: HTML, its nonce CSP, never cached. */
export function sendPage(ctx: { status: number; type: string; body: unknown; set(field: string, value: string): void }, status: number, p: Page): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Content-Security-Policy', p.csp);
  ctx.set('Cache-Control', 'no-store');
  // Pages speak the browser's language; the error pages and GET / are HTML only for clients that ask.
  ctx.set('Vary', 'Accept, Accept-Language');
  ctx.body = p.html;
}

/** A link styled as the page's main action (a way back, a next step). */
export function actionLink(href: string, label: string): string {
  return `<p><a class="action" href="${escapeHtml(href)}">${escapeHtml(label)}</a></p>`;
}

function styles(brand: Brand): string {
  const p = paletteFor(brand.primaryColor);
  // Contrast on white: text #1d2330 15.9:1, muted #4b5563 7.6:1, field borders #6b7280 4.8:1 (≥ 3:1 for
  // UI components), the error text on its tint 6.6:1; the button's text is chosen by paletteFor.
  return `body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;display:flex;flex-direction:column;min-height:100vh;align-items:center;justify-content:center;line-height:1.45}
.card{background:#fff;padding:2rem 2.25rem;border-radius:12px;box-shadow:0 4px 24px rgba(0,0,0,.08);width:100%;max-width:400px;box-sizing:border-box}
.brand{display:flex;align-items:center;gap:.6rem;margin:0 0 1.25rem;font-weight:600;font-size:1rem}.brand img{max-height:40px;max-width:200px}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;font-size:.95rem;font-weight:600;margin:.9rem 0 .3rem}
input{width:100%;box-sizing:border-box;padding:.6rem .7rem;border:1px solid #6b7280;border-radius:8px;font-size:1rem;color:#1d2330;background:#fff}
input[aria-invalid=true]{border:2px solid #a61b1b}
button,.action{display:block;box-sizing:border-box;text-align:center;text-decoration:none;margin-top:1.25rem;width:100%;padding:.7rem;border:0;border-radius:8px;background:${p.button};color:${p.buttonText};font-size:1rem;cursor:pointer}
a{color:${p.accent}}:focus-visible{outline:3px solid ${p.accent};outline-offset:2px}.action:focus-visible,button:focus-visible{outline-color:#1d2330}
.error{background:#fff0f0;color:#a61b1b;padding:.6rem .8rem;border-radius:8px;font-size:.95rem}.muted,.hint{color:#4b5563;font-size:.9rem}.hint{margin:.3rem 0 0}
summary{min-height:24px;padding:.25rem 0;cursor:pointer}.links{margin-top:1rem;font-size:.95rem}.details{margin-top:1.5rem;border-top:1px solid #d1d5db;padding-top:.75rem;color:#4b5563;font-size:.85rem;overflow-wrap:anywhere}
footer{margin:1rem;color:#4b5563;font-size:.9rem}`;
}

function header(brand: Brand): string {
  const logo = brand.logoUrl ? `<img src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name)}">` : `<span>${escapeHtml(brand.name)}</span>`;
  return `<header class="brand">${logo}</header>`;
}

function footer(ui: PageUi): string {
  if (!ui.brand.supportUrl) return '';
  const link = `<a href="${escapeHtml(ui.brand.supportUrl)}">${escapeHtml(t(ui.locale, 'common.support'))}</a>`;
  return `<footer>${escapeHtml(t(ui.locale, 'common.supportFooter', { link: '\u0000' })).replace('\u0000', link)}</footer>`;
}

export function page(opts: { title: string; body: string; script?: string; ui?: PageUi }): Page {
  const ui = opts.ui ?? { locale: 'en', brand: DEFAULT_BRAND };
  const nonce = secureRandom(16).toString('base64');
  const img = ui.brand.logoUrl ? '; img-src https:' : '';
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'${img}; form-action 'self' https: http:; base-uri 'none'; frame-ancestors 'none'`;
  const html = `<!doctype html>
<html lang="${ui.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)} · ${escapeHtml(ui.brand.name)}</title>
<style nonce="${nonce}">
${styles(ui.brand)}
</style></head><body><main class="card">${header(ui.brand)}${opts.body}</main>${footer(ui)}${opts.script ? `<script nonce="${nonce}">${opts.script}</script>` : ''}</body></html>`;
  return { html, csp };
}
