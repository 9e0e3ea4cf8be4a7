// SECURITY.md 42 and CONTRACT §11 (step-up and AuthnContext) with @node-saml/node-saml as the SP: the
// AuthnContextClassRef it reads, RequestedAuthnContext with each comparison, step-up instead of reusing
// a password-only session, NoAuthnContext when nothing can satisfy the request, require_mfa and the
// organization's policy.
import { beforeAll, describe, expect, it } from 'vitest';
import { SamlStatusError, type SAML, type SamlConfig } from '@node-saml/node-saml';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import {
  CookieJar,
  USER_PASSWORD,
  browserFetch,
  completeSignIn,
  configureSaml,
  samlResponseFrom,
  samlWorld,
  type FetchResult,
  type SamlWorld,
} from '../helpers/saml.ts';
import { nodeSamlSp, spEnd } from '../helpers/node-saml.ts';
import { post, setupKey, stepFields, totpCode } from '../helpers/mfa.ts';

const MFA = 'https://refeds.org/profile/mfa';
const PPT = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const PASSWORD_CLASS = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password';

function classIn(xml: string): string {
  return /<saml:AuthnContextClassRef>([^<]+)<\/saml:AuthnContextClassRef>/.exec(xml)?.[1] ?? '';
}

describe.each(databases())('step-up and AuthnContext with node-saml on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;

  const sp = (extra: Partial<SamlConfig> = {}): SAML => nodeSamlSp(spEnd(world), { acceptedClockSkewMs: 0, ...extra });
  const asking = (authnContext: string[], racComparison: SamlConfig['racComparison']) => sp({ authnContext, racComparison });
  const addUser = async () => {
    const email = uniqueEmail('stepup');
    expectStatus(await world.admin.client.post(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD }), 201);
    return email;
  };
  /** SP-initiated SSO in `jar`: the page Tessera answers with (after the password when there is no session). */
  const sso = async (saml: SAML, jar: CookieJar, email: string): Promise<FetchResult> => {
    const first = await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {}));
    return first.status === 302 && (first.headers.get('location') ?? '').startsWith('/login?')
      ? completeSignIn(world, jar, first, USER_PASSWORD, email)
      : first;
  };
  /** node-saml's verdict on the page's Response, and the class it read. */
  const validate = async (saml: SAML, page: FetchResult) => {
    const resp = samlResponseFrom(page);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    return { nameID: profile?.nameID, authnContext: classIn(profile?.getAssertionXml?.() ?? '') };
  };
  /** Enrolls a TOTP factor for `email` on /account in a browser of its own; returns the secret. */
  const enrollOnAccount = async (email: string): Promise<string> => {
    const jar = new CookieJar();
    const form = await browserFetch(jar, `${srv.url}/account?org=${world.org}`);
    const { csrf } = stepFields(form.text);
    expect((await post(jar, srv.url, '/account/login', { csrf, org: world.org, email, password: USER_PASSWORD })).status).toBe(302);
    const start = await post(jar, srv.url, '/account/totp/start', { csrf, org: world.org });
    const secret = setupKey(start.text);
    const done = await post(jar, srv.url, '/account/totp/confirm', { csrf, org: world.org, token: stepFields(start.text).token, code: await totpCode(secret) });
    expect(done.status).toBe(200);
    return secret;
  };
  const expectNoAuthnContext = async (saml: SAML, page: FetchResult) => {
    const resp = samlResponseFrom(page);
    expect(resp.xml).not.toContain('<saml:Assertion');
    const err: unknown = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SamlStatusError);
    expect((err as SamlStatusError).xmlStatus).toContain('urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext');
  };

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  it('a password-only session states PasswordProtectedTransport, steps up for exact and minimum MFA requests, then states refeds MFA', async () => {
    const email = await addUser();
    const jar = new CookieJar();
    const plain = sp(); // node-saml's default: exact PasswordProtectedTransport
    const first = await validate(plain, await sso(plain, jar, email));
    expect(first.nameID).toBe(email);
    expect(first.authnContext).toBe(PPT);
    // The same password-only session, asked for MFA: never a Response, the second factor first.
    const secret = await enrollOnAccount(email);
    for (const comparison of ['exact', 'minimum'] as const) {
      const page = await browserFetch(jar, await asking([MFA], comparison).getAuthorizeUrlAsync('', undefined, {}));
      expect(page.status).toBe(302);
      expect(page.headers.get('location') ?? '').toMatch(/^\/login\/factor\?state=/);
      const factor = await browserFetch(jar, srv.url + (page.headers.get('location') ?? ''));
      expect(factor.status).toBe(200);
      expect(factor.text).not.toContain('SAMLResponse');
      expect(factor.text).toContain('name="method" value="totp"');
    }
    const saml = asking([MFA], 'minimum');
    const ask = await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {}));
    const factor = await browserFetch(jar, srv.url + (ask.headers.get('location') ?? ''));
    const answered = await post(jar, srv.url, '/login/factor', {
      ...stepFields(factor.text),
      method: 'totp',
      code: await totpCode(secret, Date.now() + 30_000),
    });
    expect((await validate(saml, answered)).authnContext).toBe(MFA);
    // The session now passed MFA: reused at once, with the class each request allows.
    const again = asking([MFA], 'exact');
    expect((await validate(again, await browserFetch(jar, await again.getAuthorizeUrlAsync('', undefined, {})))).authnContext).toBe(MFA);
    const none = sp({ disableRequestedAuthnContext: true });
    expect((await validate(none, await browserFetch(jar, await none.getAuthorizeUrlAsync('', undefined, {})))).authnContext).toBe(MFA);
    expect((await validate(plain, await browserFetch(jar, await plain.getAuthorizeUrlAsync('', undefined, {})))).authnContext).toBe(PPT);
    const atMost = asking([PASSWORD_CLASS], 'maximum');
    expect((await validate(atMost, await browserFetch(jar, await atMost.getAuthorizeUrlAsync('', undefined, {})))).authnContext).toBe(PPT);
  });

  it('a user without a factor asked for MFA enrolls before any Response; better-than-password means MFA too', async () => {
    const email = await addUser();
    const jar = new CookieJar();
    const saml = asking([PPT], 'better');
    const page = await sso(saml, jar, email);
    expect(page.text).not.toContain('SAMLResponse');
    const secret = setupKey(page.text);
    const codes = await post(jar, srv.url, '/login/enroll', { ...stepFields(page.text), code: await totpCode(secret) });
    expect(codes.text).not.toContain('SAMLResponse');
    const done = await post(jar, srv.url, '/login/continue', stepFields(codes.text));
    expect((await validate(saml, done)).authnContext).toBe(MFA);
  });

  it('NoAuthnContext to the ACS when nothing can satisfy the request', async () => {
    const email = await addUser();
    // A class Tessera never issues: answered before any sign-in.
    const kerberos = asking(['urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos'], 'exact');
    const jar = new CookieJar();
    const unknown = await browserFetch(jar, await kerberos.getAuthorizeUrlAsync('', undefined, {}));
    expect(samlResponseFrom(unknown).action).toBe(spEnd(world).acs);
    await expectNoAuthnContext(kerberos, unknown);
    // Stronger than MFA does not exist.
    const better = asking([MFA], 'better');
    await expectNoAuthnContext(better, await browserFetch(jar, await better.getAuthorizeUrlAsync('', undefined, {})));
    // Policy off: no second factor is ever asked, so an MFA request fails after the password.
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'off' }), 200);
    try {
      const mfa = asking([MFA], 'exact');
      await expectNoAuthnContext(mfa, await sso(mfa, new CookieJar(), email));
      const plain = sp();
      expect((await validate(plain, await sso(plain, new CookieJar(), email))).authnContext).toBe(PPT);
    } finally {
      expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'optional' }), 200);
    }
  });

  it('require_mfa on the service forces enrollment after the password and states refeds MFA', async () => {
    await configureSaml(world.admin, world.org, world.svc.slug, { require_mfa: true });
    try {
      const cfg = await world.admin.client.get<{ require_mfa: boolean }>(`/api/organizations/${world.org}/services/${world.svc.slug}/saml`);
      expect(cfg.body.require_mfa).toBe(true);
      const email = await addUser();
      const jar = new CookieJar();
      const saml = sp({ disableRequestedAuthnContext: true });
      const page = await sso(saml, jar, email);
      expect(page.text).not.toContain('SAMLResponse');
      const secret = setupKey(page.text);
      const codes = await post(jar, srv.url, '/login/enroll', { ...stepFields(page.text), code: await totpCode(secret) });
      const done = await post(jar, srv.url, '/login/continue', stepFields(codes.text));
      expect((await validate(saml, done)).authnContext).toBe(MFA);
      // An SP that insists on exactly PasswordProtectedTransport cannot be served by this service.
      const plain = sp();
      await expectNoAuthnContext(plain, await browserFetch(jar, await plain.getAuthorizeUrlAsync('', undefined, {})));
    } finally {
      await configureSaml(world.admin, world.org, world.svc.slug, { require_mfa: false });
    }
  });
});
