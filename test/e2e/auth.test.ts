// /api/auth through real HTTP on every test database (docs/api.md, Admin accounts; docs/security.md, attack 35).
import argon2 from 'argon2';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { PASSWORD, registerAdmin } from '../helpers/fixtures.ts';
import { tick } from '../helpers/admin-plane.ts';

type Tokens = { access_token: string; refresh_token: string; token_type: string; expires_in: number };

describe.each(databases())('admin auth on $name', (factory) => {
  const srv = suiteServer(factory);
  let anon: Client;
  beforeAll(() => {
    anon = new Client(srv.url);
  });

  it('registers, answers 201 with the account and a token pair, and lower-cases the email', async () => {
    const email = uniqueEmail('Reg').replace('reg', 'REG');
    const res = await anon.post<Tokens & { account: { email: string; id: string } }>('/api/auth/register', { email, password: PASSWORD, name: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body.account.email).toBe(email.toLowerCase());
    expect(res.body.account.id).toMatch(/^acct_/);
    expect(res.body.token_type).toBe('Bearer');
    expect(res.body.expires_in).toBe(900);
    const again = await anon.post('/api/auth/register', { email: email.toLowerCase(), password: PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.error_code).toBe('CONFLICT');
  });

  it('rejects short passwords, bad emails and unknown fields with details', async () => {
    const short = await anon.post('/api/auth/register', { email: uniqueEmail(), password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.details).toEqual([expect.objectContaining({ field: 'password' })]);
    const bad = await anon.post('/api/auth/register', { email: 'not-an-email', password: PASSWORD });
    expect(bad.status).toBe(400);
    const extra = await anon.post('/api/auth/register', { email: uniqueEmail(), password: PASSWORD, role: 'owner' });
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.body.details)).toContain('role');
  });

  it('logs in with one message for unknown email and wrong password', async () => {
    const admin = await registerAdmin(srv.url);
    const ok = await anon.post<Tokens>('/api/auth/login', { email: admin.email.toUpperCase(), password: PASSWORD });
    expect(ok.status).toBe(200);
    expect(ok.body.access_token).toBeTruthy();
    const wrong = await anon.post('/api/auth/login', { email: admin.email, password: 'wrong password!!' });
    const unknown = await anon.post('/api/auth/login', { email: uniqueEmail('nobody'), password: 'wrong password!!' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toBe(unknown.body.error);
  });

  it('GET /me needs a bearer token and lists organizations with roles', async () => {
    expect((await anon.get('/api/auth/me')).status).toBe(401);
    expect((await anon.get('/api/auth/me', { authorization: 'Bearer not.a.jwt.token' })).status).toBe(401);
    const admin = await registerAdmin(srv.url);
    await admin.client.post('/api/organizations', { slug: `me-${Date.now().toString(36)}`, name: 'Mine' });
    const me = await admin.client.get<{ account: { email: string }; organizations: { slug: string; role: string }[] }>('/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.account.email).toBe(admin.email);
    expect(me.body.organizations).toEqual([expect.objectContaining({ role: 'owner' })]);
  });

  it('a hash made at another argon2 cost is upgraded to the configured one at the next sign-in; a wrong password changes nothing', async () => {
    const admin = await registerAdmin(srv.url);
    // As if made before TESSERA_ARGON2 was lowered to the suite's cost: the library's default cost.
    const older = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 });
    await srv.deps.db.account.update({ where: { email: admin.email }, data: { passwordHash: older } });
    const stored = async () => (await srv.deps.db.account.findUniqueOrThrow({ where: { email: admin.email } })).passwordHash;
    const anon = new Client(srv.url);
    expect((await anon.post('/api/auth/login', { email: admin.email, password: `${PASSWORD}!` })).status).toBe(401);
    await tick(200);
    expect(await stored()).toBe(older);
    expect((await anon.post('/api/auth/login', { email: admin.email, password: PASSWORD })).status).toBe(200);
    let now = older;
    for (let i = 0; i < 50 && now === older; i++) {
      await tick(100);
      now = await stored();
    }
    expect(now).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect((await anon.post('/api/auth/login', { email: admin.email, password: PASSWORD })).status).toBe(200);
  });

  it('rotates refresh tokens; reusing a spent one revokes the session (docs/security.md attack 35)', async () => {
    const admin = await registerAdmin(srv.url);
    const first = await anon.post<Tokens>('/api/auth/refresh', { refresh_token: admin.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(admin.refreshToken);
    const reuse = await anon.post('/api/auth/refresh', { refresh_token: admin.refreshToken });
    expect(reuse.status).toBe(401);
    // The whole session is gone: the newest refresh token and the access tokens stop working.
    expect((await anon.post('/api/auth/refresh', { refresh_token: first.body.refresh_token })).status).toBe(401);
    expect((await new Client(srv.url).bearer(first.body.access_token).get('/api/auth/me')).status).toBe(401);
    expect((await admin.client.get('/api/auth/me')).status).toBe(401);
  });

  it('logout kills the access token at once (docs/security.md attack 35)', async () => {
    const admin = await registerAdmin(srv.url);
    expect((await admin.client.get('/api/auth/me')).status).toBe(200);
    const out = await anon.post('/api/auth/logout', { refresh_token: admin.refreshToken });
    expect(out.status).toBe(204);
    expect((await admin.client.get('/api/auth/me')).status).toBe(401);
    expect((await anon.post('/api/auth/refresh', { refresh_token: admin.refreshToken })).status).toBe(401);
  });

  it('rate-limits login per email (429 with Retry-After)', async () => {
    const admin = await registerAdmin(srv.url);
    let last = 0;
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const r = await anon.post('/api/auth/login', { email: admin.email, password: 'wrong password!!' });
      last = r.status;
      retryAfter = r.headers.get('retry-after');
    }
    expect(last).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});

describe('closed registration', () => {
  it('answers 403 when TESSERA_REGISTRATION=closed', async () => {
    const [factory] = databases();
    if (!factory) throw new Error('no database');
    const srv = await startTestServer(factory, { TESSERA_REGISTRATION: 'closed' });
    try {
      const res = await new Client(srv.url).post('/api/auth/register', { email: uniqueEmail(), password: PASSWORD });
      expect(res.status).toBe(403);
      expect(res.body.error_code).toBe('FORBIDDEN');
    } finally {
      await srv.stop();
    }
  });
});
