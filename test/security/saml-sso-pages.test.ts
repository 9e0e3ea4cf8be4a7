// docs/security.md, attacks 17–19 and 21–23, through real HTTP: the hosted sign-in page (CSRF, session
// fixation, cookie flags), the headers of every hosted page, local error pages before the ACS is
// verified (HTML or JSON), brute force on /login, and users who must never receive an assertion.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import {
  CookieJar,
  SP_ACS,
  USER_PASSWORD,
  asRes,
  browserFetch,
  completeSignIn,
  samlResponseFrom,
  samlWorld,
  type FetchResult,
  type SamlWorld,
} from '../helpers/saml.ts';
import { expectError } from '../helpers/admin-plane.ts';
import { uniqueEmail } from '../helpers/http.ts';
import {
  EVIL_ACS,
  authnRequest,
  expectRefused,
  expectRefusedWithoutEffect,
  expectSignInRedirect,
  hiddenField,
  newRequestId,
  send,
  sendPost,
  sendRedirect,
  sideEffects,
  signedInJar,
} from '../helpers/saml-attacks.ts';

const FAILURE = 'The email or password is incorrect.';
const OTHER_PASSWORD = 'another password 67890';

interface LoginForm {
  state: string;
  csrf: string;
  page: FetchResult;
}

/** Starts an SP-initiated SSO without a session and opens the hosted sign-in page. */
async function openLogin(world: SamlWorld, jar: CookieJar, relayState?: string): Promise<LoginForm> {
  const first = await send('redirect', world.urls.sso, authnRequest(world.urls.sso), relayState, jar);
  expectSignInRedirect(first);
  const page = await browserFetch(jar, world.base + (first.headers.get('location') ?? ''));
  expect(page.status).toBe(200);
  const state = hiddenField(page.text, 'state');
  const csrf = hiddenField(page.text, 'csrf');
  expect(state).toBeTruthy();
  expect(csrf).toBeTruthy();
  return { state: state ?? '', csrf: csrf ?? '', page };
}

function postLogin(world: SamlWorld, jar: CookieJar, form: Record<string, string>, origin: string | null = new URL(world.base).origin): Promise<FetchResult> {
  return browserFetch(jar, `${world.base}/login`, { form, headers: origin === null ? {} : { origin } });
}

function sessionCookies(res: FetchResult): string[] {
  return res.headers.getSetCookie().filter((c) => c.startsWith('tessera_sso_'));
}

function sessionCookieName(jar: CookieJar): string {
  const name = [...jar.cookies.keys()].find((k) => k.startsWith('tessera_sso_'));
  expect(name).toBeDefined();
  return name ?? '';
}

function csp(res: FetchResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const part of (res.headers.get('content-security-policy') ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out.set(name.toLowerCase(), values);
  }
  return out;
}

function expectFrameProtection(res: FetchResult): void {
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(csp(res).get('frame-ancestors')).toEqual(["'none'"]);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

/** script-src allows a nonce and nothing else, and every script on the page carries that nonce. */
function expectNonceOnlyScripts(res: FetchResult): void {
  const policy = csp(res);
  const scriptSrc = policy.get('script-src') ?? policy.get('default-src') ?? [];
  expect(scriptSrc.length).toBeGreaterThan(0);
  for (const token of scriptSrc) expect(token).toMatch(/^'nonce-[A-Za-z0-9+/=_-]{16,}'$|^'none'$/);
  const nonces = scriptSrc.filter((t) => t.startsWith("'nonce-")).map((t) => t.slice(7, -1));
  for (const tag of res.text.match(/<script\b[^>]*>/g) ?? []) {
    const nonce = /nonce="([^"]*)"/.exec(tag)?.[1];
    expect(nonce && nonces.includes(nonce), tag).toBe(true);
  }
  expect(res.text).not.toMatch(/\son[a-z]+\s*=/i);
}

/** The page with everything random (nonces, CSRF token, request id) and the echoed email removed. */
function normalised(html: string): string {
  return html
    .replace(/nonce="[^"]*"/g, '')
    .replace(/value="[^"]*"/g, '')
    .replace(/Reference: [^<]*/g, '');
}

async function createUser(world: SamlWorld, email: string, password?: string): Promise<string> {
  const res = await world.admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, password ? { email, password } : { email });
  expect(res.status, res.text).toBe(201);
  return res.body.user.id;
}

async function disableUser(world: SamlWorld, userId: string): Promise<void> {
  const res = await world.admin.client.patch(`/api/organizations/${world.org}/users/${userId}`, { disabled: true });
  expect(res.status, res.text).toBe(200);
}

describe.each(databases())('SAML hosted pages on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  let worldB: SamlWorld;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    worldB = await samlWorld(srv.url);
  });

  describe('A17 login CSRF', () => {
    it('POST /login without the csrf field, without the cookie, with a wrong token: 403, nothing signed in', async () => {
      const jar = new CookieJar();
      const { state, csrf } = await openLogin(world, jar);
      const creds = { state, email: world.userEmail, password: USER_PASSWORD };
      const before = await sideEffects(srv);
      const attempts: [string, () => Promise<FetchResult>][] = [
        ['no csrf field', () => postLogin(world, jar, creds)],
        ['empty csrf field', () => postLogin(world, jar, { ...creds, csrf: '' })],
        ['no csrf cookie', () => postLogin(world, new CookieJar(), { ...creds, csrf })],
        ['wrong token', () => postLogin(world, jar, { ...creds, csrf: `${csrf.slice(0, -2)}xx` })],
        [
          'cookie and field both attacker-chosen',
          async () => {
            const forged = new CookieJar();
            forged.cookies.set('tessera_csrf', 'attacker-token');
            return postLogin(world, forged, { ...creds, csrf: 'attacker-token-2' });
          },
        ],
      ];
      for (const [name, attempt] of attempts) {
        const res = await attempt();
        expect(res.status, name).toBe(403);
        expect(sessionCookies(res), name).toEqual([]);
        expect(res.text).not.toContain('SAMLResponse');
      }
      expect(await sideEffects(srv)).toEqual(before);
      // The real form still works afterwards: it was the missing token that was refused.
      const ok = await postLogin(world, jar, { ...creds, csrf });
      expect(ok.status).toBe(200);
      expect(samlResponseFrom(ok).action).toBe(SP_ACS);
    });

    it('a cross-site Origin is 403 even with a valid token pair (and same host, other port, too)', async () => {
      const jar = new CookieJar();
      const { state, csrf } = await openLogin(world, jar);
      const events = await srv.deps.db.loginEvent.count();
      const port = Number(new URL(world.base).port);
      for (const origin of ['https://evil.example.com', `http://127.0.0.1:${port === 65535 ? 65534 : port + 1}`, `https://127.0.0.1:${port}`]) {
        const res = await postLogin(world, jar, { state, csrf, email: world.userEmail, password: USER_PASSWORD }, origin);
        expect(res.status, origin).toBe(403);
        expect(sessionCookies(res)).toEqual([]);
        expect(res.text).not.toContain('SAMLResponse');
        expectFrameProtection(res);
      }
      expect(await srv.deps.db.loginEvent.count()).toBe(events);
    });
  });

  describe('A17 the pending sign-in request is single use', () => {
    it('two simultaneous sign-ins with the same state: exactly one assertion; the form replayed afterwards: none', async () => {
      const jar = new CookieJar();
      const { state, csrf } = await openLogin(world, jar);
      const form = { state, csrf, email: world.userEmail, password: USER_PASSWORD };
      const events = await srv.deps.db.loginEvent.count();
      const both = await Promise.all([postLogin(world, jar, form), postLogin(world, jar, form)]);
      expect(both.filter((r) => r.text.includes('SAMLResponse'))).toHaveLength(1);
      expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
      const replayed = await postLogin(world, jar, form);
      expect(replayed.status).toBe(400);
      expect(replayed.text).not.toContain('SAMLResponse');
      expect(await srv.deps.db.loginEvent.count()).toBe(events + 1);
    });
  });

  describe('A17 session fixation and A18 cookies', () => {
    let cookieName: string;
    beforeAll(async () => {
      cookieName = sessionCookieName(await signedInJar(world));
    });

    it('a session cookie planted before sign-in is never the authenticated one', async () => {
      const planted = 'attacker-chosen-session-value-0123456789abcdef';
      const victim = new CookieJar();
      victim.cookies.set(cookieName, planted);
      const { state, csrf } = await openLogin(world, victim);
      const done = await postLogin(world, victim, { state, csrf, email: world.userEmail, password: USER_PASSWORD });
      expect(done.status).toBe(200);
      const issued = sessionCookies(done);
      expect(issued).toHaveLength(1);
      expect(victim.cookies.get(cookieName)).toBeDefined();
      expect(victim.cookies.get(cookieName)).not.toBe(planted);
      // The attacker's copy of the planted value authenticates nobody.
      const attacker = new CookieJar();
      attacker.cookies.set(cookieName, planted);
      expectSignInRedirect(await send('post', world.urls.sso, authnRequest(world.urls.sso), undefined, attacker));
    });

    it('a fresh session id at every sign-in (ForceAuthn re-authentication rotates it)', async () => {
      const jar = await signedInJar(world);
      const firstValue = jar.cookies.get(cookieName);
      const forced = await send('redirect', world.urls.sso, authnRequest(world.urls.sso, { attrs: ' ForceAuthn="true"' }), undefined, jar);
      expectSignInRedirect(forced);
      const page = await completeSignIn(world, jar, forced);
      expect(page.status).toBe(200);
      expect(jar.cookies.get(cookieName)).not.toBe(firstValue);
    });

    it('session cookie is HttpOnly; Secure; SameSite=None; the CSRF cookie is SameSite=Strict', async () => {
      const jar = new CookieJar();
      const { page, state, csrf } = await openLogin(world, jar);
      const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('tessera_csrf='));
      expect(csrfCookie).toBeDefined();
      expect(csrfCookie).toMatch(/;\s*SameSite=Strict/i);
      expect(csrfCookie).toMatch(/;\s*HttpOnly/i);
      const done = await postLogin(world, jar, { state, csrf, email: world.userEmail, password: USER_PASSWORD });
      const [session] = sessionCookies(done);
      expect(session).toMatch(/;\s*HttpOnly/i);
      expect(session).toMatch(/;\s*Secure/i);
      expect(session).toMatch(/;\s*SameSite=None/i);
    });
  });

  describe('A19 hosted page headers', () => {
    it('the sign-in page: no framing, nonce-only scripts, not cached', async () => {
      const { page } = await openLogin(world, new CookieJar());
      expectFrameProtection(page);
      expectNonceOnlyScripts(page);
      expect(page.headers.get('cache-control')).toMatch(/no-store/);
    });

    it("the auto-POST page: no framing, only the nonce'd auto-submit script, Cache-Control: no-store", async () => {
      const jar = await signedInJar(world);
      const page = await send('post', world.urls.sso, authnRequest(world.urls.sso), 'relay', jar);
      expect(page.status).toBe(200);
      expectFrameProtection(page);
      expectNonceOnlyScripts(page);
      expect(page.text.match(/<script\b/g)).toHaveLength(1);
      expect(page.headers.get('cache-control')).toMatch(/no-store/);
      const policy = csp(page);
      expect(policy.get('script-src')?.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    });

    it('error pages (400 on /sso, 401 on /login) cannot be framed either', async () => {
      const bad = await send('post', world.urls.sso, authnRequest(world.urls.sso, { acs: EVIL_ACS }));
      expectRefused(bad);
      expectFrameProtection(bad);
      expectNonceOnlyScripts(bad);
      const jar = new CookieJar();
      const { state, csrf } = await openLogin(world, jar);
      const wrong = await postLogin(world, jar, { state, csrf, email: world.userEmail, password: 'wrong password 000' });
      expect(wrong.status).toBe(401);
      expectFrameProtection(wrong);
    });
  });

  describe('A21 errors before the ACS is verified are local', () => {
    const cases = (sso: string): [string, () => Promise<FetchResult>, (accept: string) => Promise<FetchResult>][] => [
      [
        'foreign ACS',
        () => send('post', sso, authnRequest(sso, { acs: EVIL_ACS })),
        (a) => send('post', sso, authnRequest(sso, { acs: EVIL_ACS }), undefined, new CookieJar(), a),
      ],
      [
        'unknown Issuer',
        () => send('redirect', sso, authnRequest(sso, { issuer: 'https://x.example.com' })),
        (a) => send('redirect', sso, authnRequest(sso, { issuer: 'https://x.example.com' }), undefined, new CookieJar(), a),
      ],
      ['no SAMLRequest', () => sendRedirect(sso, 'RelayState=x'), (a) => sendRedirect(sso, 'RelayState=x', new CookieJar(), a)],
      ['not base64', () => sendPost(sso, { SAMLRequest: '!!!not base64!!!' }), (a) => sendPost(sso, { SAMLRequest: '!!!not base64!!!' }, new CookieJar(), a)],
      [
        'not XML',
        () => sendPost(sso, { SAMLRequest: Buffer.from('<oops').toString('base64') }),
        (a) => sendPost(sso, { SAMLRequest: Buffer.from('<oops').toString('base64') }, new CookieJar(), a),
      ],
      [
        'IsPassive with a foreign ACS',
        () => send('post', sso, authnRequest(sso, { acs: EVIL_ACS, attrs: ' IsPassive="true"' })),
        (a) => send('post', sso, authnRequest(sso, { acs: EVIL_ACS, attrs: ' IsPassive="true"' }), undefined, new CookieJar(), a),
      ],
    ];

    it('HTML by default: a local 400 page, no form to any ACS', async () => {
      for (const [name, html] of cases(world.urls.sso)) {
        const res = await expectRefusedWithoutEffect(srv, html);
        expect(res.headers.get('content-type') ?? '', name).toMatch(/^text\/html/);
        expect(res.text, name).toMatch(/<h1>/);
      }
    });

    it('JSON error shape with Accept: application/json', async () => {
      for (const [name, , json] of cases(world.urls.sso)) {
        const res = await json('application/json');
        const body = expectError(asRes(res), 400, 'BAD_REQUEST');
        expect(body.error.length, name).toBeGreaterThan(0);
        expect(res.text).not.toContain('SAMLResponse');
      }
    });

    it('an error Response to the verified ACS (IsPassive, no session) carries no Assertion', async () => {
      const id = newRequestId();
      const page = await send('post', world.urls.sso, authnRequest(world.urls.sso, { id, attrs: ' IsPassive="true"' }), 'passive');
      expect(page.status).toBe(200);
      const resp = samlResponseFrom(page);
      expect(resp.action).toBe(SP_ACS);
      expect(resp.xml).toContain('urn:oasis:names:tc:SAML:2.0:status:NoPassive');
      expect(resp.xml).not.toMatch(/Assertion[\s>]/);
      expect(resp.xml).toContain(`InResponseTo="${id}"`);
      expect(resp.xml).toMatch(/<ds:Signature/);
      expect(hiddenField(page.text, 'RelayState')).toBe('passive');
    });
  });

  describe('A23 users who must never receive an assertion', () => {
    it('a disabled user with the right password: the common 401 message, no assertion, no session, no login event', async () => {
      const email = uniqueEmail('disabled');
      const id = await createUser(world, email, OTHER_PASSWORD);
      await disableUser(world, id);
      const jar = new CookieJar();
      const { state, csrf } = await openLogin(world, jar);
      const before = await sideEffects(srv);
      const res = await postLogin(world, jar, { state, csrf, email, password: OTHER_PASSWORD });
      expect(res.status).toBe(401);
      expect(res.text).toContain(FAILURE);
      expect(res.text).not.toContain('SAMLResponse');
      expect(sessionCookies(res)).toEqual([]);
      const after = await sideEffects(srv);
      expect(after.loginEvents).toBe(before.loginEvents);
      expect(after.sessions).toBe(before.sessions);
    });

    it('a user disabled after signing in: the existing session no longer yields an assertion', async () => {
      const email = uniqueEmail('later-disabled');
      const id = await createUser(world, email, OTHER_PASSWORD);
      const jar = new CookieJar();
      const first = await send('redirect', world.urls.sso, authnRequest(world.urls.sso), undefined, jar);
      const page = await completeSignIn(world, jar, first, OTHER_PASSWORD, email);
      expect(page.status).toBe(200);
      expect((await send('post', world.urls.sso, authnRequest(world.urls.sso), undefined, jar)).status).toBe(200);
      await disableUser(world, id);
      const events = await srv.deps.db.loginEvent.count();
      const after = await send('post', world.urls.sso, authnRequest(world.urls.sso), undefined, jar);
      expectSignInRedirect(after);
      expect(after.text).not.toContain('SAMLResponse');
      const passive = await send('post', world.urls.sso, authnRequest(world.urls.sso, { attrs: ' IsPassive="true"' }), undefined, jar);
      expect(samlResponseFrom(passive).xml).not.toMatch(/Assertion[\s>]/);
      expect(await srv.deps.db.loginEvent.count()).toBe(events);
    });

    it('a user of another organization cannot sign in here, even when the same email exists here with another password', async () => {
      const jar = new CookieJar();
      const { state, csrf } = await openLogin(world, jar);
      const res = await postLogin(world, jar, { state, csrf, email: worldB.userEmail, password: USER_PASSWORD });
      expect(res.status).toBe(401);
      expect(res.text).toContain(FAILURE);
      expect(res.text).not.toContain('SAMLResponse');

      await createUser(world, worldB.userEmail, OTHER_PASSWORD);
      const again = await postLogin(world, jar, { state, csrf: hiddenField(res.text, 'csrf') ?? '', email: worldB.userEmail, password: USER_PASSWORD });
      expect(again.status).toBe(401);
      expect(again.text).not.toContain('SAMLResponse');
    });

    it("another organization's session, under its own or this organization's cookie name, yields nothing here", async () => {
      const jarB = await signedInJar(worldB);
      const events = await srv.deps.db.loginEvent.count();
      expectSignInRedirect(await send('post', world.urls.sso, authnRequest(world.urls.sso), undefined, jarB));
      const nameA = sessionCookieName(await signedInJar(world));
      const nameB = sessionCookieName(jarB);
      expect(nameA).not.toBe(nameB);
      const moved = new CookieJar();
      moved.cookies.set(nameA, jarB.cookies.get(nameB) ?? '');
      expectSignInRedirect(await send('post', world.urls.sso, authnRequest(world.urls.sso), undefined, moved));
      const passive = await send('post', world.urls.sso, authnRequest(world.urls.sso, { attrs: ' IsPassive="true"' }), undefined, moved);
      expect(samlResponseFrom(passive).xml).not.toMatch(/Assertion[\s>]/);
      // Only the one sign-in to this organization above produced a login event.
      expect(await srv.deps.db.loginEvent.count()).toBe(events + 1);
    });
  });
});

describe.each(databases())('SAML /login brute force on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  let disabledEmail: string;
  let passwordlessEmail: string;
  let limitedEmail: string;

  beforeAll(async () => {
    // A server of its own: the per-IP limit (30 a minute) counts every attempt below.
    world = await samlWorld(srv.url);
    disabledEmail = uniqueEmail('disabled');
    await disableUser(world, await createUser(world, disabledEmail, OTHER_PASSWORD));
    passwordlessEmail = uniqueEmail('nopassword');
    await createUser(world, passwordlessEmail);
    limitedEmail = uniqueEmail('limited');
    await createUser(world, limitedEmail, OTHER_PASSWORD);
  });

  it('A22 one message, one status, one page and similar time for unknown email, wrong password, disabled user, user without password', async () => {
    const jar = new CookieJar();
    let { state, csrf } = await openLogin(world, jar);
    const cases: [string, string, string][] = [
      ['unknown email', uniqueEmail('nobody'), USER_PASSWORD],
      ['wrong password', world.userEmail, 'wrong password 12345'],
      ['disabled user (right password)', disabledEmail, OTHER_PASSWORD],
      ['user without password', passwordlessEmail, USER_PASSWORD],
    ];
    const pages = new Map<string, string>();
    const times = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      for (const [name, email, password] of cases) {
        const started = performance.now();
        const res = await postLogin(world, jar, { state, csrf, email, password });
        const ms = performance.now() - started;
        expect(res.status, name).toBe(401);
        expect(res.text, name).toContain(FAILURE);
        expect(res.text).not.toContain('SAMLResponse');
        expect(sessionCookies(res)).toEqual([]);
        pages.set(name, normalised(res.text));
        times.set(name, Math.min(times.get(name) ?? Infinity, ms));
        csrf = hiddenField(res.text, 'csrf') ?? '';
        state = hiddenField(res.text, 'state') ?? state;
      }
    }
    expect(new Set(pages.values()).size).toBe(1);
    // A password hash is verified in every case (a dummy one for unknown and password-less users): no
    // case may answer in the few milliseconds a skipped argon2id verification would take. (The floor is
    // 25 ms or a fifth of the slowest case, whichever is lower, to stay robust on a loaded machine.)
    const slowest = Math.max(...times.values());
    for (const [name, ms] of times) expect(ms, `${name}: ${Math.round(ms)} ms vs ${Math.round(slowest)} ms`).toBeGreaterThan(Math.min(25, slowest / 5));
  });

  it('A22 the per-email limit: 429 (with Retry-After) after 10 failures, even for the right password', async () => {
    const jar = new CookieJar();
    let { state, csrf } = await openLogin(world, jar);
    for (let i = 1; i <= 10; i++) {
      const res = await postLogin(world, jar, { state, csrf, email: limitedEmail, password: `wrong ${i} password` });
      expect(res.status, `failure ${i}`).toBe(401);
      csrf = hiddenField(res.text, 'csrf') ?? '';
      state = hiddenField(res.text, 'state') ?? state;
    }
    const before = await sideEffects(srv);
    const blocked = await postLogin(world, jar, { state, csrf, email: limitedEmail, password: 'wrong 11 password' });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await postLogin(world, jar, { state, csrf, email: limitedEmail, password: OTHER_PASSWORD });
    expect(right.status).toBe(429);
    expect(right.text).not.toContain('SAMLResponse');
    expect(sessionCookies(right)).toEqual([]);
    expect(await sideEffects(srv)).toEqual(before);
    // Another email of the same organization is not locked out by it.
    const other = await postLogin(world, jar, { state, csrf, email: world.userEmail, password: USER_PASSWORD });
    expect(other.status).toBe(200);
    expect(samlResponseFrom(other).action).toBe(SP_ACS);
  });

  it('A22 the per-IP limit: spraying many emails from one address ends in 429 (X-Forwarded-For does not help)', async () => {
    const jar = new CookieJar();
    let { state, csrf } = await openLogin(world, jar);
    let limitedAt = 0;
    for (let i = 1; i <= 31 && !limitedAt; i++) {
      // A different X-Forwarded-For each time: ignored without TRUST_PROXY, so it does not reset the limit.
      const res = await browserFetch(jar, `${world.base}/login`, {
        form: { state, csrf, email: uniqueEmail('spray'), password: 'spray password 1' },
        headers: { origin: new URL(world.base).origin, 'x-forwarded-for': `203.0.113.${i}` },
      });
      if (res.status === 429) {
        limitedAt = i;
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      } else {
        expect(res.status).toBe(401);
        csrf = hiddenField(res.text, 'csrf') ?? '';
        state = hiddenField(res.text, 'state') ?? state;
      }
    }
    expect(limitedAt).toBeGreaterThan(0);
    // Once limited, even the right credentials are refused from this address.
    const right = await postLogin(world, jar, { state, csrf, email: world.userEmail, password: USER_PASSWORD });
    expect(right.status).toBe(429);
    expect(right.text).not.toContain('SAMLResponse');
  });
});
