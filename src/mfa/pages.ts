// The second-factor pages of sign-in (and of /account, which reuses the enrollment and codes pages).
// Text comes from the catalogs (src/i18n/messages/mfa.ts); every value is escaped here.
import { escapeHtml as e } from '../http/html.ts';
import { t, type Locale } from '../i18n/index.ts';

export interface StepForm {
  /** Where the form posts. */
  action: string;
  token: string;
  csrf: string;
  /** The way back, carried along so a page shown again still has it (checked by safeBack). */
  back?: string | undefined;
}

const BACK = /^\/(login\?state=[A-Za-z0-9_-]{1,128}|account\?org=[a-z0-9-]{1,64})$/;

/** A way back that can only be one of ours (it comes back from a form field). */
export function safeBack(value: string | undefined): string | undefined {
  return value !== undefined && BACK.test(value) ? value : undefined;
}

/** The organization of a way back to /account: its handlers find the session by the form's `org`. */
const ACCOUNT_BACK = /^\/account\?org=([a-z0-9-]{1,64})$/;

function hidden(f: StepForm, extra: Record<string, string> = {}): string {
  // An /account form (TOTP enrollment, shown again after a wrong code) carries `org` as every other
  // /account form does; without it, the confirmation found no organization and answered 404.
  const org = ACCOUNT_BACK.exec(f.back ?? '')?.[1];
  const all = { token: f.token, csrf: f.csrf, ...(f.back ? { back: f.back } : {}), ...(org ? { org } : {}), ...extra };
  return Object.entries(all)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('');
}

function errorBlock(id: string, message: string | undefined): string {
  return message ? `<p class="error" role="alert" id="${id}">${e(message)}</p>` : '';
}

function codeInput(locale: Locale, id: string, label: string, invalid: boolean, pattern: string, autocomplete: string): string {
  const aria = invalid ? ` aria-invalid="true" aria-describedby="${id}-error"` : '';
  return `<label for="${id}">${e(label)}</label><input id="${id}" name="code" type="text" inputmode="${pattern === 'numeric' ? 'numeric' : 'text'}" autocomplete="${autocomplete}" maxlength="32" required${aria}${invalid ? ' autofocus' : ''}>`;
}

export interface FactorPage {
  locale: Locale;
  form: StepForm;
  email: string;
  totp: boolean;
  /** Authentication options when the user has WebAuthn credentials. */
  webauthn: boolean;
  error?: { field: 'totp' | 'recovery' | 'webauthn'; message: string } | undefined;
  /** The way back (start the sign-in again). */
  back: string;
}

/** The second-factor page: a code from the app, a passkey, or a recovery code. */
export function factorPage(p: FactorPage): string {
  const { locale, form } = p;
  const err = p.error;
  const totp = p.totp
    ? `<form method="post" action="${e(form.action)}">${hidden(form, { method: 'totp' })}${errorBlock('totp-error', err?.field === 'totp' ? err.message : undefined)}` +
      codeInput(locale, 'totp', t(locale, 'mfa.code'), err?.field === 'totp', 'numeric', 'one-time-code') +
      `<button type="submit">${e(t(locale, 'mfa.verify'))}</button></form>`
    : '';
  const passkey = p.webauthn
    ? `<form method="post" action="${e(form.action)}" id="webauthn-form">${hidden(form, { method: 'webauthn', webauthn: '' })}` +
      `<p class="error" role="alert" id="webauthn-error"${err?.field === 'webauthn' ? '' : ' hidden'}>${err?.field === 'webauthn' ? e(err.message) : ''}</p>` +
      `<button type="button" id="webauthn-start" hidden>${e(t(locale, 'mfa.passkey'))}</button>` +
      `<noscript><p class="muted">${e(t(locale, 'mfa.passkey_no_js'))}</p></noscript></form>`
    : '';
  const recovery =
    `<details${err?.field === 'recovery' ? ' open' : ''}><summary>${e(t(locale, 'mfa.recovery_heading'))}</summary>` +
    `<form method="post" action="${e(form.action)}">${hidden(form, { method: 'recovery' })}${errorBlock('recovery-error', err?.field === 'recovery' ? err.message : undefined)}` +
    codeInput(locale, 'recovery', t(locale, 'mfa.recovery_code'), err?.field === 'recovery', 'text', 'off') +
    `<button type="submit">${e(t(locale, 'mfa.recovery_use'))}</button></form></details>`;
  return (
    `<h1>${e(t(locale, 'mfa.title'))}</h1><p class="muted">${e(t(locale, 'mfa.intro', { email: p.email }))}</p>` +
    totp +
    passkey +
    recovery +
    `<p><a href="${e(p.back)}">${e(t(locale, 'mfa.start_over'))}</a></p>`
  );
}

export interface EnrollPage {
  locale: Locale;
  form: StepForm;
  secret: string;
  uri: string;
  required: boolean;
  error?: string | undefined;
  back: string;
  backLabel: string;
}

/** TOTP enrollment: the setup key and otpauth URI (no image: nothing is fetched from elsewhere), then a code. */
export function enrollPage(p: EnrollPage): string {
  const { locale, form } = p;
  const grouped = p.secret.match(/.{1,4}/g)?.join(' ') ?? p.secret;
  return (
    `<h1>${e(t(locale, 'mfa.enroll_title'))}</h1><p>${e(t(locale, p.required ? 'mfa.enroll_required' : 'mfa.enroll_intro'))}</p>` +
    `<p class="muted">${e(t(locale, 'mfa.enroll_key'))}</p><p><code id="totp-secret">${e(grouped)}</code></p>` +
    `<p><a id="totp-uri" href="${e(p.uri)}">${e(t(locale, 'mfa.enroll_link'))}</a></p>` +
    `<form method="post" action="${e(form.action)}">${hidden(form)}${errorBlock('totp-error', p.error)}` +
    codeInput(locale, 'totp', t(locale, 'mfa.code'), p.error !== undefined, 'numeric', 'one-time-code') +
    `<button type="submit">${e(t(locale, 'mfa.enroll_confirm'))}</button></form>` +
    `<p><a href="${e(p.back)}">${e(p.backLabel)}</a></p>`
  );
}

/** The recovery codes, shown once, and the way on (a form or a link). */
export function codesPage(locale: Locale, codes: string[], next: string): string {
  return (
    `<h1>${e(t(locale, 'mfa.codes_title'))}</h1><p>${e(t(locale, 'mfa.codes_intro'))}</p>` +
    `<ul id="recovery-codes">${codes.map((c) => `<li><code>${e(c)}</code></li>`).join('')}</ul>` +
    next
  );
}

export function messagePage(title: string, text: string, back?: { href: string; label: string }): string {
  return `<h1>${e(title)}</h1><p>${e(text)}</p>${back ? `<p><a href="${e(back.href)}">${e(back.label)}</a></p>` : ''}`;
}
