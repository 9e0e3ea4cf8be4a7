// What the second-factor and account pages share: the form's string fields, the CSRF double-submit
// token (cookie SameSite=Strict + form field, as on /login) with the Origin check, and the locale.
import type { AppContext } from '../http/context.ts';
import { forbidden } from '../http/errors.ts';
import { pickLocale, type Locale } from '../i18n/index.ts';
import { newToken, safeEqual } from '../security/random.ts';
import { readCookie, setCookie } from '../saml/session.ts';
import { formFromHere } from '../http/origin.ts';

const CSRF_COOKIE = 'tessera_mfa_csrf';

export function fields(ctx: AppContext): Map<string, string> {
  const out = new Map<string, string>();
  const body = ctx.request.body;
  if (typeof body !== 'object' || body === null) return out;
  for (const [name, value] of Object.entries(body)) if (typeof value === 'string') out.set(name, value.slice(0, 8192));
  return out;
}

export function localeOf(ctx: AppContext): Locale {
  return pickLocale(ctx.get('accept-language') || undefined);
}

/** The browser's CSRF token, set when it has none (one per browser, 30 minutes, renewed on each page). */
export function csrfToken(ctx: AppContext): string {
  const have = readCookie(ctx, CSRF_COOKIE);
  const token = have && /^[A-Za-z0-9_-]{32}$/.test(have) ? have : newToken(24);
  setCookie(ctx, CSRF_COOKIE, token, { maxAgeSeconds: 1800, sameSite: 'Strict', path: '/' });
  return token;
}

/** Refuses a form another site made the browser send. */
export function checkCsrf(ctx: AppContext, publicUrl: string, form: Map<string, string>): void {
  if (!formFromHere(ctx, publicUrl)) throw forbidden('Cross-origin requests are not allowed');
  const cookie = readCookie(ctx, CSRF_COOKIE) ?? '';
  if (!cookie || !safeEqual(cookie, form.get('csrf') ?? '')) throw forbidden('The form expired; reload the page');
}

/** JSON for a nonce'd inline script: nothing in it can close the script element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export const WEBAUTHN_SCRIPT_PATH = '/assets/simplewebauthn-browser.js';

/**
 * The inline script that loads @simplewebauthn/browser (served by Tessera, with the page's nonce) and
 * runs `ceremony` (startAuthentication or startRegistration) when the button is pressed; the answer is
 * put in the form's hidden `webauthn` field and the form submitted.
 */
export function webauthnScript(ceremony: 'startAuthentication' | 'startRegistration', options: unknown, failure: string): string {
  return `(function(){var b=document.getElementById('webauthn-start'),f=document.getElementById('webauthn-form'),e=document.getElementById('webauthn-error');
var s=document.createElement('script');s.src=${scriptJson(WEBAUTHN_SCRIPT_PATH)};s.nonce=document.currentScript.nonce;
s.onload=function(){b.hidden=false;b.addEventListener('click',function(){SimpleWebAuthnBrowser.${ceremony}({optionsJSON:${scriptJson(options)}}).then(function(r){f.elements.webauthn.value=JSON.stringify(r);f.submit();},function(){e.textContent=${scriptJson(failure)};e.hidden=false;});});};
document.head.appendChild(s);})();`;
}

/** A JSON object from a form field (a WebAuthn answer), or null. */
export function parseObject(text: string): object | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v : null;
  } catch {
    return null;
  }
}
