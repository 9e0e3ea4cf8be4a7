// The self-service /account page (CONTRACT §11): behind the organization's IdP session (with its own
// sign-in form when there is none), it lists and enrolls second factors, removes them (after a second
// factor in the last 15 minutes, or the password again), makes new recovery codes, changes the
// password (the current one required) and lists the user's recent sign-ins. Every POST carries the
// CSRF token and the organization's slug.
import Router from '@koa/router';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { formBody } from '../http/body.ts';
import { escapeHtml } from '../http/html.ts';
import { brandOf } from '../http/brand.ts';
import { t, type Locale } from '../i18n/index.ts';
import { hashPassword, verifyPassword } from '../security/passwords.ts';
import type { SamlRuntime } from '../saml/runtime.ts';
import { currentSession, markSessionMfa, sessionCookieName, setCookie, startSession, type LiveSession } from '../saml/session.ts';
import { overview, passkeyPage, signInForm } from './account-pages.ts';
import { consumeChallenge, createChallenge, findChallenge } from './challenges.ts';
import { hasSecondFactor } from './presence.ts';
import { checkCsrf, csrfToken, fields, localeOf, parseObject, webauthnScript } from './form.ts';
import { codesPage, enrollPage, messagePage } from './pages.ts';
import { policyOf } from './policy.ts';
import { factorAddedSince, factorsChanged } from './presence.ts';
import { regenerateRecoveryCodes } from './recovery.ts';
import { beginSecondFactor, enrollment, render, reshowEnrollment } from './sign-in.ts';
import { confirmTotp, newTotpSecret, openTotpSecret, sealTotpSecret } from './totp.ts';
import { finishRegistration, registrationOptions, relyingParty } from './webauthn.ts';
import { checkHostedPassword } from '../saml/hosted-password.ts';
import { recordHostedAttempt } from '../audit/sign-ins.ts';

const RECENT_MFA_MS = 15 * 60 * 1000;
const NOTICES = { totp: 'account.totp_on', passkey: 'account.passkey_added', removed: 'account.removed', password: 'account.password_saved' } as const;
type Notice = keyof typeof NOTICES;

interface Signed {
  org: { id: string; slug: string; name: string; mfaPolicy: string };
  session: LiveSession;
  csrf: string;
  locale: Locale;
}

const html = async (ctx: AppContext, next: () => Promise<unknown>) => {
  ctx.state.html = true;
  await next();
};

const backLink = (href: string, label: string) => `<p><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></p>`;

const accountUrl = (slug: string, notice?: Notice) => `/account?org=${encodeURIComponent(slug)}${notice ? `&done=${notice}` : ''}`;

type Kit = ReturnType<typeof accountKit>;

function accountKit(deps: Deps) {
  const { db, config } = deps;

  /** The organization named by the form or URL; its brand goes on every page after this. */
  const orgBySlug = async (ctx: AppContext, slug: string) => {
    const org = /^[a-z0-9-]{1,64}$/.test(slug) ? await db.organization.findUnique({ where: { slug } }) : null;
    if (org) ctx.state.brand = brandOf(org);
    return org;
  };

  /** The organization and the browser's session with it; renders the sign-in form (or 404) and returns null otherwise. */
  const signedIn = async (ctx: AppContext, slug: string): Promise<Signed | null> => {
    const locale = localeOf(ctx);
    const org = await orgBySlug(ctx, slug);
    if (!org) {
      render(ctx, 404, t(locale, 'account.title'), messagePage(t(locale, 'account.title'), t(locale, 'account.no_org')));
      return null;
    }
    const session = await currentSession(deps.database, ctx, org.id);
    const csrf = csrfToken(ctx);
    if (!session) {
      render(ctx, 200, t(locale, 'account.sign_in_title'), signInForm(locale, csrf, org));
      return null;
    }
    return { org, session, csrf, locale };
  };

  /** A POST's form once CSRF and the session are checked. */
  const posted = async (ctx: AppContext): Promise<{ form: Map<string, string>; s: Signed } | null> => {
    const form = fields(ctx);
    checkCsrf(ctx, config.publicUrl, form);
    const s = await signedIn(ctx, form.get('org') ?? '');
    return s ? { form, s } : null;
  };

  const showOverview = async (ctx: AppContext, s: Signed, status = 200, notice?: string, error?: { field: string; message: string }) => {
    const userId = s.session.user.id;
    const [totp, passkeys, recoveryLeft, events] = await Promise.all([
      db.totpFactor.count({ where: { userId } }),
      db.webauthnCredential.findMany({ where: { userId }, orderBy: { createdAt: 'asc' } }),
      db.recoveryCode.count({ where: { userId, usedAt: null } }),
      db.loginEvent.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take: 10, include: { service: { select: { name: true } } } }),
    ]);
    const body = overview({
      locale: s.locale,
      csrf: s.csrf,
      org: s.org,
      email: s.session.user.email,
      totp: totp > 0,
      passkeys: passkeys.map((k) => ({ id: k.id, name: k.name, createdAt: k.createdAt })),
      recoveryLeft,
      signIns: events.map((ev) => ({ service: ev.service.name, at: ev.createdAt })),
      notice,
      error,
    });
    render(ctx, status, t(s.locale, 'account.title'), body);
  };

  /** A sensitive change needs a second factor in the last 15 minutes, or the password typed again. */
  const reauthenticated = async (s: Signed, password: string): Promise<boolean> => {
    if (s.session.mfaAt && Date.now() - s.session.mfaAt.getTime() < RECENT_MFA_MS) return true;
    // The password limits of the hosted sign-in apply: a borrowed session cannot guess it here either.
    await deps.limits.ssoLoginEmail.consume(`${s.org.id}:${s.session.user.email}`);
    const user = await db.user.findUnique({ where: { id: s.session.user.id } });
    return verifyPassword(user?.passwordHash, password.slice(0, 256));
  };

  /** After the first factor is added: ten recovery codes when the user has none yet, shown once. */
  const codesOrBack = async (ctx: AppContext, s: Signed, notice: Notice) => {
    if ((await db.recoveryCode.count({ where: { userId: s.session.user.id, usedAt: null } })) > 0) {
      ctx.redirect(accountUrl(s.org.slug, notice));
      return;
    }
    const codes = await regenerateRecoveryCodes(db, s.session.user.id);
    render(ctx, 200, t(s.locale, 'mfa.codes_title'), codesPage(s.locale, codes, backLink(accountUrl(s.org.slug, notice), t(s.locale, 'account.back'))));
  };

  return { orgBySlug, signedIn, posted, showOverview, reauthenticated, codesOrBack };
}

export function accountRoutes(deps: Deps, saml: SamlRuntime): Router<AppState, AppContext> {
  const router = new Router<AppState, AppContext>({ prefix: '/account' });
  router.use(html);
  const kit = accountKit(deps);
  signInRoutes(router, deps, saml, kit);
  totpRoutes(router, deps, saml, kit);
  passkeyRoutes(router, deps, kit);
  changeRoutes(router, deps, kit);
  return router;
}

function signInRoutes(router: Router<AppState, AppContext>, deps: Deps, saml: SamlRuntime, { orgBySlug, signedIn, posted, showOverview }: Kit): void {
  const { db, config } = deps;
  router.get('/', async (ctx) => {
    const s = await signedIn(ctx, typeof ctx.query.org === 'string' ? ctx.query.org : '');
    if (!s) return;
    // Own keys only: `in` would also find `constructor` or `toString` on the object's prototype.
    const done = typeof ctx.query.done === 'string' && Object.hasOwn(NOTICES, ctx.query.done) ? NOTICES[ctx.query.done as Notice] : undefined;
    await showOverview(ctx, s, 200, done ? t(s.locale, done) : undefined);
  });

  router.post('/login', formBody, async (ctx) => {
    const form = fields(ctx);
    checkCsrf(ctx, config.publicUrl, form);
    const locale = localeOf(ctx);
    const org = await orgBySlug(ctx, form.get('org') ?? '');
    if (!org) {
      render(ctx, 404, t(locale, 'account.title'), messagePage(t(locale, 'account.title'), t(locale, 'account.no_org')));
      return;
    }
    const email = (form.get('email') ?? '').trim().toLowerCase().slice(0, 254);
    const password = (form.get('password') ?? '').slice(0, 256);
    // The same password step as the SAML sign-in page, recorded alike (with no service).
    const checked = await checkHostedPassword(deps, ctx, { organizationId: org.id, serviceId: null, email }, password);
    if (!checked.ok) {
      render(ctx, 401, t(locale, 'account.sign_in_title'), signInForm(locale, csrfToken(ctx), org, email, t(locale, 'account.bad_credentials')));
      return;
    }
    const user = checked.user;
    if (policyOf(org) !== 'off' && (await hasSecondFactor(deps.database, user.id))) {
      // As on the SAML sign-in page (finish-sign-in.ts): the right password's row, then the factor's.
      await recordHostedAttempt(db, deps.logger, ctx, { organizationId: org.id, serviceId: null, userId: user.id, email }, 'mfa_required');
      await beginSecondFactor(deps, saml, ctx, { user, organizationId: org.id, pendingId: null, sessionId: null, kind: 'factor', back: accountUrl(org.slug) });
      return;
    }
    await startSession(db, ctx, org.id, user);
    await recordHostedAttempt(db, deps.logger, ctx, { organizationId: org.id, serviceId: null, userId: user.id, email }, null);
    ctx.redirect(accountUrl(org.slug));
  });

  router.post('/logout', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    await db.idpSession.updateMany({ where: { id: p.s.session.id, endedAt: null }, data: { endedAt: new Date() } });
    setCookie(ctx, sessionCookieName(p.s.org.id), '', { maxAgeSeconds: 0, sameSite: 'None' });
    ctx.redirect(accountUrl(p.s.org.slug));
  });
}

/**
 * Whether this session may add a factor: the first one freely (the session passed the password), any
 * further one only after the check a removal needs. Otherwise a borrowed or idle session could add
 * the borrower's own authenticator or passkey, and sign in as the user from then on.
 */
function addFactorCheck(deps: Deps, kit: Kit) {
  return async (ctx: AppContext, s: Signed, form: Map<string, string>): Promise<boolean> => {
    if (!(await hasSecondFactor(deps.database, s.session.user.id))) return true;
    if (await kit.reauthenticated(s, form.get('password') ?? '')) return true;
    await kit.showOverview(ctx, s, 401, undefined, { field: 'password', message: t(s.locale, 'account.password_wrong') });
    return false;
  };
}

function totpRoutes(router: Router<AppState, AppContext>, deps: Deps, saml: SamlRuntime, kit: Kit): void {
  const { db } = deps;
  const { posted, codesOrBack } = kit;
  const mayAddFactor = addFactorCheck(deps, kit);
  /** One authenticator app per user: replacing it is removing it (with its check) and adding another. */
  const hasTotp = async (userId: string) => (await db.totpFactor.count({ where: { userId } })) > 0;

  router.post('/totp/start', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { s } = p;
    if (await hasTotp(s.session.user.id)) {
      ctx.redirect(accountUrl(s.org.slug));
      return;
    }
    if (!(await mayAddFactor(ctx, s, p.form))) return;
    const c = await createChallenge(db, { userId: s.session.user.id, organizationId: s.org.id, purpose: 'account', sessionId: s.session.id });
    const secret = newTotpSecret();
    await db.mfaChallenge.update({ where: { id: c.id }, data: { totpSecretSealed: sealTotpSecret(saml.sealer, s.session.user.id, secret) } });
    const form = { action: '/account/totp/confirm', token: c.token, csrf: s.csrf, back: accountUrl(s.org.slug) };
    render(
      ctx,
      200,
      t(s.locale, 'mfa.enroll_title'),
      enrollPage({
        locale: s.locale,
        form,
        ...enrollment(s.session.user.email, secret),
        required: false,
        back: accountUrl(s.org.slug),
        backLabel: t(s.locale, 'account.back'),
      }),
    );
  });

  router.post('/totp/confirm', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { form, s } = p;
    const token = form.get('token') ?? '';
    const c = await findChallenge(db, token, 'account');
    if (c?.sessionId !== s.session.id || !c.totpSecretSealed) {
      ctx.redirect(accountUrl(s.org.slug));
      return;
    }
    const secret = openTotpSecret(saml.sealer, c.userId, c.totpSecretSealed);
    const enrolled = await confirmTotp(db, deps.invalidation, saml.sealer, { userId: c.userId, secret, code: form.get('code') ?? '', since: c.createdAt });
    if (enrolled === 'refused') {
      // An authenticator is there now, or a factor came since this step began: start again (with its check).
      await consumeChallenge(db, c.id);
      ctx.redirect(accountUrl(s.org.slug));
      return;
    }
    if (enrolled === 'wrong_code') {
      reshowEnrollment(saml, ctx, c, { action: '/account/totp/confirm', token }, t(s.locale, 'mfa.wrong_code'), {
        href: accountUrl(s.org.slug),
        label: t(s.locale, 'account.back'),
      });
      return;
    }
    await consumeChallenge(db, c.id);
    // The code just typed proves the factor: this session now counts as having passed it.
    await markSessionMfa(db, s.session.id);
    await codesOrBack(ctx, s, 'totp');
  });
}

function passkeyRoutes(router: Router<AppState, AppContext>, deps: Deps, kit: Kit): void {
  const { db, config } = deps;
  const { posted, showOverview, codesOrBack } = kit;
  const mayAddFactor = addFactorCheck(deps, kit);
  router.post('/passkey/start', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { s } = p;
    if (!(await mayAddFactor(ctx, s, p.form))) return;
    const c = await createChallenge(db, { userId: s.session.user.id, organizationId: s.org.id, purpose: 'account', sessionId: s.session.id });
    const options = await registrationOptions(db, relyingParty(config.publicUrl), c.id, s.session.user);
    render(
      ctx,
      200,
      t(s.locale, 'account.passkey_add'),
      passkeyPage(s.locale, s.csrf, s.org, c.token),
      webauthnScript('startRegistration', options, t(s.locale, 'account.passkey_failed')),
    );
  });

  router.post('/passkey/finish', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { form, s } = p;
    const c = await findChallenge(db, form.get('token') ?? '', 'account');
    // A factor enrolled since this step began was not there for its start's check (factorAddedSince).
    if (c?.sessionId !== s.session.id || (await factorAddedSince(db, c.userId, c.createdAt))) {
      if (c) await consumeChallenge(db, c.id);
      ctx.redirect(accountUrl(s.org.slug));
      return;
    }
    const answer = parseObject(form.get('webauthn') ?? '') as RegistrationResponseJSON | null;
    const name = (form.get('name') ?? '').trim().slice(0, 64) || 'Passkey';
    const ok = answer !== null && (await finishRegistration(db, deps.invalidation, relyingParty(config.publicUrl), c, answer, name));
    await consumeChallenge(db, c.id);
    if (!ok) return showOverview(ctx, s, 400, undefined, { field: 'webauthn', message: t(s.locale, 'account.passkey_failed') });
    await codesOrBack(ctx, s, 'passkey');
  });
}

function changeRoutes(router: Router<AppState, AppContext>, deps: Deps, { posted, showOverview, reauthenticated }: Kit): void {
  const { db } = deps;
  router.post('/factors/remove', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { form, s } = p;
    if (!(await reauthenticated(s, form.get('password') ?? '')))
      return showOverview(ctx, s, 401, undefined, { field: 'password', message: t(s.locale, 'account.password_wrong') });
    const userId = s.session.user.id;
    await db.$transaction(async (tx) => {
      if (form.get('kind') === 'totp') await tx.totpFactor.deleteMany({ where: { userId } });
      else await tx.webauthnCredential.deleteMany({ where: { userId, id: form.get('id') ?? '' } });
      // Recovery codes stand in for a factor: with none left, they go too.
      const left = (await tx.totpFactor.count({ where: { userId } })) + (await tx.webauthnCredential.count({ where: { userId } }));
      if (left === 0) await tx.recoveryCode.deleteMany({ where: { userId } });
    });
    await factorsChanged(deps.invalidation, userId);
    ctx.redirect(accountUrl(s.org.slug, 'removed'));
  });

  router.post('/recovery', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { form, s } = p;
    if (!(await hasSecondFactor(deps.database, s.session.user.id))) {
      ctx.redirect(accountUrl(s.org.slug));
      return;
    }
    if (!(await reauthenticated(s, form.get('password') ?? '')))
      return showOverview(ctx, s, 401, undefined, { field: 'password', message: t(s.locale, 'account.password_wrong') });
    const codes = await regenerateRecoveryCodes(db, s.session.user.id);
    render(ctx, 200, t(s.locale, 'mfa.codes_title'), codesPage(s.locale, codes, backLink(accountUrl(s.org.slug), t(s.locale, 'account.back'))));
  });

  router.post('/password', formBody, async (ctx) => {
    const p = await posted(ctx);
    if (!p) return;
    const { form, s } = p;
    const next = form.get('new') ?? '';
    await deps.limits.ssoLoginEmail.consume(`${s.org.id}:${s.session.user.email}`);
    const user = await db.user.findUnique({ where: { id: s.session.user.id } });
    if (!(await verifyPassword(user?.passwordHash, (form.get('current') ?? '').slice(0, 256))))
      return showOverview(ctx, s, 401, undefined, { field: 'current', message: t(s.locale, 'account.password_wrong') });
    if (next.length < 10 || next.length > 256) return showOverview(ctx, s, 400, undefined, { field: 'new', message: t(s.locale, 'account.password_length') });
    if (next !== form.get('confirm')) return showOverview(ctx, s, 400, undefined, { field: 'confirm', message: t(s.locale, 'account.password_mismatch') });
    const passwordHash = await hashPassword(next);
    await db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: s.session.user.id }, data: { passwordHash } });
      // Every other session of the user ends with the old password; this one stays.
      await tx.idpSession.updateMany({ where: { userId: s.session.user.id, endedAt: null, id: { not: s.session.id } }, data: { endedAt: new Date() } });
    });
    ctx.redirect(accountUrl(s.org.slug, 'password'));
  });
}
