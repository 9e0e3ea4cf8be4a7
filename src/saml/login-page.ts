// The hosted sign-in page for a pending SAML request: GET /login?state=…, POST /login.
// CSRF: a double-submit token (cookie SameSite=Strict + form field) and, when the browser sends one,
// an Origin that must be ours. One message for every failure; per-IP and per-email limits. The page is
// branded for the request's organization and offers "Forgot password?" when email can be sent.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { forbidden, badRequest } from '../http/errors.ts';
import { formBody } from '../http/body.ts';
import { escapeHtml, page, sendPage, uiFor, type PageUi } from '../http/html.ts';
import { brandOf } from '../http/brand.ts';
import { t, type MessageKey } from '../i18n/index.ts';
import { newToken, safeEqual } from '../security/random.ts';
import { findPending, readCookie, setCookie, startSession } from './session.ts';
import { deadEndLinks, staleRequest, type WayBack } from './way-back.ts';
import { finishPendingSignIn } from './finish-sign-in.ts';
import { beginSecondFactor } from '../mfa/sign-in.ts';
import type { SamlRuntime } from './runtime.ts';
import { signInRefused } from './refusal-events.ts';
import { formFromHere } from '../http/origin.ts';
import { checkHostedPassword } from './hosted-password.ts';

const CSRF_COOKIE = 'tessera_csrf';

type Pending = NonNullable<Awaited<ReturnType<typeof findPending>>>;

/** The dead end of an expired request leads back to the application (when known) or to support. */
function expired(ui: PageUi, back: WayBack | null = null): string {
  return `<h1>${escapeHtml(t(ui.locale, 'login.expiredTitle'))}</h1><p>${escapeHtml(t(ui.locale, 'login.expiredBody'))}</p>${deadEndLinks(ui, back)}`;
}

function render(ctx: AppContext, status: number, ui: PageUi, body: string): void {
  sendPage(ctx, status, page({ title: t(ui.locale, 'login.title'), body, ui }));
}

interface FormView {
  state: string;
  csrf: string;
  pending: Pending;
  /** Offer "Forgot password?" (only when email can be sent). */
  forgot: boolean;
  email?: string;
  failed?: boolean;
}

function form(ui: PageUi, v: FormView): string {
  const say = (key: MessageKey, vars?: Record<string, string>) => escapeHtml(t(ui.locale, key, vars));
  const org = brandOf(v.pending.service.organization).name;
  // After a failure the message is announced, both fields point at it, and the password field has focus.
  const invalid = v.failed ? ' aria-invalid="true" aria-describedby="login-error"' : '';
  return (
    `<h1>${say('login.heading', { service: v.pending.service.name })}</h1><p class="muted">${say('login.subtitle', { org })}</p>` +
    (v.failed ? `<p id="login-error" class="error" role="alert">${say('login.failure')}</p>` : '') +
    '<form method="post" action="/login">' +
    `<input type="hidden" name="state" value="${escapeHtml(v.state)}"><input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">` +
    `<label for="email">${say('login.email')}</label><input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(v.email ?? '')}" required${invalid}${v.failed ? '' : ' autofocus'}>` +
    `<label for="password">${say('login.password')}</label><input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${v.failed ? ' autofocus' : ''}>` +
    `<button type="submit">${say('login.submit')}</button></form>` +
    (v.forgot ? `<p class="links"><a href="/password/forgot?state=${encodeURIComponent(v.state)}">${say('login.forgot')}</a></p>` : '')
  );
}

function freshCsrf(ctx: AppContext): string {
  const token = newToken(24);
  setCookie(ctx, CSRF_COOKIE, token, { maxAgeSeconds: 600, sameSite: 'Strict', path: '/login' });
  return token;
}

export function loginRoutes(deps: Deps, saml: SamlRuntime): Router<AppState, AppContext> {
  const { db, config } = deps;
  const router = new Router<AppState, AppContext>();
  const html = async (ctx: AppContext, next: () => Promise<unknown>) => {
    ctx.state.html = true;
    await next();
  };

  /** The pending request; the page (and any error page after this) carries its organization's brand. */
  const lookUp = async (ctx: AppContext, state: string) => {
    const pending = await findPending(db, state);
    const stale = pending ? null : await staleRequest(db, state);
    const org = pending?.service.organization ?? stale?.organization;
    if (org) ctx.state.brand = brandOf(org);
    return { pending, ui: uiFor(ctx, ctx.state.brand), back: stale?.back ?? null };
  };
  const view = (ctx: AppContext, state: string, pending: Pending, extra: Partial<FormView> = {}): FormView => ({
    state,
    csrf: freshCsrf(ctx),
    pending,
    forgot: deps.mailer.available,
    ...extra,
  });

  router.get('/login', html, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const { pending, ui, back } = await lookUp(ctx, state);
    if (!pending) {
      render(ctx, 400, ui, expired(ui, back));
      return;
    }
    render(ctx, 200, ui, form(ui, view(ctx, state, pending)));
  });

  router.post('/login', html, formBody, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string | undefined>;
    if (!formFromHere(ctx, config.publicUrl)) throw forbidden('Cross-origin sign-in is not allowed');
    const cookie = readCookie(ctx, CSRF_COOKIE) ?? '';
    if (!cookie || !safeEqual(cookie, body.csrf ?? '')) throw forbidden('The sign-in form expired; reload the page');
    const state = body.state ?? '';
    const { pending, ui, back } = await lookUp(ctx, state);
    if (!pending) {
      render(ctx, 400, ui, expired(ui, back));
      return;
    }
    const email = (body.email ?? '').trim().toLowerCase().slice(0, 254);
    const password = (body.password ?? '').slice(0, 256);
    if (!email || !password) throw badRequest('Email and password are required');
    const orgId = pending.service.organizationId;
    const checked = await checkHostedPassword(deps, ctx, { organizationId: orgId, serviceId: pending.serviceId, email }, password);
    if (!checked.ok) {
      await deps.webhooks.emit(signInRefused(orgId, pending.service, checked.reason, email, checked.user?.id));
      render(ctx, 401, ui, form(ui, view(ctx, state, pending, { email, failed: true })));
      return;
    }
    const user = checked.user;
    await afterPassword(deps, saml, ctx, { state, pending, ui, user });
  });

  return router;
}

/**
 * The password was right: the second factor or its enrollment when the policy or the request asks for
 * one (mfa/sign-in.ts), else the session and the Response (finish-sign-in.ts).
 */
async function afterPassword(
  deps: Deps,
  saml: SamlRuntime,
  ctx: AppContext,
  s: { state: string; pending: Pending; ui: PageUi; user: Parameters<typeof startSession>[3] },
): Promise<void> {
  const { state, pending, ui, user } = s;
  const orgId = pending.service.organizationId;
  await finishPendingSignIn(deps, saml, ctx, {
    pending,
    user,
    have: 1,
    session: () => startSession(deps.db, ctx, orgId, user),
    secondFactor: (kind) =>
      beginSecondFactor(deps, saml, ctx, {
        user,
        organizationId: orgId,
        pendingId: pending.id,
        sessionId: null,
        kind,
        back: `/login?state=${encodeURIComponent(state)}`,
      }),
    pages: {
      expired: () => {
        render(ctx, 400, ui, expired(ui));
      },
      unavailable: () => {
        render(ctx, 400, ui, cannotComplete(ui));
      },
    },
  });
}

/** An IdP-initiated sign-in whose policy can never be met (no SP to answer): say so, and where to turn. */
function cannotComplete(ui: PageUi): string {
  const support = deadEndLinks(ui, null);
  return `<h1>${escapeHtml(t(ui.locale, 'mfa.unavailable_title'))}</h1><p>${escapeHtml(t(ui.locale, 'mfa.unavailable'))}</p>${support}`;
}
