// Self-service password reset (CONTRACT §11, SECURITY 43): GET/POST /password/forgot, reached from
// "Forgot password?" on /login, the organization taken from the pending sign-in request.
//
// Enumeration: the answer is the same page, status and timing whether or not the email has an account.
// The limits are counted before anything is looked up, and the lookup, the link and the email happen
// after the response (mailer.later), so nothing the client can measure depends on the account existing.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { forbidden } from '../http/errors.ts';
import { formBody } from '../http/body.ts';
import { clientIp } from '../http/client-ip.ts';
import { brandOf } from '../http/brand.ts';
import { actionLink, escapeHtml, page, sendPage, uiFor, type PageUi } from '../http/html.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { newToken, safeEqual } from '../security/random.ts';
import { findPending, readCookie, setCookie } from '../saml/session.ts';
import { deadEndLinks, staleRequest } from '../saml/way-back.ts';
import { resetMail } from '../mail/index.ts';
import { createPasswordLink } from '../users/index.ts';
import { formFromHere } from '../http/origin.ts';

const CSRF_COOKIE = 'tessera_reset_csrf';
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,253}$/;

type Pending = NonNullable<Awaited<ReturnType<typeof findPending>>>;

function say(ui: PageUi, key: MessageKey, vars?: Record<string, string>): string {
  return escapeHtml(t(ui.locale, key, vars));
}

function form(ui: PageUi, state: string, csrf: string, orgName: string, invalid = false): string {
  const error = invalid ? `<p id="email-error" class="error" role="alert">${say(ui, 'reset.emailRequired')}</p>` : '';
  const aria = invalid ? ' aria-invalid="true" aria-describedby="email-error"' : '';
  return (
    `<h1>${say(ui, 'reset.title')}</h1><p>${say(ui, 'reset.intro', { org: orgName })}</p>${error}` +
    '<form method="post" action="/password/forgot">' +
    `<input type="hidden" name="state" value="${escapeHtml(state)}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` +
    `<label for="email">${say(ui, 'reset.email')}</label><input id="email" name="email" type="email" autocomplete="username" maxlength="254" required autofocus${aria}>` +
    `<button type="submit">${say(ui, 'reset.submit')}</button></form>` +
    `<p class="links"><a href="/login?state=${encodeURIComponent(state)}">${say(ui, 'reset.backToSignIn')}</a></p>`
  );
}

export function resetRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db, config, mailer } = deps;
  const router = new Router<AppState, AppContext>();

  /** The pending request, with the page branded for its organization; or the page that explains where to start. */
  const pendingOr = async (ctx: AppContext, state: string): Promise<{ pending: Pending; ui: PageUi } | null> => {
    const pending = await findPending(db, state);
    // A request already answered or expired still names its organization and application: the dead end
    // is branded and leads back, as the sign-in page's does.
    const stale = pending ? null : await staleRequest(db, state);
    const organization = pending?.service.organization ?? stale?.organization;
    if (organization) ctx.state.brand = brandOf(organization);
    const ui = uiFor(ctx, ctx.state.brand);
    if (!pending) {
      const body = `<h1>${say(ui, 'reset.noRequestTitle')}</h1><p>${say(ui, 'reset.noRequest')}</p>${deadEndLinks(ui, stale?.back ?? null)}`;
      sendPage(ctx, 400, page({ title: t(ui.locale, 'reset.title'), body, ui }));
      return null;
    }
    if (!mailer.available) {
      const support = deadEndLinks(ui, null);
      const back = `<p class="links"><a href="/login?state=${encodeURIComponent(state)}">${say(ui, 'reset.backToSignIn')}</a></p>`;
      const body = `<h1>${say(ui, 'reset.unavailableTitle')}</h1><p>${say(ui, 'reset.unavailable')}</p>${support}${back}`;
      sendPage(ctx, 404, page({ title: t(ui.locale, 'reset.title'), body, ui }));
      return null;
    }
    return { pending, ui };
  };

  const freshCsrf = (ctx: AppContext) => {
    const token = newToken(24);
    setCookie(ctx, CSRF_COOKIE, token, { maxAgeSeconds: 600, sameSite: 'Strict', path: '/password/forgot' });
    return token;
  };

  const markHtml = async (ctx: AppContext, next: () => Promise<unknown>) => {
    ctx.state.html = true;
    await next();
  };

  router.get('/password/forgot', markHtml, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const found = await pendingOr(ctx, state);
    if (!found) return;
    const name = brandOf(found.pending.service.organization).name;
    sendPage(ctx, 200, page({ title: t(found.ui.locale, 'reset.title'), body: form(found.ui, state, freshCsrf(ctx), name), ui: found.ui }));
  });

  router.post('/password/forgot', markHtml, formBody, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string | undefined>;
    const state = body.state ?? '';
    const found = await pendingOr(ctx, state);
    if (!found) return;
    const { pending, ui } = found;
    if (!formFromHere(ctx, config.publicUrl)) throw forbidden('Cross-origin requests are not allowed');
    const cookie = readCookie(ctx, CSRF_COOKIE) ?? '';
    if (!cookie || !safeEqual(cookie, body.csrf ?? '')) throw forbidden('The form expired; reload the page');
    const org = pending.service.organization;
    const email = (body.email ?? '').trim().toLowerCase();
    if (!EMAIL.test(email)) {
      sendPage(ctx, 400, page({ title: t(ui.locale, 'reset.title'), body: form(ui, state, freshCsrf(ctx), brandOf(org).name, true), ui }));
      return;
    }
    await deps.limits.resetIp.consume(clientIp(ctx, config.trustProxy));
    await deps.limits.resetEmail.consume(`${org.id}:${email}`);
    const locale = ui.locale;
    mailer.later(async () => {
      const user = await db.user.findUnique({ where: { organizationId_email: { organizationId: org.id, email } } });
      if (!user || user.disabled) return;
      const link = await createPasswordLink(db, null, config.publicUrl, user, { purpose: 'reset', pendingRequestId: pending.id });
      await mailer.send({ to: user.email, ...resetMail(locale, brandOf(org).name, user.email, link.url) });
    });
    const sent =
      `<h1>${say(ui, 'reset.sentTitle')}</h1><p>${say(ui, 'reset.sent', { email })}</p><p class="muted">${say(ui, 'reset.sentHint')}</p>` +
      actionLink(`/login?state=${encodeURIComponent(state)}`, t(ui.locale, 'reset.backToSignIn'));
    sendPage(ctx, 200, page({ title: t(ui.locale, 'reset.sentTitle'), body: sent, ui }));
  });

  return router;
}
