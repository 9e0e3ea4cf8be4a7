// The emails Tessera sends, as plain text and HTML, in the recipient's language (English when unknown),
// naming the organization by its display name. Every word comes from the mail catalog (src/i18n).
import { t, type Locale, type MessageKey } from '../i18n/index.ts';
import { escapeHtml } from '../http/html.ts';
import type { OutgoingMail } from './transport.ts';

type Message = Omit<OutgoingMail, 'to'>;

interface Compose {
  kind: string;
  subject: MessageKey;
  body: MessageKey;
  action: MessageKey;
  url: string;
  vars: Record<string, string>;
  /** A line after the link (the invitation code). */
  extra?: string;
}

function compose(locale: Locale, c: Compose): Message {
  const say = (key: MessageKey) => t(locale, key, c.vars);
  const text = [
    t(locale, 'mail.greeting'),
    '',
    say(c.body),
    '',
    t(locale, 'mail.linkLine', { action: say(c.action), url: c.url }),
    ...(c.extra ? ['', c.extra] : []),
    '',
    t(locale, 'mail.ignore'),
    '',
  ].join('\n');
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(say(c.subject))}</title></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2330;line-height:1.5">
<p>${escapeHtml(t(locale, 'mail.greeting'))}</p><p>${escapeHtml(say(c.body))}</p>
<p><a href="${escapeHtml(c.url)}" style="display:inline-block;padding:.6rem 1rem;background:#1d2330;color:#ffffff;border-radius:6px;text-decoration:none">${escapeHtml(say(c.action))}</a></p>
<p style="font-size:.9rem;color:#4b5563">${escapeHtml(c.url)}</p>${c.extra ? `<p>${escapeHtml(c.extra)}</p>` : ''}
<p style="font-size:.9rem;color:#4b5563">${escapeHtml(t(locale, 'mail.ignore'))}</p></body></html>`;
  return { kind: c.kind, subject: say(c.subject), text, html };
}

function when(locale: Locale, date: Date): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(date)} UTC`;
}

export function passwordLinkMail(locale: Locale, org: string, email: string, url: string, expiresAt: Date): Message {
  const vars = { org, email, expires: when(locale, expiresAt) };
  return compose(locale, {
    kind: 'password_link',
    subject: 'mail.passwordLink.subject',
    body: 'mail.passwordLink.body',
    action: 'mail.passwordLink.action',
    url,
    vars,
  });
}

export function resetMail(locale: Locale, org: string, email: string, url: string): Message {
  return compose(locale, {
    kind: 'password_reset',
    subject: 'mail.reset.subject',
    body: 'mail.reset.body',
    action: 'mail.reset.action',
    url,
    vars: { org, email },
  });
}

export function invitationMail(locale: Locale, org: string, invite: { email: string; role: string; token: string; expiresAt: Date }, url: string): Message {
  const vars = { org, email: invite.email, role: invite.role, expires: when(locale, invite.expiresAt), token: invite.token };
  return compose(locale, {
    kind: 'invitation',
    subject: 'mail.invitation.subject',
    body: 'mail.invitation.body',
    action: 'mail.invitation.action',
    url,
    vars,
    extra: t(locale, 'mail.invitation.token', vars),
  });
}
