// Routes of the second-factor step: GET /login/factor?state= (step-up of a live session), POST
// /login/factor (a code, a passkey or a recovery code), POST /login/enroll (TOTP enrollment forced by
// policy), POST /login/continue (after the recovery codes were shown). Every POST carries the step's
// token and the CSRF token; a locked user's step answers 429 before any code is looked at.
import Router from '@koa/router';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import { rateLimited } from '../http/errors.ts';
import { isRateLimitError } from '../http/rate-limit.ts';
import { escapeHtml } from '../http/html.ts';
import { brandOf } from '../http/brand.ts';
import { t, type Locale } from '../i18n/index.ts';
import type { SamlRuntime } from '../saml/runtime.ts';
import { currentSession, findPending } from '../saml/session.ts';
import { findChallenge, staleChallenge, type Challenge } from './challenges.ts';
import { recordHostedAttempt } from '../audit/sign-ins.ts';
import { signInRefused } from '../saml/refusal-events.ts';
import { checkCsrf, csrfToken, fields, localeOf, parseObject } from './form.ts';
import { hasSecondFactor } from './presence.ts';
import { recordFailure, reserveAttempt } from './lockout.ts';
import { codesPage, safeBack } from './pages.ts';
import { regenerateRecoveryCodes, spendRecoveryCode } from './recovery.ts';
import { beginSecondFactor, expired, finishSecondFactor, render, reshowEnrollment, showFactorPage } from './sign-in.ts';
import { checkTotp, confirmTotp, openTotpSecret } from './totp.ts';
import { finishAuthentication, relyingParty } from './webauthn.ts';

const html = async (ctx: AppContext, next: () => Promise<unknown>) => {
  ctx.state.html = true;
  await next();
};

/** Where "start again" leads: the page's own way back when it is one of ours, else /account of the organization. */
async function backOf(deps: Deps, c: Challenge, form: Map<string, string>): Promise<string> {
  const back = safeBack(form.get('back'));
  if (back) return back;
  const org = await deps.db.organization.findUnique({ where: { id: c.organizationId } });
  return `/account?org=${encodeURIComponent(org?.slug ?? '')}`;
}

/**
 * A step token that cannot go on: its dead end, under its organization's brand whatever became of the
 * step. A step still live but past this point (`found`) is already branded; only one that no live step
 * matches is looked up again, spent or expired.
 */
async function deadEnd(deps: Deps, ctx: AppContext, token: string, locale: Locale, found: Challenge | null): Promise<void> {
  if (found) return expired(deps, ctx, locale, found.pendingId);
  const stale = await staleChallenge(deps.db, token);
  if (stale) ctx.state.brand = brandOf(stale.organization);
  await expired(deps, ctx, locale, stale?.pendingId ?? null);
}

/** The step a form's token names; its pages (and error pages) carry the user's organization's brand. */
async function brandedChallenge(deps: Deps, ctx: AppContext, token: string): Promise<Challenge | null> {
  const c = await findChallenge(deps.db, token, 'sign_in');
  if (c) ctx.state.brand = brandOf(c.user.organization);
  return c;
}

/**
 * A failed second factor, or a locked step, as a refused sign-in attempt (docs/api.md, Sign-in activity),
 * with the service of the SAML request it would have answered (none for /account); for such a request,
 * a sign_in.refused event too.
 */
async function refuseStep(deps: Deps, ctx: AppContext, c: Challenge, reason: 'mfa_failed' | 'rate_limited'): Promise<void> {
  const pending = c.pendingId
    ? await deps.db.samlPendingRequest.findUnique({ where: { id: c.pendingId }, select: { service: { select: { id: true, slug: true } } } })
    : null;
  const service = pending?.service ?? null;
  await recordHostedAttempt(
    deps.db,
    deps.logger,
    ctx,
    { organizationId: c.organizationId, serviceId: service?.id ?? null, userId: c.userId, email: c.user.email },
    reason,
  );
  if (service) await deps.webhooks.emit(signInRefused(c.organizationId, service, reason, c.user.email, c.userId, 'second_factor'));
}

/** A locked user's step answers 429 (recorded as rate_limited) before any code is looked at. */
async function lockedOut(deps: Deps, ctx: AppContext, c: Challenge): Promise<void> {
  try {
    await reserveAttempt(deps.db, c.userId);
  } catch (err) {
    if (!isRateLimitError(err)) throw err; // a database failure is a 503, not a lock
    await refuseStep(deps, ctx, c, 'rate_limited');
    const retry = Number(err.headers['Retry-After'] ?? 900);
    throw rateLimited(retry, t(localeOf(ctx), 'mfa.locked'));
  }
}

/** Checks the factor the form carries (a code from the app, a recovery code or a WebAuthn assertion). */
async function verifyFactor(
  deps: Deps,
  saml: SamlRuntime,
  c: Challenge,
  form: Map<string, string>,
): Promise<{ ok: boolean; field: 'totp' | 'recovery' | 'webauthn' }> {
  const method = form.get('method');
  const code = form.get('code') ?? '';
  if (method === 'recovery') return { ok: await spendRecoveryCode(deps.db, c.userId, code), field: 'recovery' };
  if (method === 'webauthn') {
    const answer = parseObject(form.get('webauthn') ?? '') as AuthenticationResponseJSON | null;
    return { ok: answer !== null && (await finishAuthentication(deps.db, relyingParty(deps.config.publicUrl), c, answer)), field: 'webauthn' };
  }
  return { ok: method === 'totp' && (await checkTotp(deps.db, saml.sealer, c.userId, code)), field: 'totp' };
}

// Enrollment forced by policy: the code confirms the new secret; then the recovery codes, once.
function enrollHandler(deps: Deps, saml: SamlRuntime) {
  const { db, config } = deps;
  return async (ctx: AppContext): Promise<void> => {
    const form = fields(ctx);
    checkCsrf(ctx, config.publicUrl, form);
    const locale = localeOf(ctx);
    const token = form.get('token') ?? '';
    const c = await brandedChallenge(deps, ctx, token);
    if (!c?.totpSecretSealed || c.passedAt) {
      await deadEnd(deps, ctx, token, locale, c);
      return;
    }
    const secret = openTotpSecret(saml.sealer, c.userId, c.totpSecretSealed);
    const enrolled = await confirmTotp(db, deps.invalidation, saml.sealer, { userId: c.userId, secret, code: form.get('code') ?? '', since: c.createdAt });
    if (enrolled === 'refused') {
      // A factor came since this enrollment began (another browser): it may neither replace nor join it.
      await expired(deps, ctx, locale, c.pendingId);
      return;
    }
    if (enrolled === 'wrong_code') {
      await refuseStep(deps, ctx, c, 'mfa_failed');
      reshowEnrollment(saml, ctx, c, { action: '/login/enroll', token }, t(locale, 'mfa.wrong_code'), {
        href: await backOf(deps, c, form),
        label: t(locale, 'mfa.start_over'),
      });
      return;
    }
    const passed = await db.mfaChallenge.updateMany({ where: { id: c.id, passedAt: null }, data: { passedAt: new Date(), totpSecretSealed: null } });
    if (passed.count !== 1) {
      await expired(deps, ctx, locale, c.pendingId);
      return;
    }
    const codes = await regenerateRecoveryCodes(db, c.userId);
    const next =
      `<form method="post" action="/login/continue"><input type="hidden" name="token" value="${escapeHtml(token)}">` +
      `<input type="hidden" name="csrf" value="${escapeHtml(csrfToken(ctx))}"><button type="submit">${escapeHtml(t(locale, 'mfa.codes_continue'))}</button></form>`;
    render(ctx, 200, t(locale, 'mfa.codes_title'), codesPage(locale, codes, next));
  };
}

export function secondFactorRoutes(deps: Deps, saml: SamlRuntime): Router<AppState, AppContext> {
  const { db, config } = deps;
  const router = new Router<AppState, AppContext>();

  // Step-up: the SSO endpoint found a session too weak for the request and kept the request here.
  router.get('/login/factor', html, async (ctx) => {
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    const pending = await findPending(db, state);
    if (pending) ctx.state.brand = brandOf(pending.service.organization);
    const session = pending ? await currentSession(deps.database, ctx, pending.service.organizationId) : null;
    if (!pending || !session) {
      // No session (it ended, or another browser): the password form of the same request.
      // Gone, answered or expired, the sign-in page's dead end says so, branded and with the way back.
      ctx.redirect(`/login?state=${encodeURIComponent(state)}`);
      return;
    }
    const kind = (await hasSecondFactor(deps.database, session.user.id)) ? 'factor' : 'enroll';
    await beginSecondFactor(deps, saml, ctx, {
      user: session.user,
      organizationId: pending.service.organizationId,
      pendingId: pending.id,
      sessionId: session.id,
      kind,
      back: `/login?state=${encodeURIComponent(state)}`,
    });
  });

  router.post('/login/factor', html, formBody, async (ctx) => {
    const form = fields(ctx);
    checkCsrf(ctx, config.publicUrl, form);
    const locale = localeOf(ctx);
    const token = form.get('token') ?? '';
    const c = await brandedChallenge(deps, ctx, token);
    if (!c || c.passedAt || c.totpSecretSealed) {
      await deadEnd(deps, ctx, token, locale, c);
      return;
    }
    await lockedOut(deps, ctx, c);
    const { ok, field } = await verifyFactor(deps, saml, c, form);
    if (ok) return finishSecondFactor(deps, saml, ctx, c);
    await recordFailure(db, c.userId);
    await refuseStep(deps, ctx, c, 'mfa_failed');
    const message = t(locale, field === 'recovery' ? 'mfa.wrong_recovery' : field === 'webauthn' ? 'mfa.passkey_failed' : 'mfa.wrong_code');
    await showFactorPage(
      deps,
      ctx,
      { id: c.id, userId: c.userId, email: c.user.email },
      { action: '/login/factor', token, csrf: csrfToken(ctx) },
      await backOf(deps, c, form),
      { field, message },
      401,
    );
  });

  router.post('/login/enroll', html, formBody, enrollHandler(deps, saml));

  router.post('/login/continue', html, formBody, async (ctx) => {
    const form = fields(ctx);
    checkCsrf(ctx, config.publicUrl, form);
    const token = form.get('token') ?? '';
    const c = await brandedChallenge(deps, ctx, token);
    if (!c?.passedAt) {
      await deadEnd(deps, ctx, token, localeOf(ctx), c);
      return;
    }
    await finishSecondFactor(deps, saml, ctx, c);
  });

  return router;
}
