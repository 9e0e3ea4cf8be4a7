// Sign-in activity beyond the SAML sign-in page (docs/api.md, Sign-in activity): /account's own
// sign-in, the second-factor step (a wrong code, the lockout), and the refusals answered to the SP with
// a SAML status (NoPassive, NoAuthnContext). Each is a row found by the request id the answer carries,
// with a warn log line of the same reason; the SAML ones are counted by reason in /metrics.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import { CookieJar, USER_PASSWORD, browserFetch, completeSignIn, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import { post, setupKey, stepFields, totpCode } from '../helpers/mfa.ts';
import { authnRequest, redirectQuery, sendRedirect } from '../helpers/saml-attacks.ts';

interface Row {
  flow: string;
  outcome: string;
  reason: string | null;
  user_id: string | null;
  email: string | null;
  service: string | null;
  request_id: string;
}

const SMARTCARD = 'urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard';

describe.each(databases())('hosted sign-in attempts and status refusals on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  const addUser = async () => {
    const email = uniqueEmail('hosted');
    const res = await world.admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD });
    expectStatus(res, 201);
    return { email, id: res.body.user.id };
  };
  /** The rows of the request that answered `res`. */
  const rowsOf = async (res: FetchResult): Promise<Row[]> => {
    const id = res.headers.get('x-request-id') ?? '';
    const list = await world.admin.client.get<{ sign_ins: Row[] }>(`/api/organizations/${world.org}/sign-ins?request_id=${encodeURIComponent(id)}`);
    expectStatus(list, 200);
    return list.body.sign_ins;
  };
  /** The warn lines the server logged for the request that answered `res`. */
  const warnings = (res: FetchResult): { msg: string; reason?: string; level: number }[] => {
    const id = res.headers.get('x-request-id') ?? '';
    return srv.logs
      .flatMap((chunk) => chunk.split('\n'))
      .filter((l) => l.includes(id))
      .map((l) => JSON.parse(l) as { msg: string; reason?: string; level: number })
      .filter((l) => l.level === 40);
  };
  const refusedCount = async (reason: string): Promise<number> => {
    const text = await (await fetch(`${srv.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('tessera_sso_outcomes_total{') && l.includes('outcome="refused"') && l.includes(`reason="${reason}"`));
    return line ? Number(line.trim().split(' ').at(-1)) : 0;
  };
  const accountLogin = async (email: string, password: string) => {
    const jar = new CookieJar();
    const { csrf } = stepFields((await browserFetch(jar, `${srv.url}/account?org=${world.org}`)).text);
    return post(jar, srv.url, '/account/login', { csrf, org: world.org, email, password });
  };

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });

  it('/account: a refused sign-in is a row with its reason and a warn line, a right one a success row; no service', async () => {
    const user = await addUser();
    const wrong = await accountLogin(user.email, 'not the password');
    expect(wrong.status).toBe(401);
    expect(await rowsOf(wrong)).toEqual([
      expect.objectContaining({ flow: 'login', outcome: 'refused', reason: 'wrong_password', user_id: user.id, email: user.email, service: null }),
    ]);
    expect(warnings(wrong)).toEqual([expect.objectContaining({ msg: 'sign-in refused', reason: 'wrong_password' })]);

    const unknown = await accountLogin('nobody-at-all@example.com', USER_PASSWORD);
    expect(unknown.status).toBe(401);
    expect(await rowsOf(unknown)).toEqual([
      expect.objectContaining({ outcome: 'refused', reason: 'unknown_user', user_id: null, email: 'nobody-at-all@example.com' }),
    ]);

    const right = await accountLogin(user.email, USER_PASSWORD);
    expect(right.status).toBe(302);
    expect(await rowsOf(right)).toEqual([expect.objectContaining({ flow: 'login', outcome: 'success', reason: null, user_id: user.id, service: null })]);
    expect(warnings(right)).toEqual([]);
  });

  it('the second-factor step: the right password is mfa_required, each wrong code mfa_failed, the locked step rate_limited, with the service of the request', async () => {
    const user = await addUser();
    // Enrollment forced by the policy, then back to optional: the next sign-in asks for the code.
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'required' }), 200);
    const enrolling = new CookieJar();
    const enroll = await completeSignIn(world, enrolling, await browserFetch(enrolling, world.urls.sso.replace(/\/sso$/, '/init')), USER_PASSWORD, user.email);
    const secret = setupKey(enroll.text);
    // The right password that does not sign in alone is a row too: a password left at this page is seen.
    const required: unknown = expect.objectContaining({ flow: 'login', outcome: 'refused', reason: 'mfa_required', user_id: user.id, service: world.svc.slug });
    expect(await rowsOf(enroll)).toEqual([required]);
    expect(warnings(enroll)).toEqual([expect.objectContaining({ msg: 'sign-in refused', reason: 'mfa_required' })]);
    const wrongEnroll = await post(enrolling, srv.url, '/login/enroll', { ...stepFields(enroll.text), code: '000000' });
    expect(wrongEnroll.status).toBe(401);
    expect(await rowsOf(wrongEnroll)).toEqual([
      expect.objectContaining({ outcome: 'refused', reason: 'mfa_failed', user_id: user.id, service: world.svc.slug }),
    ]);
    expect((await post(enrolling, srv.url, '/login/enroll', { ...stepFields(wrongEnroll.text), code: await totpCode(secret) })).status).toBe(200);
    expectStatus(await world.admin.client.patch(`/api/organizations/${world.org}`, { mfa_policy: 'optional' }), 200);

    const jar = new CookieJar();
    let page = await completeSignIn(world, jar, await browserFetch(jar, world.urls.sso.replace(/\/sso$/, '/init')), USER_PASSWORD, user.email);
    expect(page.text).not.toContain('SAMLResponse');
    expect(await rowsOf(page)).toEqual([required]);
    const atAccount = await accountLogin(user.email, USER_PASSWORD);
    expect(atAccount.text).toContain('name="method" value="totp"');
    expect(await rowsOf(atAccount)).toEqual([expect.objectContaining({ outcome: 'refused', reason: 'mfa_required', user_id: user.id, service: null })]);
    const wrong = await post(jar, srv.url, '/login/factor', { ...stepFields(page.text), method: 'totp', code: '000000' });
    expect(wrong.status).toBe(401);
    expect(await rowsOf(wrong)).toEqual([
      expect.objectContaining({ flow: 'login', outcome: 'refused', reason: 'mfa_failed', user_id: user.id, email: user.email, service: world.svc.slug }),
    ]);
    expect(warnings(wrong)).toEqual([expect.objectContaining({ msg: 'sign-in refused', reason: 'mfa_failed' })]);

    // Ten failures in 15 minutes lock the step: the 429's reference finds its row.
    page = wrong;
    for (let i = 0; i < 12 && page.status !== 429; i++)
      page = await post(jar, srv.url, '/login/factor', { ...stepFields(wrong.text), method: 'totp', code: '999999' });
    expect(page.status).toBe(429);
    expect(await rowsOf(page)).toEqual([expect.objectContaining({ outcome: 'refused', reason: 'rate_limited', user_id: user.id, service: world.svc.slug })]);
    const failed = await world.admin.client.get<{ sign_ins: Row[] }>(`/api/organizations/${world.org}/sign-ins?reason=mfa_failed&user_id=${user.id}&limit=100`);
    expect(failed.body.sign_ins.length).toBe(11); // the enrollment's wrong code, then the ten that locked the step
  });

  it('NoPassive and NoAuthnContext answered to the SP: a row, a warn line and /metrics by reason', async () => {
    const passiveBefore = await refusedCount('no_passive');
    const passive = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso, { attrs: ' IsPassive="true"' })));
    expect(passive.status).toBe(200);
    expect(await rowsOf(passive)).toEqual([expect.objectContaining({ flow: 'sso', outcome: 'refused', reason: 'no_passive' })]);
    expect(warnings(passive)).toEqual([expect.objectContaining({ msg: 'SAML request refused', reason: 'no_passive' })]);
    expect(await refusedCount('no_passive')).toBe(passiveBefore + 1);

    const contextBefore = await refusedCount('no_authn_context');
    const requested = `<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>${SMARTCARD}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>`;
    const xml = authnRequest(world.urls.sso).replace('</samlp:AuthnRequest>', `${requested}</samlp:AuthnRequest>`);
    const unsatisfiable = await sendRedirect(world.urls.sso, redirectQuery(xml));
    expect(unsatisfiable.status).toBe(200);
    expect(unsatisfiable.text).toContain('SAMLResponse');
    expect(await rowsOf(unsatisfiable)).toEqual([expect.objectContaining({ flow: 'sso', outcome: 'refused', reason: 'no_authn_context' })]);
    expect(warnings(unsatisfiable)).toEqual([expect.objectContaining({ msg: 'SAML request refused', reason: 'no_authn_context' })]);
    expect(await refusedCount('no_authn_context')).toBe(contextBefore + 1);

    // With a live session the user is known: both rows name them.
    const jar = new CookieJar();
    expect((await completeSignIn(world, jar, await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar))).text).toContain(
      'SAMLResponse',
    );
    const named: unknown = expect.objectContaining({ outcome: 'refused', user_id: world.userId, email: world.userEmail });
    const smartcardAgain = authnRequest(world.urls.sso).replace('</samlp:AuthnRequest>', `${requested}</samlp:AuthnRequest>`);
    expect(await rowsOf(await sendRedirect(world.urls.sso, redirectQuery(smartcardAgain), jar))).toEqual([named]);
    const mfaOnly = `<samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>https://refeds.org/profile/mfa</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>`;
    const passiveStepUp = authnRequest(world.urls.sso, { attrs: ' IsPassive="true"' }).replace('</samlp:AuthnRequest>', `${mfaOnly}</samlp:AuthnRequest>`);
    expect(await rowsOf(await sendRedirect(world.urls.sso, redirectQuery(passiveStepUp), jar))).toEqual([
      expect.objectContaining({ reason: 'no_passive', user_id: world.userId }),
    ]);
  });
});
