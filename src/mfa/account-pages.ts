// The /account page's HTML: the sign-in form, the overview (factors, recovery codes, password, recent
// sign-ins) and the passkey registration page. Text from src/i18n/messages/account.ts.
import { escapeHtml as e } from '../http/html.ts';
import { t, type Locale } from '../i18n/index.ts';

export interface AccountView {
  locale: Locale;
  csrf: string;
  org: { slug: string; name: string };
  email: string;
  totp: boolean;
  passkeys: { id: string; name: string; createdAt: Date }[];
  recoveryLeft: number;
  signIns: { service: string; at: Date }[];
  notice?: string | undefined;
  error?: { field: string; message: string } | undefined;
}

function form(v: { csrf: string; org: { slug: string } }, action: string, inner: string, extra: Record<string, string> = {}): string {
  const hidden = Object.entries({ csrf: v.csrf, org: v.org.slug, ...extra })
    .map(([k, val]) => `<input type="hidden" name="${e(k)}" value="${e(val)}">`)
    .join('');
  return `<form method="post" action="${e(action)}">${hidden}${inner}</form>`;
}

function field(id: string, name: string, label: string, type: string, autocomplete: string, error?: { field: string; message: string }): string {
  const bad = error?.field === name;
  return (
    `<label for="${id}">${e(label)}</label>` +
    (bad ? `<p class="error" role="alert" id="${id}-error">${e(error.message)}</p>` : '') +
    `<input id="${id}" name="${name}" type="${type}" autocomplete="${autocomplete}" maxlength="256"${bad ? ` aria-invalid="true" aria-describedby="${id}-error" autofocus` : ''}>`
  );
}

export function signInForm(locale: Locale, csrf: string, org: { slug: string; name: string }, email = '', error?: string): string {
  return (
    `<h1>${e(t(locale, 'account.sign_in_title'))}</h1><p class="muted">${e(org.name)}</p>` +
    (error ? `<p class="error" role="alert" id="signin-error">${e(error)}</p>` : '') +
    form(
      { csrf, org },
      '/account/login',
      `<label for="email">${e(t(locale, 'account.email'))}</label><input id="email" name="email" type="email" autocomplete="username" value="${e(email)}" required autofocus>` +
        `<label for="password">${e(t(locale, 'account.password'))}</label><input id="password" name="password" type="password" autocomplete="current-password" required${error ? ' aria-invalid="true" aria-describedby="signin-error"' : ''}>` +
        `<button type="submit">${e(t(locale, 'account.sign_in'))}</button>`,
    )
  );
}

export function overview(v: AccountView): string {
  const { locale } = v;
  const reauth = (prefix: string) => field(`${prefix}-password`, 'password', t(locale, 'account.remove_password'), 'password', 'current-password', v.error);
  // Adding a factor beside another one asks what removing one asks (account-routes.ts, mayAddFactor).
  const addReauth = (prefix: string) => (v.totp || v.passkeys.length ? reauth(prefix) : '');
  const totp =
    `<h2>${e(t(locale, 'account.totp'))}</h2><p id="totp-status">${e(t(locale, v.totp ? 'account.totp_on' : 'account.totp_off'))}</p>` +
    (v.totp
      ? form(v, '/account/factors/remove', reauth('totp') + `<button type="submit">${e(t(locale, 'account.remove'))}</button>`, { kind: 'totp', id: '' })
      : form(v, '/account/totp/start', addReauth('totp-add') + `<button type="submit">${e(t(locale, 'account.totp_add'))}</button>`));
  const keys =
    `<h2>${e(t(locale, 'account.passkeys'))}</h2>` +
    (v.passkeys.length
      ? `<ul>${v.passkeys
          .map(
            (k) =>
              `<li>${e(k.name)} <span class="muted">${e(k.createdAt.toISOString().slice(0, 10))}</span>` +
              form(v, '/account/factors/remove', reauth(`key-${k.id}`) + `<button type="submit">${e(t(locale, 'account.remove'))}</button>`, {
                kind: 'webauthn',
                id: k.id,
              }) +
              '</li>',
          )
          .join('')}</ul>`
      : `<p>${e(t(locale, 'account.passkeys_none'))}</p>`) +
    form(v, '/account/passkey/start', addReauth('passkey-add') + `<button type="submit">${e(t(locale, 'account.passkey_add'))}</button>`);
  const recovery =
    `<h2>${e(t(locale, 'account.recovery'))}</h2><p id="recovery-left">${e(t(locale, 'account.recovery_left', { count: v.recoveryLeft }))}</p>` +
    (v.totp || v.passkeys.length
      ? form(v, '/account/recovery', reauth('recovery') + `<button type="submit">${e(t(locale, 'account.recovery_regenerate'))}</button>`)
      : `<p class="muted">${e(t(locale, 'account.recovery_needs_factor'))}</p>`);
  const password =
    `<h2>${e(t(locale, 'account.password_heading'))}</h2>` +
    form(
      v,
      '/account/password',
      field('current', 'current', t(locale, 'account.current_password'), 'password', 'current-password', v.error) +
        field('new', 'new', t(locale, 'account.new_password'), 'password', 'new-password', v.error) +
        field('confirm', 'confirm', t(locale, 'account.confirm_password'), 'password', 'new-password', v.error) +
        `<button type="submit">${e(t(locale, 'account.password_save'))}</button>`,
    );
  const activity =
    `<h2>${e(t(locale, 'account.activity'))}</h2>` +
    (v.signIns.length
      ? `<ul id="sign-ins">${v.signIns.map((s) => `<li>${e(s.service)} <span class="muted">${e(s.at.toISOString().replace('T', ' ').slice(0, 16))} UTC</span></li>`).join('')}</ul>`
      : `<p>${e(t(locale, 'account.activity_none'))}</p>`);
  return (
    `<h1>${e(t(locale, 'account.title'))}</h1><p class="muted">${e(t(locale, 'account.signed_in_as', { email: v.email, org: v.org.name }))}</p>` +
    (v.notice ? `<p role="status" id="notice">${e(v.notice)}</p>` : '') +
    `<section><h2>${e(t(locale, 'account.factors'))}</h2>${totp}${keys}</section>` +
    `<section>${recovery}</section><section>${password}</section><section>${activity}</section>` +
    form(v, '/account/logout', `<button type="submit">${e(t(locale, 'account.sign_out'))}</button>`)
  );
}

export function passkeyPage(locale: Locale, csrf: string, org: { slug: string }, token: string, error?: string): string {
  return (
    `<h1>${e(t(locale, 'account.passkey_add'))}</h1>` +
    `<form method="post" action="/account/passkey/finish" id="webauthn-form"><input type="hidden" name="csrf" value="${e(csrf)}"><input type="hidden" name="org" value="${e(org.slug)}">` +
    `<input type="hidden" name="token" value="${e(token)}"><input type="hidden" name="webauthn" value="">` +
    `<label for="name">${e(t(locale, 'account.passkey_name'))}</label><input id="name" name="name" type="text" maxlength="64" value="Passkey">` +
    `<p class="error" role="alert" id="webauthn-error"${error ? '' : ' hidden'}>${error ? e(error) : ''}</p>` +
    `<button type="button" id="webauthn-start" hidden>${e(t(locale, 'account.passkey_add'))}</button>` +
    `<noscript><p>${e(t(locale, 'account.passkey_needs_js'))}</p></noscript></form>` +
    `<p><a href="/account?org=${e(encodeURIComponent(org.slug))}">${e(t(locale, 'account.back'))}</a></p>`
  );
}
