// Service API users through real HTTP on every test database (docs/api.md, Service API).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { uniqueEmail } from '../helpers/http.ts';
import { RFC3339_Z, USER_NOT_LINKED, expectError, fakeId, provisionUser, serviceApiSuite, type ApiUser, type UserList } from '../helpers/service-api.ts';

describe.each(databases())('service API users on $name', (factory) => {
  const suite = serviceApiSuite(factory);
  const srv = suite.srv;

  describe('GET /api/service/users', () => {
    it('lists the service users in creation order with total, and paginates with limit/offset', async () => {
      const w = await suite.world();
      const empty = await w.api.get<UserList>('/api/service/users');
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual({ users: [], total: 0 });

      const created: ApiUser[] = [];
      for (let i = 0; i < 5; i++) created.push(await provisionUser(w.api));

      const all = await w.api.get<UserList>('/api/service/users');
      expect(all.status).toBe(200);
      expect(all.body.total).toBe(5);
      expect(all.body.users).toEqual(created);
      for (const u of all.body.users) {
        expect(Object.keys(u).sort()).toEqual(['created_at', 'email', 'id']);
        expect(u.id).toMatch(/^usr_/);
        expect(u.created_at).toMatch(RFC3339_Z);
      }

      const first = await w.api.get<UserList>('/api/service/users?limit=2');
      expect(first.status).toBe(200);
      expect(first.body.total).toBe(5);
      expect(first.body.users.map((u) => u.id)).toEqual(created.slice(0, 2).map((u) => u.id));

      const middle = await w.api.get<UserList>('/api/service/users?limit=2&offset=2');
      expect(middle.body.total).toBe(5);
      expect(middle.body.users.map((u) => u.id)).toEqual(created.slice(2, 4).map((u) => u.id));

      const last = await w.api.get<UserList>('/api/service/users?limit=2&offset=4');
      expect(last.body.users.map((u) => u.id)).toEqual([created[4]?.id]);

      const beyond = await w.api.get<UserList>('/api/service/users?offset=10');
      expect(beyond.status).toBe(200);
      expect(beyond.body).toEqual({ users: [], total: 5 });

      const max = await w.api.get<UserList>('/api/service/users?limit=100&offset=0');
      expect(max.status).toBe(200);
      expect(max.body.users).toHaveLength(5);
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'offset=-1', 'offset=abc', 'limit=1&limit=2'])(
      'rejects invalid pagination %s with 400 BAD_REQUEST',
      async (query) => {
        const w = await suite.world();
        const res = await w.api.get(`/api/service/users?${query}`);
        const err = expectError(res, 400, 'BAD_REQUEST');
        expect(err.details?.length ?? 0).toBeGreaterThan(0);
      },
    );

    it('does not list users of another service of the same organization', async () => {
      const w = await suite.world();
      const other = await suite.world({ org: w.org });
      const mine = await provisionUser(w.api);
      await provisionUser(other.api);
      const res = await w.api.get<UserList>('/api/service/users');
      expect(res.body).toEqual({ users: [mine], total: 1 });
    });
  });

  describe('POST /api/service/users', () => {
    it('creates a user (200) and is idempotent on email, case-insensitively', async () => {
      const w = await suite.world();
      const email = uniqueEmail('idem');
      const mixed = email.replace('idem', 'IdEm').replace('example.com', 'EXAMPLE.com');
      const first = await w.api.post<ApiUser>('/api/service/users', { email: mixed });
      expect(first.status).toBe(200);
      expect(first.body.id).toMatch(/^usr_/);
      expect(first.body.email).toBe(email);
      expect(first.body.created_at).toMatch(RFC3339_Z);
      expect(Math.abs(Date.parse(first.body.created_at) - Date.now())).toBeLessThan(60_000);

      const second = await w.api.post<ApiUser>('/api/service/users', { email });
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);

      const third = await w.api.post<ApiUser>('/api/service/users', { email: email.toUpperCase() });
      expect(third.status).toBe(200);
      expect(third.body.id).toBe(first.body.id);

      const list = await w.api.get<UserList>('/api/service/users');
      expect(list.body.total).toBe(1);
    });

    it.each(['not-an-email', 'missing-at.example.com', 'a@', '@example.com', 'a b@example.com', ''])(
      'rejects the invalid email %j with 400 "Invalid email format"',
      async (email) => {
        const w = await suite.world();
        const res = await w.api.post('/api/service/users', { email });
        const err = expectError(res, 400, 'BAD_REQUEST', /^Invalid email format$/);
        expect(err.details).toEqual([expect.objectContaining({ field: 'email' })]);
        expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
      },
    );

    it('rejects a missing email, a non-string email, unknown fields and non-object bodies with 400', async () => {
      const w = await suite.world();
      // Each problem says what it is: only a bad email is "Invalid email format" (the seed's words).
      expectError(await w.api.post('/api/service/users', {}), 400, 'BAD_REQUEST', /^email is required$/);
      expectError(await w.api.post('/api/service/users', { email: 42 }), 400, 'BAD_REQUEST');
      const extra = expectError(
        await w.api.post('/api/service/users', { email: uniqueEmail(), password: 'x'.repeat(12) }),
        400,
        'BAD_REQUEST',
        /^Unknown field: password$/,
      );
      expect(extra.details).toEqual([{ field: 'password', message: 'Unknown field: password' }]);
      const two = expectError(await w.api.post('/api/service/users', { email: uniqueEmail(), role: 'admin', id: 'usr_x' }), 400, 'BAD_REQUEST');
      expect(two.details?.map((d) => d.field)).toEqual(['role', 'id']);
      expectError(await w.api.post('/api/service/users', '["a@example.com"]'), 400, 'BAD_REQUEST');
      expectError(await w.api.post('/api/service/users', '{"email":'), 400, 'BAD_REQUEST');
      expectError(
        await w.api.post('/api/service/users', 'email=a@example.com', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
    });

    it('links an existing directory user of the organization instead of duplicating it', async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const viaSibling = await provisionUser(sibling.api);
      // Not linked to w's service yet.
      expectError(await w.api.get(`/api/service/users/${viaSibling.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      const linked = await provisionUser(w.api, viaSibling.email);
      expect(linked.id).toBe(viaSibling.id);
      expect((await w.api.get<ApiUser>(`/api/service/users/${viaSibling.id}`)).status).toBe(200);
    });

    it('creates separate users for the same email in different organizations', async () => {
      const a = await suite.world();
      const b = await suite.world();
      const email = uniqueEmail('twoorgs');
      const ua = await provisionUser(a.api, email);
      const ub = await provisionUser(b.api, email);
      expect(ua.id).not.toBe(ub.id);
      expectError(await a.api.get(`/api/service/users/${ub.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
    });

    it('10 parallel POSTs with the same email produce exactly one user', async () => {
      const w = await suite.world();
      const email = uniqueEmail('race');
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => w.api.post<ApiUser>('/api/service/users', { email: i % 2 ? email.toUpperCase() : email })),
      );
      expect(results.map((r) => r.status)).toEqual(Array<number>(10).fill(200));
      const ids = new Set(results.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      const list = await w.api.get<UserList>('/api/service/users');
      expect(list.body.total).toBe(1);
      expect(list.body.users[0]?.id).toBe([...ids][0]);
      expect(await srv.deps.db.user.count({ where: { email } })).toBe(1);
    });
  });

  describe('GET /api/service/users/:user_id', () => {
    it('returns the user', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const res = await w.api.get<ApiUser>(`/api/service/users/${u.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(u);
    });

    it("answers 404 with the contract message for unknown, malformed and other services' user ids", async () => {
      const w = await suite.world();
      const other = await suite.world({ org: w.org });
      const foreign = await provisionUser(other.api);
      const ids = [fakeId('usr'), 'not-an-id', 'usr_short', `usr_${'a'.repeat(200)}`, fakeId('plan'), encodeURIComponent("usr_' OR '1'='1"), '%00', foreign.id];
      for (const id of ids) {
        const res = await w.api.get(`/api/service/users/${id}`);
        expectError(res, 404, 'NOT_FOUND', USER_NOT_LINKED);
      }
    });
  });

  describe('PATCH /api/service/users/:user_id', () => {
    it('changes the email, and GET shows the new one', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const next = uniqueEmail('changed');
      const res = await w.api.patch<ApiUser>(`/api/service/users/${u.id}`, { email: next.toUpperCase() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: u.id, email: next, created_at: u.created_at });
      const got = await w.api.get<ApiUser>(`/api/service/users/${u.id}`);
      expect(got.body.email).toBe(next);
      // The old email is free again; the new one is idempotent to the same user.
      expect((await provisionUser(w.api, next)).id).toBe(u.id);
      const fresh = await provisionUser(w.api, u.email);
      expect(fresh.id).not.toBe(u.id);
    });

    it('keeps the user unchanged for an empty body or the same email', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const empty = await w.api.patch<ApiUser>(`/api/service/users/${u.id}`, {});
      expect(empty.status).toBe(200);
      expect(empty.body).toEqual(u);
      const same = await w.api.patch<ApiUser>(`/api/service/users/${u.id}`, { email: u.email.toUpperCase() });
      expect(same.status).toBe(200);
      expect(same.body).toEqual(u);
    });

    it('refuses an email taken by another user (400 "Email already taken by another user")', async () => {
      const w = await suite.world();
      const a = await provisionUser(w.api);
      const b = await provisionUser(w.api);
      expectError(await w.api.patch(`/api/service/users/${a.id}`, { email: b.email.toUpperCase() }), 400, 'BAD_REQUEST', 'Email already taken by another user');
      // A user of another service of the same organization holds its email too.
      const sibling = await suite.world({ org: w.org });
      const c = await provisionUser(sibling.api);
      expectError(await w.api.patch(`/api/service/users/${a.id}`, { email: c.email }), 400, 'BAD_REQUEST', 'Email already taken by another user');
      expect((await w.api.get<ApiUser>(`/api/service/users/${a.id}`)).body.email).toBe(a.email);
    });

    it('allows an email used in another organization', async () => {
      const w = await suite.world();
      const elsewhere = await suite.world();
      const theirs = await provisionUser(elsewhere.api);
      const mine = await provisionUser(w.api);
      const res = await w.api.patch<ApiUser>(`/api/service/users/${mine.id}`, { email: theirs.email });
      expect(res.status).toBe(200);
      expect(res.body.email).toBe(theirs.email);
      expect((await elsewhere.api.get<ApiUser>(`/api/service/users/${theirs.id}`)).body.email).toBe(theirs.email);
    });

    it('rejects an invalid email and unknown fields with 400', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const bad = expectError(await w.api.patch(`/api/service/users/${u.id}`, { email: 'nope' }), 400, 'BAD_REQUEST', /^Invalid email format$/);
      expect(bad.details).toEqual([expect.objectContaining({ field: 'email' })]);
      expectError(await w.api.patch(`/api/service/users/${u.id}`, { email: null }), 400, 'BAD_REQUEST');
      expectError(await w.api.patch(`/api/service/users/${u.id}`, { id: fakeId('usr') }), 400, 'BAD_REQUEST');
      expectError(await w.api.patch(`/api/service/users/${u.id}`, { created_at: '2020-01-01T00:00:00Z' }), 400, 'BAD_REQUEST');
      expect((await w.api.get<ApiUser>(`/api/service/users/${u.id}`)).body).toEqual(u);
    });

    it('answers 404 for unknown, malformed and foreign user ids', async () => {
      const w = await suite.world();
      const other = await suite.world({ org: w.org });
      const foreign = await provisionUser(other.api);
      for (const id of [fakeId('usr'), 'garbage', foreign.id]) {
        expectError(await w.api.patch(`/api/service/users/${id}`, { email: uniqueEmail() }), 404, 'NOT_FOUND', USER_NOT_LINKED);
      }
      expect((await other.api.get<ApiUser>(`/api/service/users/${foreign.id}`)).body.email).toBe(foreign.email);
    });
  });

  describe('DELETE /api/service/users/:user_id', () => {
    it('answers 204, then the user is 404 and gone from the list; a second DELETE is 404', async () => {
      const w = await suite.world();
      const keep = await provisionUser(w.api);
      const u = await provisionUser(w.api);
      // DELETE takes no body: a field sent to it is an unknown field (400), and nothing is deleted.
      const withBody = expectError(await w.api.request('DELETE', `/api/service/users/${u.id}`, { force: true }), 400, 'BAD_REQUEST');
      expect(withBody.details).toEqual([{ field: 'force', message: 'Unknown field' }]);
      expect((await w.api.get(`/api/service/users/${u.id}`)).status).toBe(200);
      const del = await w.api.delete(`/api/service/users/${u.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expectError(await w.api.get(`/api/service/users/${u.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      expectError(await w.api.delete(`/api/service/users/${u.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      expectError(await w.api.patch(`/api/service/users/${u.id}`, { email: uniqueEmail() }), 404, 'NOT_FOUND', USER_NOT_LINKED);
      const list = await w.api.get<UserList>('/api/service/users');
      expect(list.body).toEqual({ users: [keep], total: 1 });
      // The user record is gone (no other service knew it): provisioning the email again makes a new user.
      const again = await provisionUser(w.api, u.email);
      expect(again.id).not.toBe(u.id);
    });

    it('removes the subscription and login events of the user for this service', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const sub = await w.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: w.planId });
      expect(sub.status).toBe(200);
      await srv.deps.db.loginEvent.create({ data: { id: fakeId('evt'), serviceId: w.service.id, userId: u.id } });
      expect((await w.api.delete(`/api/service/users/${u.id}`)).status).toBe(204);
      expect(await srv.deps.db.subscription.count({ where: { serviceId: w.service.id } })).toBe(0);
      expect(await srv.deps.db.loginEvent.count({ where: { serviceId: w.service.id } })).toBe(0);
      expectError(await w.api.get(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND');
    });

    it('keeps the user for another service of the organization that still knows it', async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const u = await provisionUser(w.api);
      expect((await provisionUser(sibling.api, u.email)).id).toBe(u.id);
      expect((await sibling.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: sibling.planId })).status).toBe(200);
      expect((await w.api.delete(`/api/service/users/${u.id}`)).status).toBe(204);
      expectError(await w.api.get(`/api/service/users/${u.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      const still = await sibling.api.get<ApiUser>(`/api/service/users/${u.id}`);
      expect(still.status).toBe(200);
      expect(still.body).toEqual(u);
      expect((await sibling.api.get(`/api/service/subscriptions/${u.id}`)).status).toBe(200);
    });

    it('answers 404 for unknown, malformed and foreign user ids and deletes nothing', async () => {
      const w = await suite.world();
      const other = await suite.world({ org: w.org });
      const foreign = await provisionUser(other.api);
      const mine = await provisionUser(w.api);
      for (const id of [fakeId('usr'), 'not-an-id', `usr_${'b'.repeat(100)}`, foreign.id]) {
        expectError(await w.api.delete(`/api/service/users/${id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      }
      expect((await other.api.get(`/api/service/users/${foreign.id}`)).status).toBe(200);
      expect((await w.api.get<UserList>('/api/service/users')).body).toEqual({ users: [mine], total: 1 });
    });
  });
});
