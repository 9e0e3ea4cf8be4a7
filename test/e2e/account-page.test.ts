// The self-service /account page over HTTP (docs/api.md, Second factors, step-up and /account): its own
// sign-in, recent sign-ins, the password change, removing a factor (password or a recent second factor),
// CSRF and Origin refusals, French by Accept-Language, new recovery codes (the re-authentication the page
// asks for, old codes refused, new ones single use); and a user with a second factor is never one API
// key's alone (docs/api.md, Service API).
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import { CookieJar, USER_PASSWORD, browserFetch, completeSignIn, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { post, recoveryCodes, setupKey, stepFields, totpCode } from '../helpers/mfa.ts';
import { extraKey, provisionUser, serviceWorld, expectError as expectServiceError } from '../helpers/service-api.ts';

describe.each(databases())('/account on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  const addUser = async () => {
    const email = uniqueEmail('acct');
    expectStatus(await world.admin.client.post(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD }), 201);
    return email;
  };
  /** A browser signed in to /account; returns it and its CSRF token. */
  const signedIn = async (email: string, password = USER_PASSWORD) => {
    const jar = new CookieJar();
    const form = await browserFetch(jar, `${srv.url}/account?org=${world.org}`);
    expect(form.status).toBe(200);
    const { csrf } = stepFields(form.text);
    const res = await post(jar, srv.url, '/account/login', { csrf, org: world.org, email, password });
    expect(res.status).toBe(302);
    return { jar, csrf };
  };

  /** Enrolls an authenticator app from `from` (a session the check lets add one); returns its secret and the page after. */
  const enrollTotp = async (from: { jar: CookieJar; csrf: string }) => {
    const start = await post(from.jar, srv.url, '/account/totp/start', { csrf: from.csrf, org: world.org });
    const secret = setupKey(start.text);
    const page = await post(from.jar, srv.url, '/account/totp/confirm', {
      csrf: from.csrf,
      org: world.org,
      token: stepFields(start.text).token,
      code: await totpCode(secret),
    });
    expect(page.status).toBe(200);
    return { secret, page };
  };

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  it('signs in, lists recent sign-ins, and changes the password only with the current one', async () => {
    const email = await addUser();
    const sso = new CookieJar();
    const first = await browserFetch(sso, world.urls.sso.replace(/\/sso$/, '/init'));
    expect((await completeSignIn(world, sso, first, USER_PASSWORD, email)).text).toContain('SAMLResponse');
    const { jar, csrf } = await signedIn(email);
    const page = await browserFetch(jar, `${srv.url}/account?org=${world.org}`);
    expect(page.text).toContain(email);
    expect(page.text).toMatch(/<ul id="sign-ins"><li>[^<]+ <span class="muted">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/span><\/li><\/ul>/);
    // A notice name from the object's prototype is no notice, not a 500.
    for (const done of ['constructor', 'toString', '__proto__', 'nonsense']) {
      const odd = await browserFetch(jar, `${srv.url}/account?org=${world.org}&done=${done}`);
      expect(odd.status, done).toBe(200);
      expect(odd.text).toContain(email);
    }
    const wrong = await post(jar, srv.url, '/account/password', {
      csrf,
      org: world.org,
      current: 'not it at all',
      new: 'a new password 123',
      confirm: 'a new password 123',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('aria-invalid="true"');
    const next = 'a new password 123';
    const changed = await post(jar, srv.url, '/account/password', { csrf, org: world.org, current: USER_PASSWORD, new: next, confirm: next });
    expect(changed.status).toBe(302);
    expect(changed.headers.get('location')).toContain('done=password');
    // The other browser's session ended with the old password; the new one signs in.
    const reused = await browserFetch(sso, world.urls.sso.replace(/\/sso$/, '/init'));
    expect(reused.status).toBe(302);
    await signedIn(email, next);
  });

  it('refuses a form from another origin or without the CSRF token', async () => {
    const email = await addUser();
    const { jar, csrf } = await signedIn(email);
    const cross = await browserFetch(jar, `${srv.url}/account/totp/start`, { form: { csrf, org: world.org }, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    const noToken = await post(jar, srv.url, '/account/totp/start', { csrf: 'forged-token-forged-token-forged1', org: world.org });
    expect(noToken.status).toBe(403);
  });

  it('a session without a recent second factor removes a factor only with the password; /account sign-in takes the factor; speaks French', async () => {
    const email = await addUser();
    const before = await signedIn(email); // a session from before the factor existed: the password alone
    const { secret } = await enrollTotp(await signedIn(email));
    const remove = (password?: string) =>
      post(before.jar, srv.url, '/account/factors/remove', {
        csrf: before.csrf,
        org: world.org,
        kind: 'totp',
        id: '',
        ...(password === undefined ? {} : { password }),
      });
    expect((await remove()).status).toBe(401);
    expect((await remove('not the password')).status).toBe(401);
    // Signing in to /account now takes the factor too (in French for this browser).
    const other = new CookieJar();
    const form = await browserFetch(other, `${srv.url}/account?org=${world.org}`, { headers: { 'accept-language': 'fr-CA, en;q=0.5' } });
    expect(form.text).toContain('Connectez-vous pour gérer votre compte');
    const login = await post(other, srv.url, '/account/login', { csrf: stepFields(form.text).csrf, org: world.org, email, password: USER_PASSWORD });
    expect(login.text).toContain('name="method" value="totp"');
    const back = await post(other, srv.url, '/login/factor', { ...stepFields(login.text), method: 'totp', code: await totpCode(secret, Date.now() + 30_000) });
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(`/account?org=${world.org}`);
    expect((await remove(USER_PASSWORD)).status).toBe(302);
    const user = await world.admin.client.get<{ users: { mfa: { totp: boolean; recovery_codes_left: number } }[] }>(
      `/api/organizations/${world.org}/users?email=${email}`,
    );
    expect(user.body.users[0]?.mfa).toMatchObject({ totp: false, recovery_codes_left: 0 });
  });

  it('the authenticator cannot be replaced through /account, and a factor beside another needs the password or a recent second factor', async () => {
    const email = await addUser();
    const before = await signedIn(email); // the password alone, from before any factor
    const racing = await signedIn(email);
    // A first factor needs nothing more: this session starts an enrolment, to finish it late.
    const late = await post(racing.jar, srv.url, '/account/totp/start', { csrf: racing.csrf, org: world.org });
    const lateSecret = setupKey(late.text);
    const { jar, csrf } = await signedIn(email);
    const { secret } = await enrollTotp({ jar, csrf });

    // Another authenticator is refused, from the old session and even from the one that just passed the factor.
    for (const from of [before, { jar, csrf }]) {
      const again = await post(from.jar, srv.url, '/account/totp/start', { csrf: from.csrf, org: world.org, password: USER_PASSWORD });
      expect(again.status).toBe(302);
      expect(again.headers.get('location')).toBe(`/account?org=${world.org}`); // back to the page, no enrollment begun
    }
    // The enrolment started before the factor existed cannot replace it now.
    const replaced = await post(racing.jar, srv.url, '/account/totp/confirm', {
      csrf: racing.csrf,
      org: world.org,
      token: stepFields(late.text).token,
      code: await totpCode(lateSecret),
    });
    expect(replaced.status).toBe(302);
    const signInCode = async (key: string) => {
      const other = new CookieJar();
      const form = await browserFetch(other, `${srv.url}/account?org=${world.org}`);
      const login = await post(other, srv.url, '/account/login', { csrf: stepFields(form.text).csrf, org: world.org, email, password: USER_PASSWORD });
      return (await post(other, srv.url, '/login/factor', { ...stepFields(login.text), method: 'totp', code: await totpCode(key, Date.now() + 30_000) }))
        .status;
    };
    expect(await signInCode(lateSecret)).toBe(401);
    expect(await signInCode(secret)).toBe(302);

    // A passkey beside the authenticator: the password-only session must type the password, and the right one.
    for (const password of [undefined, 'not the password']) {
      const refused = await post(before.jar, srv.url, '/account/passkey/start', {
        csrf: before.csrf,
        org: world.org,
        ...(password === undefined ? {} : { password }),
      });
      expect(refused.status).toBe(401);
      expect(refused.text).toContain('aria-invalid="true"');
      expect(refused.text).not.toContain('startRegistration');
    }
    const allowed = await post(before.jar, srv.url, '/account/passkey/start', { csrf: before.csrf, org: world.org, password: USER_PASSWORD });
    expect(allowed.status).toBe(200);
    // The session that passed the factor just now needs nothing more.
    expect((await post(jar, srv.url, '/account/passkey/start', { csrf, org: world.org })).status).toBe(200);
  });

  it('an enrollment begun while the user had no factor cannot finish beside one that came meanwhile (it skipped the check)', async () => {
    // A passkey step begun with no factor, then an authenticator enrolled in another browser: the step is refused before its answer is read.
    const email = await addUser();
    const borrowed = await signedIn(email);
    const passkeyStep = await post(borrowed.jar, srv.url, '/account/passkey/start', { csrf: borrowed.csrf, org: world.org });
    expect(passkeyStep.status).toBe(200);
    await enrollTotp(await signedIn(email));
    const finish = await post(borrowed.jar, srv.url, '/account/passkey/finish', {
      csrf: borrowed.csrf,
      org: world.org,
      token: stepFields(passkeyStep.text).token,
      webauthn: '{}',
    });
    expect(finish.status).toBe(302); // refused as stale, not read and failed (400)

    // An authenticator step begun with no factor, then a passkey registered elsewhere: the code is right, the step still refused.
    const other = await addUser();
    const user = await srv.deps.db.user.findFirstOrThrow({ where: { email: other } });
    const late = await signedIn(other);
    const totpStep = await post(late.jar, srv.url, '/account/totp/start', { csrf: late.csrf, org: world.org });
    await srv.deps.db.webauthnCredential.create({
      data: { id: `wac_${user.id}`, userId: user.id, credentialId: `cred-${user.id}`, publicKey: 'AQID', name: 'Elsewhere' },
    });
    const refused = await post(late.jar, srv.url, '/account/totp/confirm', {
      csrf: late.csrf,
      org: world.org,
      token: stepFields(totpStep.text).token,
      code: await totpCode(setupKey(totpStep.text)),
    });
    expect(refused.status).toBe(302);
    expect(await srv.deps.db.totpFactor.count({ where: { userId: user.id } })).toBe(0);
  });

  it('new recovery codes: only after a recent second factor or the password; the old ones stop working, each new one works once', async () => {
    const email = await addUser();
    const before = await signedIn(email); // the password alone, from before the factor existed
    const { jar, csrf } = await signedIn(email);
    const { page: enrolled } = await enrollTotp({ jar, csrf });
    const first = recoveryCodes(enrolled.text);
    expect(first).toHaveLength(10);
    const regenerate = (from: { jar: CookieJar; csrf: string }, password?: string) =>
      post(from.jar, srv.url, '/account/recovery', { csrf: from.csrf, org: world.org, ...(password === undefined ? {} : { password }) });
    // The session that just passed the factor needs nothing more.
    const second = recoveryCodes((await regenerate({ jar, csrf })).text);
    expect(second).toHaveLength(10);
    // A password-only session must type the password, and the right one.
    for (const password of [undefined, 'not the password']) {
      const refused = await regenerate(before, password);
      expect(refused.status).toBe(401);
      expect(refused.text).toContain('aria-invalid="true"');
      expect(recoveryCodes(refused.text)).toEqual([]);
    }
    const made = await regenerate(before, USER_PASSWORD);
    expect(made.status).toBe(200);
    const codes = recoveryCodes(made.text);
    expect(codes).toHaveLength(10);
    expect(new Set([...first, ...second, ...codes]).size).toBe(30);
    expect((await browserFetch(jar, `${srv.url}/account?org=${world.org}`)).text).toContain('<p id="recovery-left">10 unused recovery codes.</p>');

    // One /account sign-in: both earlier sets are refused at its second step, a new code passes; it passes only once.
    const signInWith = async () => {
      const other = new CookieJar();
      const form = await browserFetch(other, `${srv.url}/account?org=${world.org}`);
      const login = await post(other, srv.url, '/account/login', { csrf: stepFields(form.text).csrf, org: world.org, email, password: USER_PASSWORD });
      expect(login.text).toContain('name="method" value="recovery"');
      return { other, page: login };
    };
    const { other, page } = await signInWith();
    let step = page;
    for (const old of [first[0] ?? '', second[0] ?? '']) {
      step = await post(other, srv.url, '/login/factor', { ...stepFields(step.text), method: 'recovery', code: old });
      expect(step.status).toBe(401);
    }
    const used = await post(other, srv.url, '/login/factor', { ...stepFields(step.text), method: 'recovery', code: codes[0] ?? '' });
    expect(used.status).toBe(302);
    expect(used.headers.get('location')).toBe(`/account?org=${world.org}`);
    expect((await browserFetch(other, `${srv.url}/account?org=${world.org}`)).text).toContain('<p id="recovery-left">9 unused recovery codes.</p>');
    const again = await signInWith();
    expect((await post(again.other, srv.url, '/login/factor', { ...stepFields(again.page.text), method: 'recovery', code: codes[0] ?? '' })).status).toBe(401);
    const logs = srv.logs.join('');
    for (const c of [...first, ...second, ...codes]) expect(logs).not.toContain(c);
  });

  it('a user with a second factor is never one API key’s alone: its email cannot be changed by the key', async () => {
    const w = await serviceWorld(srv.url, world.admin, { org: world.org });
    const { api } = await extraKey(w, ['read:users', 'write:users', 'delete:users']);
    const user = await provisionUser(api);
    await srv.deps.db.recoveryCode.create({ data: { id: 'rc_testtesttesttesttest', userId: user.id, codeHash: 'f'.repeat(64) } });
    expectServiceError(await api.patch(`/api/service/users/${user.id}`, { email: uniqueEmail('moved') }), 409, 'CONFLICT');
  });
});
