// SECURITY.md 41: second factors attacked over HTTP. TOTP codes are computed here from the enrolled
// secret; WebAuthn answers come from a software authenticator (test/helpers/mfa.ts). Sign-ins go
// through the IdP-initiated endpoint (no RequestedAuthnContext), so the class stated is the session's.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { createOrg, registerAdmin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { CookieJar, USER_PASSWORD, browserFetch, completeSignIn, samlResponseFrom, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import { SoftAuthenticator, post, recoveryCodes, setupKey, stepFields, totpCode, webauthnOptions } from '../helpers/mfa.ts';

const MFA_CLASS = 'https://refeds.org/profile/mfa';
const PPT_CLASS = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';

interface Summary {
  totp: boolean;
  webauthn: number;
  recovery_codes_left: number;
}

function classRef(page: FetchResult): string {
  return /<saml:AuthnContextClassRef>([^<]+)<\/saml:AuthnContextClassRef>/.exec(samlResponseFrom(page).xml)?.[1] ?? '';
}

function expectNoResponse(page: FetchResult): void {
  expect(page.text).not.toContain('SAMLResponse');
}

describe.each(databases())('second factors on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  const init = () => world.urls.sso.replace(/\/sso$/, '/init');
  const origin = () => new URL(srv.url).origin;
  const addUser = async (email = uniqueEmail('mfa')) => {
    const res = await world.admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD });
    expectStatus(res, 201);
    return { email, id: res.body.user.id };
  };
  const summary = async (id: string) => {
    const res = await world.admin.client.get<{ user: { mfa: Summary } }>(`/api/organizations/${world.org}/users/${id}`);
    expectStatus(res, 200);
    return res.body.user.mfa;
  };
  const setPolicy = async (mfa_policy: string) => {
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy }), 200);
  };
  /** A fresh browser through the IdP-initiated endpoint and the password step: the page after it. */
  const passwordStep = async (email: string, jar = new CookieJar()) => {
    const first = await browserFetch(jar, init());
    return { jar, page: await completeSignIn(world, jar, first, USER_PASSWORD, email) };
  };
  /** Enrollment forced by policy `required`: returns the secret and the recovery codes. */
  const enrollTotp = async (email: string) => {
    await setPolicy('required');
    try {
      const { jar, page } = await passwordStep(email);
      expect(page.status).toBe(200);
      expectNoResponse(page);
      const secret = setupKey(page.text);
      const codesPage = await post(jar, srv.url, '/login/enroll', { ...stepFields(page.text), code: await totpCode(secret) });
      expect(codesPage.status).toBe(200);
      expectNoResponse(codesPage);
      const codes = recoveryCodes(codesPage.text);
      const done = await post(jar, srv.url, '/login/continue', { token: stepFields(codesPage.text).token, csrf: stepFields(codesPage.text).csrf });
      expect(classRef(done)).toBe(MFA_CLASS);
      return { secret, codes };
    } finally {
      await setPolicy('optional');
    }
  };

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  it('forced enrollment comes before any Response; the organization and the admin API show it', async () => {
    const user = await addUser();
    expect(await summary(user.id)).toEqual({ totp: false, webauthn: 0, recovery_codes_left: 0 });
    const { secret, codes } = await enrollTotp(user.email);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    expect(await summary(user.id)).toEqual({ totp: true, webauthn: 0, recovery_codes_left: 10 });
    const org = await world.admin.client.get<{ organization: { mfa_policy: string } }>(`/api/organizations/${world.org}`);
    expect(org.body.organization.mfa_policy).toBe('optional');
    expectError(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'sometimes' }), 400, 'BAD_REQUEST');
    // Stored hashed, the TOTP secret sealed: neither appears in the database rows or the logs.
    const rows = await srv.deps.db.recoveryCode.findMany({ where: { userId: user.id } });
    const factor = await srv.deps.db.totpFactor.findUnique({ where: { userId: user.id } });
    const stored = JSON.stringify(rows) + JSON.stringify(factor, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    for (const c of codes) expect(stored).not.toContain(c.replace(/-/g, ''));
    expect(stored).not.toContain(secret);
    const logs = srv.logs.join('');
    expect(logs).not.toContain(secret);
    for (const c of codes) expect(logs).not.toContain(c);
  });

  it('a burst of parallel wrong codes gets at most 10 of them checked: each attempt is counted before its code', async () => {
    const user = await addUser();
    await enrollTotp(user.email);
    const a = await passwordStep(user.email);
    const fields = { ...stepFields(a.page.text), method: 'totp' };
    const burst = await Promise.all(Array.from({ length: 16 }, (_, i) => post(a.jar, srv.url, '/login/factor', { ...fields, code: String(300000 + i) })));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('a TOTP code passes once: two concurrent submissions of one code, one wins; the code is refused again', async () => {
    const user = await addUser();
    const { secret } = await enrollTotp(user.email);
    const a = await passwordStep(user.email);
    const b = await passwordStep(user.email);
    expect(a.page.text).toContain('name="method" value="totp"');
    expectNoResponse(a.page);
    const code = await totpCode(secret, Date.now() + 30_000); // the next step: the enrollment used this one
    const [ra, rb] = await Promise.all([
      post(a.jar, srv.url, '/login/factor', { ...stepFields(a.page.text), method: 'totp', code }),
      post(b.jar, srv.url, '/login/factor', { ...stepFields(b.page.text), method: 'totp', code }),
    ]);
    const statuses = [ra.status, rb.status].sort();
    expect(statuses).toEqual([200, 401]);
    const winner = ra.status === 200 ? ra : rb;
    expect(classRef(winner)).toBe(MFA_CLASS);
    const c = await passwordStep(user.email);
    const replay = await post(c.jar, srv.url, '/login/factor', { ...stepFields(c.page.text), method: 'totp', code });
    expect(replay.status).toBe(401);
    expectNoResponse(replay);
    expect(replay.text).toContain('aria-invalid="true"');
  });

  it('10 wrong codes lock the second-factor step for 15 minutes (429), and a right code is refused during the lock', async () => {
    const user = await addUser();
    const { secret } = await enrollTotp(user.email);
    const { jar, page } = await passwordStep(user.email);
    const fields = stepFields(page.text);
    const valid = new Set([await totpCode(secret, Date.now() - 30_000), await totpCode(secret), await totpCode(secret, Date.now() + 30_000)]);
    let wrong = 0;
    for (let at = Date.now() - 3_600_000; wrong < 10; at += 30_000) {
      const code = await totpCode(secret, at);
      if (valid.has(code)) continue;
      const res = await post(jar, srv.url, '/login/factor', { ...fields, method: 'totp', code });
      expect(res.status).toBe(401);
      wrong++;
    }
    const locked = await post(jar, srv.url, '/login/factor', { ...fields, method: 'totp', code: await totpCode(secret, Date.now() + 30_000) });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expectNoResponse(locked);
    // A fresh sign-in passes the password but not the locked step; recovery codes are locked too.
    const again = await passwordStep(user.email);
    expect(again.page.status).toBe(200);
    const right = await post(again.jar, srv.url, '/login/factor', { ...stepFields(again.page.text), method: 'totp', code: await totpCode(secret) });
    expect(right.status).toBe(429);
    expectNoResponse(right);
  });

  it('recovery codes are single use', async () => {
    const user = await addUser();
    const { codes } = await enrollTotp(user.email);
    const code = codes[3] ?? '';
    const first = await passwordStep(user.email);
    const ok = await post(first.jar, srv.url, '/login/factor', { ...stepFields(first.page.text), method: 'recovery', code: code.toUpperCase() });
    expect(classRef(ok)).toBe(MFA_CLASS);
    expect((await summary(user.id)).recovery_codes_left).toBe(9);
    const second = await passwordStep(user.email);
    const reused = await post(second.jar, srv.url, '/login/factor', { ...stepFields(second.page.text), method: 'recovery', code });
    expect(reused.status).toBe(401);
    expectNoResponse(reused);
    const made = await post(second.jar, srv.url, '/login/factor', { ...stepFields(second.page.text), method: 'recovery', code: 'aaaa-bbbb-cccc-dddd' });
    expect(made.status).toBe(401);
  });

  it('WebAuthn: registration on /account, then sign-in; a reused challenge, another origin and another RP ID are refused', async () => {
    const user = await addUser();
    const jar = new CookieJar();
    const signIn = await browserFetch(jar, `${srv.url}/account?org=${world.org}`);
    expect(signIn.text).toContain('action="/account/login"');
    const csrf = stepFields(signIn.text).csrf;
    const loggedIn = await post(jar, srv.url, '/account/login', { csrf, org: world.org, email: user.email, password: USER_PASSWORD });
    expect(loggedIn.status).toBe(302);
    const start = await post(jar, srv.url, '/account/passkey/start', { csrf, org: world.org });
    const reg = webauthnOptions(start.text);
    expect(reg.rp?.id).toBe('127.0.0.1');
    const auth = new SoftAuthenticator();
    const answer = JSON.stringify(auth.register(reg.challenge, origin(), '127.0.0.1'));
    const token = stepFields(start.text).token;
    const added = await post(jar, srv.url, '/account/passkey/finish', { csrf, org: world.org, token, webauthn: answer, name: 'Test key' });
    expect(added.status).toBe(200);
    expect(recoveryCodes(added.text)).toHaveLength(10);
    // The registration challenge was spent: the same answer again adds nothing.
    const again = await post(jar, srv.url, '/account/passkey/finish', { csrf, org: world.org, token, webauthn: answer, name: 'Again' });
    expect(again.status).not.toBe(200);
    expect(await summary(user.id)).toEqual({ totp: false, webauthn: 1, recovery_codes_left: 10 });

    const { jar: b, page } = await passwordStep(user.email);
    expectNoResponse(page);
    const attempt = async (html: string, make: (challenge: string) => Record<string, unknown>) => {
      const opts = webauthnOptions(html);
      return post(b, srv.url, '/login/factor', { ...stepFields(html), method: 'webauthn', webauthn: JSON.stringify(make(opts.challenge)) });
    };
    const otherOrigin = await attempt(page.text, (c) => auth.assert(c, 'https://evil.example', '127.0.0.1'));
    expect(otherOrigin.status).toBe(401);
    const otherRp = await attempt(otherOrigin.text, (c) => auth.assert(c, origin(), 'evil.example'));
    expect(otherRp.status).toBe(401);
    const firstChallenge = webauthnOptions(page.text).challenge;
    const stale = await attempt(otherRp.text, () => auth.assert(firstChallenge, origin(), '127.0.0.1'));
    expect(stale.status).toBe(401);
    expectNoResponse(stale);
    const good = auth.assert(webauthnOptions(stale.text).challenge, origin(), '127.0.0.1');
    const ok = await post(b, srv.url, '/login/factor', { ...stepFields(stale.text), method: 'webauthn', webauthn: JSON.stringify(good) });
    expect(classRef(ok)).toBe(MFA_CLASS);
    const cred = await srv.deps.db.webauthnCredential.findFirst({ where: { userId: user.id } });
    expect(Number(cred?.counter)).toBe(auth.counter);
    // The very same assertion (its challenge answered) on a new sign-in is refused.
    const c = await passwordStep(user.email);
    const replay = await post(c.jar, srv.url, '/login/factor', { ...stepFields(c.page.text), method: 'webauthn', webauthn: JSON.stringify(good) });
    expect(replay.status).toBe(401);
    expectNoResponse(replay);
  });

  it('a factor added while a password-only session lives steps that session up on its next SSO; after an admin reset it no longer does', async () => {
    const user = await addUser();
    const { jar, page } = await passwordStep(user.email);
    expect(classRef(page)).toBe(PPT_CLASS);
    // The answer "no second factor" is now cached for this user (mfa/presence.ts); an SSO reuses it.
    expect(classRef(await browserFetch(jar, init()))).toBe(PPT_CLASS);
    const other = new CookieJar();
    const form = await browserFetch(other, `${srv.url}/account?org=${world.org}`);
    const csrf = stepFields(form.text).csrf;
    expect((await post(other, srv.url, '/account/login', { csrf, org: world.org, email: user.email, password: USER_PASSWORD })).status).toBe(302);
    const start = await post(other, srv.url, '/account/totp/start', { csrf, org: world.org });
    const code = await totpCode(setupKey(start.text));
    expect((await post(other, srv.url, '/account/totp/confirm', { csrf, org: world.org, token: stepFields(start.text).token, code })).status).toBe(200);
    const stepUp = await browserFetch(jar, init());
    expect(stepUp.status).toBe(302);
    expect(stepUp.headers.get('location')).toMatch(/^\/login\/factor\?state=/);
    expectNoResponse(stepUp);
    expect((await world.admin.client.delete(`/api/organizations/${world.org}/users/${user.id}/mfa`)).status).toBe(204);
    expect(classRef(await browserFetch(jar, init()))).toBe(PPT_CLASS);
  });

  it("an admin resets a user's factors (204); another organization's admin gets 404", async () => {
    const user = await addUser();
    await enrollTotp(user.email);
    const stranger = await registerAdmin(srv.url);
    await createOrg(stranger);
    expectError(await stranger.client.delete(`/api/organizations/${world.org}/users/${user.id}/mfa`), 404, 'NOT_FOUND');
    const strangerOrg = (await stranger.client.get<{ organizations: { slug: string }[] }>('/api/organizations')).body.organizations[0]?.slug ?? '';
    expectError(await stranger.client.delete(`/api/organizations/${strangerOrg}/users/${user.id}/mfa`), 404, 'NOT_FOUND');
    expect((await summary(user.id)).totp).toBe(true);
    const res = await world.admin.client.delete(`/api/organizations/${world.org}/users/${user.id}/mfa`);
    expect(res.status).toBe(204);
    expect(await summary(user.id)).toEqual({ totp: false, webauthn: 0, recovery_codes_left: 0 });
    const { page } = await passwordStep(user.email);
    expect(classRef(page)).toBe(PPT_CLASS);
  });
});
