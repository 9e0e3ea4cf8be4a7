// The organization's user directory and the hosted /password page (docs/api.md, Organization user directory).
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { PASSWORD, createOrg, createTeam, type Admin } from '../helpers/fixtures.ts';
import { RFC3339_UTC, expectError, expectStatus, tick } from '../helpers/admin-plane.ts';

interface DirectoryUser {
  id: string;
  email: string;
  disabled: boolean;
  has_password?: boolean;
  created_at: string;
  updated_at?: string;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function expectHostedPageHeaders(res: Res<unknown>): void {
  expect(res.headers.get('content-type') ?? '').toMatch(/^text\/html/);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy') ?? '').toContain("frame-ancestors 'none'");
  expect(res.headers.get('cache-control') ?? '').toContain('no-store');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
}

describe.each(databases())('user directory on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  let admin: Admin;
  let member: Admin;
  let org: string;
  let anon: Client;
  const usersPath = (rest = '') => `/api/organizations/${org}/users${rest}`;
  const createUser = async (email = uniqueEmail('dir'), extra: Record<string, unknown> = {}): Promise<DirectoryUser> => {
    const res = await admin.client.post<{ user: DirectoryUser }>(usersPath(), { email, ...extra });
    expectStatus(res, 201);
    return res.body.user;
  };
  /** The password link's path and query, requested against this test server. */
  const linkPath = (url: string) => {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  };

  beforeAll(async () => {
    anon = new Client(srv.url);
    ({ owner, org, admin, member } = await createTeam(srv.url));
  });

  it('creates a user (201 {user}) with a lower-cased email and lists it', async () => {
    const email = uniqueEmail('Created').replace('created', 'CrEaTeD');
    const res = await admin.client.post<{ user: DirectoryUser }>(usersPath(), { email });
    expectStatus(res, 201);
    const u = res.body.user;
    expect(u.id).toMatch(/^usr_[A-Za-z0-9_-]+$/);
    expect(u.email).toBe(email.toLowerCase());
    expect(u.disabled).toBe(false);
    expect(u.has_password).toBe(false);
    expect(u.created_at).toMatch(RFC3339_UTC);
    expect(res.text).not.toMatch(/password_hash|passwordHash|argon2/);
    const withPassword = await admin.client.post<{ user: DirectoryUser }>(usersPath(), { email: uniqueEmail('pw'), password: PASSWORD });
    expectStatus(withPassword, 201);
    expect(withPassword.body.user.has_password).toBe(true);
    expect(withPassword.text).not.toContain(PASSWORD);
  });

  it('answers 409 for an email that exists in the organization, case-insensitively', async () => {
    const email = uniqueEmail('dup');
    await createUser(email);
    expectError(await admin.client.post(usersPath(), { email }), 409, 'CONFLICT');
    expectError(await admin.client.post(usersPath(), { email: email.toUpperCase() }), 409, 'CONFLICT');
    expectError(await admin.client.post(usersPath(), { email: `  ${email}  ` }), 409, 'CONFLICT');
    // The same email in another organization is fine.
    const other = await createOrg(owner);
    expectStatus(await owner.client.post(`/api/organizations/${other}/users`, { email }), 201);
  });

  it('validates the create body', async () => {
    expectError(await admin.client.post(usersPath(), { email: 'nope' }), 400, 'BAD_REQUEST');
    expectError(await admin.client.post(usersPath(), {}), 400, 'BAD_REQUEST');
    expectError(await admin.client.post(usersPath(), { email: uniqueEmail(), password: 'short' }), 400, 'BAD_REQUEST');
    expectError(await admin.client.post(usersPath(), { email: uniqueEmail(), disabled: true, extra: 1 }), 400, 'BAD_REQUEST');
  });

  it('lists users in creation order with total, pagination and the ?email= filter', async () => {
    const o = await createOrg(owner);
    const p = (q = '') => `/api/organizations/${o}/users${q}`;
    const emails = [uniqueEmail('zz'), uniqueEmail('aa'), uniqueEmail('mm')];
    const ids: string[] = [];
    for (const email of emails) {
      const r = await owner.client.post<{ user: DirectoryUser }>(p(), { email });
      ids.push(r.body.user.id);
      await tick();
    }
    const all = await owner.client.get<{ users: DirectoryUser[]; total: number }>(p());
    expectStatus(all, 200);
    expect(all.body.total).toBe(3);
    expect(all.body.users.map((u) => u.id)).toEqual(ids);
    const page = await owner.client.get<{ users: DirectoryUser[]; total: number }>(p('?limit=2&offset=1'));
    expect(page.body.users.map((u) => u.id)).toEqual(ids.slice(1));
    expect(page.body.total).toBe(3);
    const filtered = await owner.client.get<{ users: DirectoryUser[]; total: number }>(p(`?email=${encodeURIComponent(emails[1]?.toUpperCase() ?? '')}`));
    expectStatus(filtered, 200);
    expect(filtered.body.users.map((u) => u.id)).toEqual([ids[1]]);
    expect(filtered.body.total).toBe(1);
    const none = await owner.client.get<{ users: DirectoryUser[]; total: number }>(p('?email=nobody%40example.com'));
    expect(none.body).toEqual({ users: [], total: 0 });
    expectError(await owner.client.get(p('?limit=0')), 400, 'BAD_REQUEST');
    expectError(await owner.client.get(p('?role=admin')), 400, 'BAD_REQUEST');
    expect(expectError(await owner.client.get(p('?email=')), 400, 'BAD_REQUEST').details?.map((d) => d.field)).toEqual(['email']);
  });

  it('members may read the directory but not write it (403)', async () => {
    const u = await createUser();
    expectStatus(await member.client.get(usersPath()), 200);
    const one = await member.client.get<{ user: DirectoryUser }>(usersPath(`/${u.id}`));
    expectStatus(one, 200);
    expect(one.body.user.email).toBe(u.email);
    expectError(await member.client.post(usersPath(), { email: uniqueEmail() }), 403, 'FORBIDDEN');
    expectError(await member.client.patch(usersPath(`/${u.id}`), { disabled: true }), 403, 'FORBIDDEN');
    expectError(await member.client.delete(usersPath(`/${u.id}`)), 403, 'FORBIDDEN');
    expectError(await member.client.post(usersPath(`/${u.id}/password-link`)), 403, 'FORBIDDEN');
  });

  it('GET one; PATCH email and disabled; DELETE (204, then 404)', async () => {
    const u = await createUser();
    const got = await admin.client.get<{ user: DirectoryUser }>(usersPath(`/${u.id}`));
    expectStatus(got, 200);
    expect(got.body.user).toEqual(expect.objectContaining({ id: u.id, email: u.email, disabled: false }));

    const newEmail = uniqueEmail('Renamed');
    const patched = await admin.client.patch<{ user: DirectoryUser }>(usersPath(`/${u.id}`), { email: newEmail.toUpperCase() });
    expectStatus(patched, 200);
    expect(patched.body.user.email).toBe(newEmail.toLowerCase());
    const disabled = await admin.client.patch<{ user: DirectoryUser }>(usersPath(`/${u.id}`), { disabled: true });
    expectStatus(disabled, 200);
    expect(disabled.body.user).toEqual(expect.objectContaining({ disabled: true, email: newEmail.toLowerCase() }));
    const reread = await admin.client.get<{ user: DirectoryUser }>(usersPath(`/${u.id}`));
    expect(reread.body.user.disabled).toBe(true);
    const enabled = await admin.client.patch<{ user: DirectoryUser }>(usersPath(`/${u.id}`), { disabled: false });
    expect(enabled.body.user.disabled).toBe(false);

    expectError(await admin.client.patch(usersPath(`/${u.id}`), { disabled: 'yes' }), 400, 'BAD_REQUEST');
    expectError(await admin.client.patch(usersPath(`/${u.id}`), { email: 'bad' }), 400, 'BAD_REQUEST');
    expectError(await admin.client.patch(usersPath(`/${u.id}`), { password: PASSWORD }), 400, 'BAD_REQUEST');
    // Changing to an email another user has: 409.
    const other = await createUser();
    expectError(await admin.client.patch(usersPath(`/${u.id}`), { email: other.email.toUpperCase() }), 409, 'CONFLICT');

    const del = await admin.client.delete(usersPath(`/${u.id}`));
    expectStatus(del, 204);
    expect(del.text).toBe('');
    expectError(await admin.client.get(usersPath(`/${u.id}`)), 404, 'NOT_FOUND');
    expectError(await admin.client.delete(usersPath(`/${u.id}`)), 404, 'NOT_FOUND');
    expectError(await admin.client.patch(usersPath(`/${u.id}`), { disabled: true }), 404, 'NOT_FOUND');
  });

  it('unknown and malformed user ids are 404', async () => {
    expectError(await admin.client.get(usersPath('/usr_doesnotexist0000000000')), 404, 'NOT_FOUND');
    expectError(await admin.client.get(usersPath('/not-an-id')), 404, 'NOT_FOUND');
    expectError(await admin.client.post(usersPath('/usr_doesnotexist0000000000/password-link')), 404, 'NOT_FOUND');
  });

  it('password-link → 201 {url, expires_at}; the hosted page sets the password once', async () => {
    const u = await createUser();
    const res = await admin.client.post<{ url: string; expires_at: string }>(usersPath(`/${u.id}/password-link`));
    expectStatus(res, 201);
    expect(res.body.expires_at).toMatch(RFC3339_UTC);
    const hours = (Date.parse(res.body.expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24.01);
    const url = new URL(res.body.url);
    expect(url.pathname).toBe('/password');
    const token = url.searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThanOrEqual(32);

    const page = await anon.get(linkPath(res.body.url));
    expectStatus(page, 200);
    expectHostedPageHeaders(page);
    expect(page.text).toMatch(/<form[^>]+method="post"/i);
    expect(page.text).toContain('name="password"');
    expect(page.text).toContain('name="confirm"');
    expect(page.text).toContain(u.email);

    const newPassword = 'a brand new password 42';
    const set = await anon.post('/password', form({ token, password: newPassword, confirm: newPassword }), FORM);
    expectStatus(set, 200);
    expectHostedPageHeaders(set);
    expect(set.text).not.toContain(newPassword);
    const after = await admin.client.get<{ user: DirectoryUser }>(usersPath(`/${u.id}`));
    expect(after.body.user.has_password).toBe(true);

    // Single use: both the form and the submission now refuse the token.
    const again = await anon.post('/password', form({ token, password: 'another password 123', confirm: 'another password 123' }), FORM);
    expectStatus(again, 400);
    expectHostedPageHeaders(again);
    expectStatus(await anon.get(linkPath(res.body.url)), 400);
  });

  it('the hosted page refuses a mismatched confirmation, a short password and unknown tokens (400)', async () => {
    const u = await createUser();
    const res = await admin.client.post<{ url: string }>(usersPath(`/${u.id}/password-link`));
    const token = new URL(res.body.url).searchParams.get('token') ?? '';
    const mismatch = await anon.post('/password', form({ token, password: 'first password 123', confirm: 'second password 123' }), FORM);
    expectStatus(mismatch, 400);
    expectHostedPageHeaders(mismatch);
    const short = await anon.post('/password', form({ token, password: 'short', confirm: 'short' }), FORM);
    expectStatus(short, 400);
    // The link survived the failed attempts.
    const after = await admin.client.get<{ user: DirectoryUser }>(usersPath(`/${u.id}`));
    expect(after.body.user.has_password).toBe(false);
    expectStatus(await anon.post('/password', form({ token, password: 'finally a good one', confirm: 'finally a good one' }), FORM), 200);

    const unknown = await anon.get('/password?token=pwl_unknownunknownunknownunknownunknown00');
    expectStatus(unknown, 400);
    expectHostedPageHeaders(unknown);
    expectStatus(await anon.get('/password'), 400);
    expectStatus(await anon.post('/password', form({ token: 'pwl_nope', password: 'whatever 12345', confirm: 'whatever 12345' }), FORM), 400);
    // JSON is not accepted by the hosted form.
    expectStatus(await anon.post('/password', { token, password: 'json password 123', confirm: 'json password 123' }), 415);
  });

  it('a newer link and an older link: using one spends the other', async () => {
    const u = await createUser();
    const a = await admin.client.post<{ url: string }>(usersPath(`/${u.id}/password-link`));
    const b = await admin.client.post<{ url: string }>(usersPath(`/${u.id}/password-link`));
    const ta = new URL(a.body.url).searchParams.get('token') ?? '';
    const tb = new URL(b.body.url).searchParams.get('token') ?? '';
    expect(ta).not.toBe(tb);
    expectStatus(await anon.post('/password', form({ token: tb, password: 'password number one', confirm: 'password number one' }), FORM), 200);
    expectStatus(await anon.post('/password', form({ token: ta, password: 'password number two', confirm: 'password number two' }), FORM), 400);
  });

  it("a disabled user's link does not work", async () => {
    const u = await createUser();
    const link = await admin.client.post<{ url: string }>(usersPath(`/${u.id}/password-link`));
    expectStatus(await admin.client.patch(usersPath(`/${u.id}`), { disabled: true }), 200);
    expectStatus(await anon.get(linkPath(link.body.url)), 400);
  });

  it('a user of another organization is 404 through this one', async () => {
    const o2 = await createOrg(owner);
    const foreign = await owner.client.post<{ user: DirectoryUser }>(`/api/organizations/${o2}/users`, { email: uniqueEmail('foreign') });
    const id = foreign.body.user.id;
    expectError(await admin.client.get(usersPath(`/${id}`)), 404, 'NOT_FOUND');
    expectError(await admin.client.patch(usersPath(`/${id}`), { disabled: true }), 404, 'NOT_FOUND');
    expectError(await admin.client.delete(usersPath(`/${id}`)), 404, 'NOT_FOUND');
    expectError(await admin.client.post(usersPath(`/${id}/password-link`)), 404, 'NOT_FOUND');
    const still = await owner.client.get<{ user: DirectoryUser }>(`/api/organizations/${o2}/users/${id}`);
    expect(still.body.user.disabled).toBe(false);
  });
});
