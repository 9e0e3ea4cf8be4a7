// The hosted sign-in page for a pending SAML request: GET /login?state=…, POST /login.
// CSRF: a double-submit token (cookie SameSite=Strict + form field) and, when the browser sends one,
// an Origin that must be ours. One message for every failure; per-IP and per-email limits.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { forbidden, badRequest } from '../http/errors.ts';
import { formBody } from '../http/body.ts';
import { escapeHtml, page, sendPage } from '../http/html.ts';
import { clientIp } from '../http/client-ip.ts';
import { newToken, safeEqual } from '../security/random.ts';
import { verifyPassword } from '../security/passwords.ts';
import { consumePending, findPending, readCookie, setCookie, startSession } from './session.ts';
import { issueResponse } from './issue.ts';
import type { SamlRuntime } from './runtime.ts';

const CSRF_COOKIE = 'tessera_csrf';
const FAILURE = 'The email or password is incorrect.';
const EXPIRED = '<h1>This sign-in request has expired</h1><p>Go back to the application and start again.</p>';

function render(ctx: AppContext, status: number, body: string): void {
  sendPage(ctx, status, page({ title: 'Sign in', body }));
}

function form(state: string, csrf: string, orgName: string, serviceName: string, email = '', error?: string): string {
  return (
    `<h1>Sign in to ${escapeHtml(serviceName)}</h1><p class="muted">with your ${escapeHtml(orgName)} account</p>` +
    (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
    '<form method="post" action="/login">' +
    `<input type="hidden" name="state" value="${escapeHtml(state)}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">` +
    `<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="username" value="${escapeHtml(email)}" required autofocus>` +
    '<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>' +
    '<button type="submit">Sign in</button></form>'
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

  router.get('/login', html, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = await findPending(db, state);
    if (!pending) {
      render(ctx, 400, EXPIRED);
      return;
    }
    render(ctx, 200, form(state, freshCsrf(ctx), pending.service.organization.name, pending.service.name));
  });

  router.post('/login', html, formBody, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, string | undefined>;
    const origin = ctx.get('origin');
    if (origin && origin !== 'null' && origin !== new URL(config.publicUrl).origin) throw forbidden('Cross-origin sign-in is not allowed');
    const cookie = readCookie(ctx, CSRF_COOKIE) ?? '';
    if (!cookie || !safeEqual(cookie, body.csrf ?? '')) throw forbidden('The sign-in form expired; reload the page');
    const state = body.state ?? '';
    const pending = await findPending(db, state);
    if (!pending) {
      render(ctx, 400, EXPIRED);
      return;
    }
    const email = (body.email ?? '').trim().toLowerCase().slice(0, 254);
    const password = (body.password ?? '').slice(0, 256);
    if (!email || !password) throw badRequest('Email and password are required');
    await deps.limits.ssoLoginIp.consume(clientIp(ctx, config.trustProxy));
    await deps.limits.ssoLoginEmail.consume(`${pending.service.organizationId}:${email}`);

    const orgId = pending.service.organizationId;
    const user = await db.user.findUnique({ where: { organizationId_email: { organizationId: orgId, email } } });
    const ok = await verifyPassword(user?.passwordHash, password);
    if (!user || !ok || user.disabled) {
      render(ctx, 401, form(state, freshCsrf(ctx), pending.service.organization.name, pending.service.name, email, FAILURE));
      return;
    }
    if (!(await consumePending(db, pending.id))) {
      render(ctx, 400, EXPIRED);
      return;
    }
    await deps.limits.ssoLoginEmail.reset(`${orgId}:${email}`);
    const session = await startSession(db, ctx, orgId, user);
    const target = await saml.directory.byId(pending.serviceId);
    // An IdP-initiated sign-in (no request ID) resumes only while the service still allows it, and a
    // request's ACS only while it is still registered (the configuration may have changed meanwhile).
    const acsUrl = pending.acsUrl ?? target?.settings.acsUrl;
    if (
      !target ||
      (pending.requestId === null && !target.settings.allowIdpInitiated) ||
      !target.settings.acsEndpoints.some((e) => e.url === acsUrl) ||
      acsUrl === undefined
    ) {
      render(ctx, 400, EXPIRED);
      return;
    }
    await issueResponse(saml, ctx, target, session, { acsUrl, inResponseTo: pending.requestId ?? undefined, relayState: pending.relayState ?? undefined });
  });

  return router;
}
