// Sign-in activity (docs/api.md, Sign-in activity): every hosted sign-in attempt and SSO outcome is a
// row with its stable reason, found through GET …/sign-ins and its filters, including by the request id
// an error page shows as its reference; admins of the organization only. The SAML refusal codes are
// each provoked in test/security/saml-refusal-reasons.test.ts, which finds every one's row the same way.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { addMember, createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { CookieJar, USER_PASSWORD, browserFetch, hiddenInput, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import { EVIL_ACS, authnRequest, base64, expectRefused, expectSignInRedirect, redirectQuery, sendPost, sendRedirect } from '../helpers/saml-attacks.ts';
import { expectError } from '../helpers/admin-plane.ts';
import { logoutRequest, signInForLogout, sloOf } from '../helpers/saml-logout.ts';

interface SignInBody {
  id: string;
  flow: string;
  outcome: 'success' | 'refused';
  reason: string | null;
  user_id: string | null;
  email: string | null;
  service: string | null;
  service_id: string | null;
  binding: string | null;
  authn_context: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  created_at: string;
}
type List = { sign_ins: SignInBody[]; total: number };

/** A sign-in form for a fresh SP-initiated request: its state and CSRF token, in `jar`. */
async function loginForm(world: SamlWorld, jar: CookieJar): Promise<{ state: string; csrf: string }> {
  const first = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
  expectSignInRedirect(first);
  const page = await browserFetch(jar, world.base + (first.headers.get('location') ?? ''));
  return { state: hiddenInput(page.text, 'state') ?? '', csrf: hiddenInput(page.text, 'csrf') ?? '' };
}

function submit(world: SamlWorld, jar: CookieJar, form: { state: string; csrf: string }, email: string, password: string): Promise<FetchResult> {
  return browserFetch(jar, `${world.base}/login`, {
    form: { ...form, email, password },
    headers: { origin: new URL(world.base).origin, 'user-agent': 'sign-in-test/2.0' },
  });
}

describe.each(databases())('sign-in activity on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  let admin: Admin;
  let list: (query: string) => Promise<List>;
  let disabledEmail: string;
  let disabledId: string;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    admin = world.admin;
    list = async (query) => {
      const res = await admin.client.get<List>(`/api/organizations/${world.org}/sign-ins?${query}`);
      expect(res.status, res.text).toBe(200);
      return res.body;
    };
    disabledEmail = uniqueEmail('disabled');
    const user = await admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, { email: disabledEmail, password: USER_PASSWORD });
    disabledId = user.body.user.id;
    expect((await admin.client.patch(`/api/organizations/${world.org}/users/${disabledId}`, { disabled: true })).status).toBe(200);
  });

  it.each([
    ['wrong_password', () => world.userEmail, 'not the password', () => world.userId],
    ['unknown_user', () => 'nobody-here@example.com', USER_PASSWORD, () => null],
    ['user_disabled', () => disabledEmail, USER_PASSWORD, () => disabledId],
  ])('a refused hosted sign-in: %s, with the user, service and request', async (reason, email, password, userId) => {
    const jar = new CookieJar();
    const res = await submit(world, jar, await loginForm(world, jar), email(), password);
    expect(res.status).toBe(401);
    const requestId = res.headers.get('x-request-id') ?? '';
    const { sign_ins: rows, total } = await list(`request_id=${encodeURIComponent(requestId)}`);
    expect(total).toBe(1);
    expect(rows[0]).toMatchObject({
      flow: 'login',
      outcome: 'refused',
      reason,
      email: email(),
      user_id: userId(),
      service: world.svc.slug,
      service_id: world.svc.id,
      user_agent: 'sign-in-test/2.0',
      request_id: requestId,
    });
    expect(rows[0]?.id).toMatch(/^sgn_/);
    expect(rows[0]?.ip).toBeTruthy();
  });

  it('a successful sign-in, then SSO on the session, each a success row with binding and context', async () => {
    const jar = new CookieJar();
    const page = await submit(world, jar, await loginForm(world, jar), world.userEmail, USER_PASSWORD);
    expect(page.status, page.text.slice(0, 300)).toBe(200);
    expect(page.text).toContain('SAMLResponse');
    const [login] = (await list(`request_id=${encodeURIComponent(page.headers.get('x-request-id') ?? '')}`)).sign_ins;
    expect(login).toMatchObject({ flow: 'login', outcome: 'success', reason: null, user_id: world.userId, email: world.userEmail, service: world.svc.slug });
    expect(login?.authn_context).toMatch(/PasswordProtectedTransport$/);

    const again = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
    expect(again.status).toBe(200);
    const [sso] = (await list(`request_id=${encodeURIComponent(again.headers.get('x-request-id') ?? '')}`)).sign_ins;
    expect(sso).toMatchObject({ flow: 'sso', outcome: 'success', binding: 'redirect', user_id: world.userId });

    const passive = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso, { attrs: ' IsPassive="true"' })), new CookieJar());
    expect(passive.status).toBe(200);
    const [noPassive] = (await list(`request_id=${encodeURIComponent(passive.headers.get('x-request-id') ?? '')}`)).sign_ins;
    expect(noPassive).toMatchObject({ flow: 'sso', outcome: 'refused', reason: 'no_passive', binding: 'redirect', user_id: null });
  });

  it('a Single Logout is a success row of flow slo, with its binding', async () => {
    const signedIn = await signInForLogout(srv, world);
    const slo = sloOf(world.urls.sso);
    const res = await sendPost(slo, { SAMLRequest: base64(logoutRequest(slo, signedIn)) }, signedIn.jar);
    expect(res.status, res.text.slice(0, 300)).toBeLessThan(400);
    const rows = (await list(`request_id=${encodeURIComponent(res.headers.get('x-request-id') ?? '')}`)).sign_ins;
    expect(rows).toEqual([expect.objectContaining({ flow: 'slo', outcome: 'success', reason: null, binding: 'post', service: world.svc.slug })]);
  });

  it('rate_limited: the attempt past the per-email limit is refused 429 and recorded', async () => {
    const email = uniqueEmail('hammered');
    const jar = new CookieJar();
    let form = await loginForm(world, jar);
    let res: FetchResult | undefined;
    for (let i = 0; i < 12 && res?.status !== 429; i++) {
      res = await submit(world, jar, form, email, 'wrong password');
      form = { state: form.state, csrf: hiddenInput(res.text, 'csrf') ?? form.csrf };
    }
    expect(res?.status).toBe(429);
    const rows = (await list(`request_id=${encodeURIComponent(res?.headers.get('x-request-id') ?? '')}`)).sign_ins;
    expect(rows).toEqual([expect.objectContaining({ outcome: 'refused', reason: 'rate_limited', email })]);
    expect((await list(`reason=unknown_user&limit=100`)).sign_ins.filter((r) => r.email === email).length).toBeGreaterThanOrEqual(9);
  });

  it("the reference on an error page finds the refusal's row", async () => {
    const page = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso, { acs: EVIL_ACS })));
    expectRefused(page);
    const reference = /Reference: ([^<\s]+)/.exec(page.text)?.[1] ?? '';
    expect(reference).toBe(page.headers.get('x-request-id'));
    const rows = (await list(`request_id=${encodeURIComponent(reference)}`)).sign_ins;
    expect(rows).toEqual([expect.objectContaining({ flow: 'sso', outcome: 'refused', reason: 'acs_mismatch', service: world.svc.slug, binding: 'redirect' })]);
  });

  it('a request for an organization that does not exist is logged and counted, but in no activity', async () => {
    const before = await srv.deps.db.signIn.count();
    const page = await sendRedirect(`${srv.url}/saml/no-such-org-here/no-such-svc/sso`, redirectQuery(authnRequest(world.urls.sso)));
    expectRefused(page, 404);
    expect(await srv.deps.db.signIn.count()).toBe(before);
    const reqId = page.headers.get('x-request-id') ?? '';
    const line = srv.logs
      .map((l) => JSON.parse(l) as { reqId?: string; msg: string; reason?: string; level: number })
      .find((l) => l.reqId === reqId && l.msg === 'SAML request refused');
    expect(line).toMatchObject({ reason: 'unknown_service', level: 40 });
    // An unknown service of a real organization is that organization's, with no service.
    const mine = await sendRedirect(`${srv.url}/saml/${world.org}/no-such-svc/sso`, redirectQuery(authnRequest(world.urls.sso)));
    const rows = (await list(`request_id=${encodeURIComponent(mine.headers.get('x-request-id') ?? '')}`)).sign_ins;
    expect(rows).toEqual([expect.objectContaining({ reason: 'unknown_service', service: null, service_id: null })]);
  });

  it('filters: outcome, reason, user, service by slug or id, time window; newest first', async () => {
    const all = await list('limit=100');
    expect(all.total).toBeGreaterThan(5);
    const times = all.sign_ins.map((r) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await list('outcome=success')).sign_ins.every((r) => r.outcome === 'success')).toBe(true);
    expect((await list('reason=wrong_password')).sign_ins.every((r) => r.reason === 'wrong_password')).toBe(true);
    const mine = await list(`user_id=${world.userId}&limit=100`);
    expect(mine.total).toBeGreaterThanOrEqual(3);
    expect(mine.sign_ins.every((r) => r.user_id === world.userId)).toBe(true);
    expect((await list(`service=${world.svc.slug}`)).total).toBe((await list(`service=${world.svc.id}`)).total);
    expect((await list('service=not-a-service')).total).toBe(0);
    expect((await list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).total).toBe(0);
    expect((await list(`until=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)).total).toBe(0);
    const page = await list('limit=2&offset=1');
    expect(page.sign_ins.map((r) => r.id)).toEqual(all.sign_ins.slice(1, 3).map((r) => r.id));
  });

  it('totals from the day counters equal the rows written by real sign-ins (SSO group commit, refusals, hosted page)', async () => {
    const since = new Date(Date.now() - 3_600_000);
    const orgId = (await srv.deps.db.service.findUniqueOrThrow({ where: { id: world.svc.id } })).organizationId;
    for (const [query, where] of [
      ['', {}],
      ['outcome=success', { outcome: 'success' }],
      ['outcome=refused', { outcome: 'refused' }],
      [`service=${world.svc.slug}`, { serviceId: world.svc.id }],
      [
        `since=${encodeURIComponent(since.toISOString())}&outcome=success&service=${world.svc.id}`,
        { outcome: 'success', serviceId: world.svc.id, createdAt: { gte: since } },
      ],
    ] as const) {
      const rows = await srv.deps.db.signIn.count({ where: { organizationId: orgId, ...where } });
      expect((await list(query)).total, query).toBe(rows);
      if (query === 'outcome=success') expect(rows).toBeGreaterThan(0);
    }
  });

  it.each([
    ['outcome=maybe', 'outcome'],
    ['reason=not_a_code', 'reason'],
    ['since=yesterday', 'since'],
    [`since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`, 'since'],
    ['colour=blue', 'colour'],
    ['limit=0', 'limit'],
    ['user_id=', 'user_id'],
  ])('a bad filter (%s) is 400 with details', async (query, field) => {
    const res = await admin.client.get(`/api/organizations/${world.org}/sign-ins?${query}`);
    const body = expectError(res, 400, 'BAD_REQUEST');
    expect(body.details?.map((d) => d.field)).toContain(field);
  });

  it("only the organization's admins read it: another organization's admin gets 404, a member 403", async () => {
    const stranger = await registerAdmin(srv.url, 'stranger');
    await createOrg(stranger);
    const member = await addMember(admin, world.org, 'member', srv.url);
    for (const path of ['sign-ins', 'audit-events']) {
      expectError(await stranger.client.get(`/api/organizations/${world.org}/${path}`), 404, 'NOT_FOUND');
      expectError(await member.client.get(`/api/organizations/${world.org}/${path}`), 403, 'FORBIDDEN');
    }
  });
});
