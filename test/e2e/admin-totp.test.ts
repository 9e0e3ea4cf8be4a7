// TOTP for admin accounts through real HTTP on every test database (CONTRACT §15; docs/api.md, "Admin
// accounts: TOTP"): enrollment, the two-step sign-in, single use of codes and of the mfa_token, the
// lockout, disabling with password and code, and accounts without TOTP signing in as before.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, type Res } from '../helpers/http.ts';
import { PASSWORD, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { enableTotp, startTotp, type Enrollment } from '../helpers/admin-totp.ts';
import { totpCode } from '../helpers/mfa.ts';

interface Tokens {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
}
interface MfaRequired {
  error_code: string;
  mfa_required?: boolean;
  mfa_token: string;
  mfa_methods: string[];
  mfa_token_expires_in: number;
}
type Me = { mfa: { totp: boolean } };

describe.each(databases())('admin account TOTP on $name', (factory) => {
  const srv = suiteServer(factory);
  let anon: Client;
  beforeAll(() => {
    anon = new Client(srv.url);
  });

  const login = (a: Admin, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    anon.post<MfaRequired & Tokens>('/api/auth/login', { email: a.email, password: PASSWORD, ...extra }, headers);
  const second = (mfa_token: string, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    anon.post<Tokens & { error?: string }>('/api/auth/login/totp', { mfa_token, code, ...extra }, headers);
  const disable = (a: Admin, body: Record<string, unknown>) => a.client.request('DELETE', '/api/auth/mfa/totp', body);
  const mfaToken = (res: Res<MfaRequired & Tokens>): string => {
    expect(res.status, res.text).toBe(401);
    expect(res.body).toMatchObject({ error_code: 'UNAUTHORIZED', mfa_required: true, mfa_methods: ['totp'], mfa_token_expires_in: 300 });
    expect(res.body.access_token).toBeUndefined();
    return res.body.mfa_token;
  };

  it('enables TOTP: the secret is not active until confirmed; then sign-in needs a code, once each, and disabling needs password and code', async () => {
    const a = await registerAdmin(srv.url, 'totp');
    expect((await a.client.get<Me>('/api/auth/me')).body.mfa).toEqual({ totp: false });
    // Starting needs the current password; the pending secret changes nothing yet.
    const noPassword = await a.client.post('/api/auth/mfa/totp', { password: 'not the password' });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.details).toEqual([{ field: 'password', message: 'Wrong password' }]);
    const started = await a.client.post<Enrollment>('/api/auth/mfa/totp', { password: PASSWORD });
    expect(started.status).toBe(200);
    expect(started.body.otpauth_uri).toMatch(new RegExp(`^otpauth://totp/.*secret=${started.body.secret}`));
    expect((await login(a)).status).toBe(200);
    expect((await a.client.post('/api/auth/mfa/totp/confirm', { code: '000000' })).body.details).toEqual([expect.objectContaining({ field: 'code' })]);
    const clock = await startTotp(a); // a new start replaces the pending secret
    const confirmed = await a.client.post('/api/auth/mfa/totp/confirm', { code: await clock.next() });
    expect(confirmed.status, confirmed.text).toBe(200);
    expect(confirmed.body).toMatchObject({ mfa: { totp: true } });
    expect((await a.client.get<Me>('/api/auth/me')).body.mfa).toEqual({ totp: true });
    expect((await a.client.post('/api/auth/mfa/totp', { password: PASSWORD })).status).toBe(409);
    const stored = await srv.deps.db.accountTotp.findUniqueOrThrow({ where: { accountId: a.accountId } });
    expect(stored.secretSealed).not.toContain(clock.secret); // sealed at rest

    // The password alone gives no tokens; a wrong code is refused and leaves the handle usable.
    const token = mfaToken(await login(a));
    expect((await second(token, '000000')).status).toBe(401);
    const code = await clock.next();
    const ok = await second(token, code);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect((await new Client(srv.url).bearer(ok.body.access_token).get('/api/auth/me')).status).toBe(200);
    // The handle is spent, and the same code is refused on a fresh handle.
    expect((await second(token, await totpCode(clock.secret))).body.error).toMatch(/mfa_token/);
    const replay = await second(mfaToken(await login(a)), code);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toMatch(/code/);
    // An expired handle is refused even with a right code.
    const late = mfaToken(await login(a));
    await srv.deps.db.accountMfaToken.updateMany({ where: { accountId: a.accountId, consumedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await second(late, '123456')).body.error).toMatch(/mfa_token/);

    // Disabling: the password and a fresh code, each checked.
    expect((await disable(a, { password: PASSWORD })).status).toBe(400);
    const wrongPassword = await disable(a, { password: 'not the password', code: '123456' });
    expect(wrongPassword.body.details).toEqual([{ field: 'password', message: 'Wrong password' }]);
    const wrongCode = await disable(a, { password: PASSWORD, code });
    expect(wrongCode.body.details).toEqual([expect.objectContaining({ field: 'code' })]);
    const off = await disable(a, { password: PASSWORD, code: await clock.next() });
    expect(off.status, off.text).toBe(204);
    expect((await a.client.get<Me>('/api/auth/me')).body.mfa).toEqual({ totp: false });
    expect((await login(a)).status).toBe(200);
    expect((await disable(a, { password: PASSWORD, code: '123456' })).status).toBe(409);
  });

  it('accepts a code once when two sign-ins race with it, and locks the step after 10 wrong codes', async () => {
    const a = await registerAdmin(srv.url, 'totp-lock');
    const clock = await enableTotp(a);
    const code = await clock.next();
    const [one, two] = await Promise.all([second(mfaToken(await login(a)), code), second(mfaToken(await login(a)), code)]);
    expect([one.status, two.status].sort()).toEqual([200, 401]);

    // The race's loser was the first wrong code: nine more make ten within 15 minutes.
    const token = mfaToken(await login(a));
    for (let i = 0; i < 9; i++) expect((await second(token, String(100000 + i))).status).toBe(401);
    const locked = await second(token, await clock.next());
    expect(locked.status, locked.text).toBe(429);
    expect(locked.body.error).toMatch(/Too many wrong codes/);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
    expect((await disable(a, { password: PASSWORD, code: '123456' })).status).toBe(429);
  });

  it('keeps the sign-in of accounts without TOTP as it was, and gives the cookie of a refresh_cookie sign-in after the code', async () => {
    const plain = await registerAdmin(srv.url, 'no-totp');
    const res = await login(plain);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect((await second('mfat_unknown', '123456')).status).toBe(401);

    const a = await registerAdmin(srv.url, 'totp-cookie');
    const clock = await enableTotp(a);
    const own = { origin: new URL(srv.deps.config.publicUrl).origin };
    const token = mfaToken(await login(a, { refresh_cookie: true }, own));
    expect((await second(token, await clock.next(), { refresh_cookie: true }, { origin: 'https://evil.example' })).status).toBe(403);
    const ok = await second(token, await clock.next(), { refresh_cookie: true }, own);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.refresh_token).toBeUndefined();
    expect(ok.headers.getSetCookie().some((c) => c.startsWith('tessera_refresh=rt_') && c.includes('HttpOnly'))).toBe(true);
  });
});
