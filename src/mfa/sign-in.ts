// The second-factor step of hosted sign-in: begun after the password (login-page.ts), after an SSO
// whose session is too weak (saml/step-up.ts, GET /login/factor), or for /account; finished here by a
// TOTP code, a WebAuthn assertion or a recovery code, and then answered with the SAML Response (or the
// /account page). Nothing is sent to an SP before the factor passed.
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import { page, sendPage, uiFor } from '../http/html.ts';
import { t, type Locale } from '../i18n/index.ts';
import type { User } from '../db/models.ts';
import { finishPendingSignIn } from '../saml/finish-sign-in.ts';
import type { SamlRuntime } from '../saml/runtime.ts';
import { currentSession, markSessionMfa, startSession, type LiveSession } from '../saml/session.ts';
import { consumeChallenge, createChallenge, type Challenge } from './challenges.ts';
import { csrfToken, localeOf, webauthnScript } from './form.ts';
import { enrollPage, factorPage, messagePage, type StepForm } from './pages.ts';
import { newTotpSecret, otpauthUri, openTotpSecret, sealTotpSecret } from './totp.ts';
import { authenticationOptions, relyingParty } from './webauthn.ts';
import { clearFailures } from './lockout.ts';
import { recordHostedAttempt } from '../audit/sign-ins.ts';
import { applicationSite, deadEndLinks } from '../saml/way-back.ts';

/** A second-factor or /account page, in the browser's language and under the organization's brand (set by the route). */
export function render(ctx: AppContext, status: number, title: string, body: string, script?: string): void {
  const ui = uiFor(ctx, ctx.state.brand);
  sendPage(ctx, status, page(script ? { title, body, script, ui } : { title, body, ui }));
}

/**
 * The dead end of a step that cannot go on (spent, expired, its request answered), under the brand the
 * route set: back to the application whose request it was, when there was one, and to support.
 */
export async function expired(deps: Deps, ctx: AppContext, locale: Locale, pendingId: string | null): Promise<void> {
  const pending = pendingId
    ? await deps.db.samlPendingRequest.findUnique({
        where: { id: pendingId },
        select: { service: { select: { name: true, samlConfig: { select: { acsUrl: true } } } } },
      })
    : null;
  const links = deadEndLinks(uiFor(ctx, ctx.state.brand), pending ? applicationSite(pending.service) : null);
  render(ctx, 400, t(locale, 'mfa.expired_title'), messagePage(t(locale, 'mfa.expired_title'), t(locale, 'mfa.expired')) + links);
}

export interface Begin {
  user: Pick<User, 'id' | 'email'>;
  organizationId: string;
  pendingId: string | null;
  sessionId: string | null;
  kind: 'factor' | 'enroll';
  /** Whether enrollment is forced (policy) or chosen. */
  back: string;
}

/** Starts the step and shows its page: the factor page, or TOTP enrollment for a user without a factor. */
export async function beginSecondFactor(deps: Deps, saml: SamlRuntime, ctx: AppContext, b: Begin): Promise<void> {
  const challenge = await createChallenge(deps.db, {
    userId: b.user.id,
    organizationId: b.organizationId,
    purpose: 'sign_in',
    pendingId: b.pendingId ?? undefined,
    sessionId: b.sessionId ?? undefined,
  });
  const locale = localeOf(ctx);
  const form = { action: b.kind === 'enroll' ? '/login/enroll' : '/login/factor', token: challenge.token, csrf: csrfToken(ctx), back: b.back };
  if (b.kind === 'enroll') {
    const secret = newTotpSecret();
    await deps.db.mfaChallenge.update({ where: { id: challenge.id }, data: { totpSecretSealed: sealTotpSecret(saml.sealer, b.user.id, secret) } });
    render(
      ctx,
      200,
      t(locale, 'mfa.enroll_title'),
      enrollPage({ locale, form, ...enrollment(b.user.email, secret), required: true, back: b.back, backLabel: t(locale, 'mfa.start_over') }),
    );
    return;
  }
  await showFactorPage(deps, ctx, { id: challenge.id, userId: b.user.id, email: b.user.email }, form, b.back);
}

export function enrollment(email: string, secret: string): { secret: string; uri: string } {
  return { secret, uri: otpauthUri('Tessera', email, secret) };
}

/** The enrollment page again (after a wrong code) for the secret the step holds. */
export function reshowEnrollment(
  saml: SamlRuntime,
  ctx: AppContext,
  c: Challenge,
  form: { action: string; token: string },
  error: string,
  back: { href: string; label: string },
): void {
  const locale = localeOf(ctx);
  const secret = c.totpSecretSealed ? openTotpSecret(saml.sealer, c.userId, c.totpSecretSealed) : '';
  render(
    ctx,
    401,
    t(locale, 'mfa.enroll_title'),
    enrollPage({
      locale,
      form: { ...form, csrf: csrfToken(ctx), back: back.href },
      ...enrollment(c.user.email, secret),
      required: c.purpose === 'sign_in',
      error,
      back: back.href,
      backLabel: back.label,
    }),
  );
}

export async function showFactorPage(
  deps: Deps,
  ctx: AppContext,
  c: { id: string; userId: string; email: string },
  form: StepForm,
  back: string,
  error?: { field: 'totp' | 'recovery' | 'webauthn'; message: string },
  status = 200,
): Promise<void> {
  const locale = localeOf(ctx);
  const [totp, keys] = await Promise.all([
    deps.db.totpFactor.count({ where: { userId: c.userId } }),
    deps.db.webauthnCredential.count({ where: { userId: c.userId } }),
  ]);
  const body = factorPage({ locale, form: { ...form, back }, email: c.email, totp: totp > 0, webauthn: keys > 0, error, back });
  const script =
    keys > 0
      ? webauthnScript(
          'startAuthentication',
          await authenticationOptions(deps.db, relyingParty(deps.config.publicUrl), c.id, c.userId),
          t(locale, 'mfa.passkey_failed'),
        )
      : undefined;
  render(ctx, status, t(locale, 'mfa.title'), body, script);
}

/** The factor passed: spend the step, then answer the SP (or open /account). */
export async function finishSecondFactor(deps: Deps, saml: SamlRuntime, ctx: AppContext, c: Challenge): Promise<void> {
  const { db } = deps;
  const locale = localeOf(ctx);
  if (!(await consumeChallenge(db, c.id))) {
    await expired(deps, ctx, locale, c.pendingId);
    return;
  }
  await clearFailures(db, c.userId);
  const session = await strengthenedSession(deps, ctx, c);
  if (!session) {
    await expired(deps, ctx, locale, c.pendingId);
    return;
  }
  if (c.pendingId === null) {
    // /account: this sign-in's success row (a SAML sign-in's is its Response's, saml/issue.ts).
    await recordHostedAttempt(db, deps.logger, ctx, { organizationId: c.organizationId, serviceId: null, userId: c.userId, email: c.user.email }, null);
    const org = await db.organization.findUnique({ where: { id: c.organizationId } });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(`/account?org=${encodeURIComponent(org?.slug ?? '')}`);
    return;
  }
  const pending = await db.samlPendingRequest.findUnique({ where: { id: c.pendingId } });
  if (!pending) {
    await expired(deps, ctx, locale, c.pendingId);
    return;
  }
  await finishPendingSignIn(deps, saml, ctx, {
    pending,
    user: c.user,
    have: 2,
    session: () => Promise.resolve(session),
    pages: {
      expired: () => expired(deps, ctx, locale, c.pendingId),
      unavailable: () => {
        render(ctx, 400, t(locale, 'mfa.unavailable_title'), messagePage(t(locale, 'mfa.unavailable_title'), t(locale, 'mfa.unavailable')));
      },
    },
  });
}

/** The step-up's live session with mfa_at set, or a new session that passed both factors. */
async function strengthenedSession(deps: Deps, ctx: AppContext, c: Challenge): Promise<LiveSession | null> {
  if (c.sessionId === null) return startSession(deps.db, ctx, c.organizationId, c.user, new Date());
  const live = await currentSession(deps.database, ctx, c.organizationId);
  if (live?.id !== c.sessionId || live.user.id !== c.userId) return null;
  const at = await markSessionMfa(deps.db, live.id);
  return at ? { ...live, mfaAt: at } : null;
}
