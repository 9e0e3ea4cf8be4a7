// Two Tessera processes behind an imaginary load balancer: one PostgreSQL schema, one Redis, one
// PUBLIC_URL. Whatever one instance learns, the other must act on at once (issue 7; docs/security.md, attacks 14, 25, 33),
// including a second factor enrolled while a password-only session is cached elsewhere (mfa/presence.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases, type TestDatabase } from '../helpers/databases.ts';
import { startProcessServer, type ProcessServer } from '../helpers/process-server.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { createKey, createOrg, createPlan, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { CookieJar, USER_PASSWORD, browserFetch, configureSaml, hiddenInput, samlResponseFrom } from '../helpers/saml.ts';
import { authnRequest, redirectQuery } from '../helpers/saml-attacks.ts';
import { parseXml, verifiesWith } from '../helpers/saml-xml.ts';
import { setupKey, totpCode } from '../helpers/mfa.ts';

const pgFactory = databases().find((d) => d.name === 'postgresql');
const redisUrl = process.env.TEST_REDIS_URL;
const PUBLIC = 'http://idp.cluster.test';

describe.runIf(pgFactory && redisUrl)('two instances on one PostgreSQL and one Redis', () => {
  let db: TestDatabase;
  let a: ProcessServer;
  let b: ProcessServer;
  let admin: Admin;
  let org: string;
  let svc: string;
  let email: string;
  const onA = (path: string) => a.url + path;
  const onB = (path: string) => b.url + path;
  const ssoPath = () => `/saml/${org}/${svc}/sso`;

  const defer = deferredCleanups();

  beforeAll(async () => {
    if (!pgFactory || !redisUrl) return;
    db = await pgFactory.create();
    defer(() => db.drop());
    // Started together: the migration runner's advisory lock must let exactly one migrate.
    [a, b] = await Promise.all([
      startProcessServer({ DATABASE_URL: db.url, REDIS_URL: redisUrl, PUBLIC_URL: PUBLIC }),
      startProcessServer({ DATABASE_URL: db.url, REDIS_URL: redisUrl, PUBLIC_URL: PUBLIC }),
    ]);
    defer(() => Promise.all([a.stop(), b.stop()]));
    admin = await registerAdmin(a.url);
    org = await createOrg(admin);
    svc = (await createService(admin, org)).slug;
    email = uniqueEmail('cluster');
    expect((await admin.client.post(`/api/organizations/${org}/users`, { email, password: USER_PASSWORD })).status).toBe(201);
    await configureSaml(admin, org, svc);
  }, 90_000);

  it('a key deleted on instance 1 is refused by instance 2 on its next request', async () => {
    const key = await createKey(admin, org, svc, ['read:service']);
    expect((await new Client(b.url).apiKey(key.key).get('/api/service/info')).status).toBe(200); // warm B's cache
    expect((await admin.client.delete(`/api/organizations/${org}/services/${svc}/api-keys/${key.id}`)).status).toBe(204);
    expect((await new Client(b.url).apiKey(key.key).get('/api/service/info')).status).toBe(401);
  });

  it('rate limits are shared: 100 reads per minute in total, not per instance', async () => {
    const key = await createKey(admin, org, svc, ['read:service']);
    const statuses: number[] = [];
    for (let i = 0; i < 101; i++) statuses.push((await new Client(i % 2 ? b.url : a.url).apiKey(key.key).get('/api/service/info')).status);
    expect(statuses.slice(0, 100).every((s) => s === 200)).toBe(true);
    expect(statuses[100]).toBe(429);
  });

  it('an AuthnRequest replayed to the other instance is refused', async () => {
    const query = redirectQuery(authnRequest(PUBLIC + ssoPath()));
    expect((await browserFetch(new CookieJar(), `${onA(ssoPath())}?${query}`)).status).toBe(302);
    expect((await browserFetch(new CookieJar(), `${onB(ssoPath())}?${query}`)).status).toBe(400);
  });

  it('a sign-in started on instance 1 finishes on instance 2, and the session then works on instance 1', async () => {
    const jar = new CookieJar();
    const first = await browserFetch(jar, `${onA(ssoPath())}?${redirectQuery(authnRequest(PUBLIC + ssoPath()), 'cluster')}`);
    expect(first.status).toBe(302);
    const login = await browserFetch(jar, onB(first.headers.get('location') ?? ''));
    expect(login.status).toBe(200);
    const done = await browserFetch(jar, onB('/login'), {
      form: { state: hiddenInput(login.text, 'state') ?? '', csrf: hiddenInput(login.text, 'csrf') ?? '', email, password: USER_PASSWORD },
      headers: { origin: PUBLIC },
    });
    expect(samlResponseFrom(done).xml).toContain(email);
    // The IdP session (cookie) created by B is honoured by A: no sign-in page this time.
    const again = await browserFetch(jar, `${onA(ssoPath())}?${redirectQuery(authnRequest(PUBLIC + ssoPath()))}`);
    expect(again.status).toBe(200);
    expect(samlResponseFrom(again).xml).toContain(email);
  });

  it('a second factor enrolled on instance 1 steps up, on instance 2, a session that passed only the password', async () => {
    const who = uniqueEmail('cluster-mfa');
    expect((await admin.client.post(`/api/organizations/${org}/users`, { email: who, password: USER_PASSWORD })).status).toBe(201);
    const sso = () => `${onB(ssoPath())}?${redirectQuery(authnRequest(PUBLIC + ssoPath()))}`;
    const jar = new CookieJar();
    const first = await browserFetch(jar, sso());
    const login = await browserFetch(jar, onB(first.headers.get('location') ?? ''));
    const signedIn = await browserFetch(jar, onB('/login'), {
      form: { state: hiddenInput(login.text, 'state') ?? '', csrf: hiddenInput(login.text, 'csrf') ?? '', email: who, password: USER_PASSWORD },
      headers: { origin: PUBLIC },
    });
    expect(samlResponseFrom(signedIn).xml).toContain(who);
    expect((await browserFetch(jar, sso())).status).toBe(200); // B now holds "no second factor" for the user
    const other = new CookieJar();
    const form = await browserFetch(other, onA(`/account?org=${org}`));
    const csrf = hiddenInput(form.text, 'csrf') ?? '';
    const postA = (path: string, fields: Record<string, string>) =>
      browserFetch(other, onA(path), { form: { csrf, org, ...fields }, headers: { origin: PUBLIC } });
    expect((await postA('/account/login', { email: who, password: USER_PASSWORD })).status).toBe(302);
    const start = await postA('/account/totp/start', {});
    const code = await totpCode(setupKey(start.text));
    expect((await postA('/account/totp/confirm', { token: hiddenInput(start.text, 'token') ?? '', code })).status).toBe(200);
    const stepUp = await browserFetch(jar, sso());
    expect(stepUp.status).toBe(302);
    expect(stepUp.headers.get('location')).toMatch(/^\/login\/factor\?state=/);
  });

  it('concurrent POST /api/service/users with one email on both instances creates exactly one user', async () => {
    const key = await createKey(admin, org, svc, ['write:users', 'read:users']);
    const target = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => new Client(i % 2 ? b.url : a.url).apiKey(key.key).post<{ id: string }>('/api/service/users', { email: target })),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it('concurrent subscription creation on both instances creates exactly one', async () => {
    const key = await createKey(admin, org, svc, ['write:users', 'write:subscriptions', 'read:subscriptions']);
    const planId = await createPlan(admin, org, svc, `Cluster ${Date.now()}`);
    const user = await new Client(a.url).apiKey(key.key).post<{ id: string }>('/api/service/users', { email: uniqueEmail('sub-race') });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        new Client(i % 2 ? b.url : a.url).apiKey(key.key).post('/api/service/subscriptions', { user_id: user.body.id, plan_id: planId }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it('a certificate rotated on instance 1 signs on instance 2 from its next Response', async () => {
    const samlApi = `/api/organizations/${org}/services/${svc}/saml`;
    const oldCert = (await admin.client.get<{ public_key: string }>(`${samlApi}/certificate`)).body.public_key;
    const jar = new CookieJar();
    const first = await browserFetch(jar, `${onA(ssoPath())}?${redirectQuery(authnRequest(PUBLIC + ssoPath()))}`);
    const login = await browserFetch(jar, onA(first.headers.get('location') ?? ''));
    await browserFetch(jar, onA('/login'), {
      form: { state: hiddenInput(login.text, 'state') ?? '', csrf: hiddenInput(login.text, 'csrf') ?? '', email, password: USER_PASSWORD },
      headers: { origin: PUBLIC },
    });
    const signedBy = async () => {
      const page = await browserFetch(jar, `${onB(ssoPath())}?${redirectQuery(authnRequest(PUBLIC + ssoPath()))}`);
      const { xml } = samlResponseFrom(page);
      const root = parseXml(xml).documentElement as Element;
      return { old: verifiesWith(xml, root, oldCert), xml, root };
    };
    expect((await signedBy()).old).toBe(true); // B now holds the service and its key in its directory
    const rotated = await admin.client.post<{ public_key: string }>(`${samlApi}/certificate`);
    expect(rotated.status).toBe(201);
    const next = await signedBy();
    expect(next.old).toBe(false);
    expect(verifiesWith(next.xml, next.root, rotated.body.public_key)).toBe(true);

    expect((await admin.client.delete(samlApi)).status).toBe(200);
    expect((await browserFetch(jar, `${onB(ssoPath())}?${redirectQuery(authnRequest(PUBLIC + ssoPath()))}`)).status).toBe(404);
    await configureSaml(admin, org, svc);
  });
});
