// Service API attacks through real HTTP (docs/security.md, attacks 24, 25, 28, 29, 31, 33; docs/api.md, Service API) on every test
// database, and across two instances sharing the database and Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { ALL_PERMISSIONS, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import {
  SUB_NOT_FOUND,
  USER_NOT_LINKED,
  expectError,
  extraKey,
  fakeId,
  provisionUser,
  rateHeaders,
  serviceWorld,
  stableErrorBody,
  subscribe,
  type Analytics,
  type ApiSubscription,
  type ApiUser,
  type ServiceInfo,
  type ServiceWorld,
  type SubscriptionList,
  type UserList,
} from '../helpers/service-api.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import type { Permission } from '../../src/api-keys/permissions.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** The one 401 every bad key gets (docs/security.md, attack 24), compared without timestamp/request_id. */
function expectInvalidKey(res: Res<unknown>, reference?: string): string {
  expectError(res, 401, 'UNAUTHORIZED');
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const stable = stableErrorBody(res);
  if (reference !== undefined) expect(stable).toBe(reference);
  return stable;
}

function flipLast(key: string): string {
  const last = key.at(-1);
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

async function deleteKey(admin: Admin, w: ServiceWorld, keyId: string, via: Client = admin.client): Promise<void> {
  const res = await via.delete(`/api/organizations/${w.org}/services/${w.service.slug}/api-keys/${keyId}`);
  expect(res.status).toBe(204);
}

// ---------------------------------------------------------------- the permission matrix (docs/security.md, attack 28)
interface MatrixFixture {
  userA: ApiUser;
  userB: ApiUser;
  planId: string;
}
interface Endpoint {
  name: string;
  permission: Permission;
  ok: number;
  call(api: Client, f: MatrixFixture): Promise<Res>;
}

const ENDPOINTS: Endpoint[] = [
  { name: 'GET /users', permission: 'read:users', ok: 200, call: (api) => api.get('/api/service/users') },
  { name: 'POST /users', permission: 'write:users', ok: 200, call: (api) => api.post('/api/service/users', { email: uniqueEmail('matrix') }) },
  { name: 'GET /users/:id', permission: 'read:users', ok: 200, call: (api, f) => api.get(`/api/service/users/${f.userA.id}`) },
  {
    name: 'PATCH /users/:id',
    permission: 'write:users',
    ok: 200,
    call: (api, f) => api.patch(`/api/service/users/${f.userA.id}`, { email: uniqueEmail('renamed') }),
  },
  { name: 'DELETE /users/:id', permission: 'delete:users', ok: 204, call: (api, f) => api.delete(`/api/service/users/${f.userB.id}`) },
  { name: 'GET /subscriptions', permission: 'read:subscriptions', ok: 200, call: (api) => api.get('/api/service/subscriptions') },
  {
    name: 'POST /subscriptions',
    permission: 'write:subscriptions',
    ok: 200,
    call: (api, f) => api.post('/api/service/subscriptions', { user_id: f.userB.id, plan_id: f.planId }),
  },
  { name: 'GET /subscriptions/:id', permission: 'read:subscriptions', ok: 200, call: (api, f) => api.get(`/api/service/subscriptions/${f.userA.id}`) },
  {
    name: 'PATCH /subscriptions/:id',
    permission: 'write:subscriptions',
    ok: 200,
    call: (api, f) => api.patch(`/api/service/subscriptions/${f.userA.id}`, { status: 'past_due' }),
  },
  { name: 'DELETE /subscriptions/:id', permission: 'delete:subscriptions', ok: 204, call: (api, f) => api.delete(`/api/service/subscriptions/${f.userA.id}`) },
  { name: 'GET /analytics', permission: 'read:analytics', ok: 200, call: (api) => api.get('/api/service/analytics') },
  { name: 'GET /info', permission: 'read:service', ok: 200, call: (api) => api.get('/api/service/info') },
  { name: 'PATCH /info', permission: 'write:service', ok: 200, call: (api) => api.patch('/api/service/info', { name: 'Renamed by matrix' }) },
];

describe.each(databases())('service API security on $name', (factory) => {
  let srv: TestServer;
  let admin: Admin;
  let anon: Client;
  beforeAll(async () => {
    srv = await startTestServer(factory);
    admin = await registerAdmin(srv.url);
    anon = new Client(srv.url);
  });
  afterAll(async () => srv?.stop());

  describe('docs/security.md attack 24: bad keys', () => {
    it('missing, empty, malformed, bad-checksum, unknown, revoked and expired keys get the identical 401', async () => {
      const w = await serviceWorld(srv.url, admin);
      const revoked = await extraKey(w, ['read:service']);
      expect((await revoked.api.get('/api/service/info')).status).toBe(200);
      await deleteKey(admin, w, revoked.id);
      const expired = await extraKey(w, ['read:service'], { expires_in_days: 1 });
      await srv.deps.db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const unknownLive = generateApiKey('live').key;
      const unknownTest = generateApiKey('test').key;
      const wrongEnv = w.key.replace(/^sk_live_/, 'sk_prod_');

      const reference = expectInvalidKey(await anon.get('/api/service/users'));
      const attempts: [string, string][] = [
        ['empty', ''],
        ['garbage', 'nope'],
        ['short', 'sk_live_abc123xyz'],
        ['wrong environment', wrongEnv],
        ['bad checksum', flipLast(w.key)],
        ['bad checksum (test env)', flipLast(unknownTest)],
        ['truncated', w.key.slice(0, -1)],
        ['extended', `${w.key}A`],
        ['lower-cased', w.key.toLowerCase()],
        ['unknown live', unknownLive],
        ['unknown test', unknownTest],
        ['revoked', revoked.key],
        ['expired', expired.key],
      ];
      for (const [label, key] of attempts) {
        const res = await anon.get('/api/service/users', { 'x-api-key': key });
        expect(res.status, label).toBe(401);
        expectInvalidKey(res, reference);
        if (key) expect(res.text.includes(key), `${label}: the key is echoed`).toBe(false);
      }
      // The same refusal on every endpoint and verb, whatever the body.
      expectInvalidKey(await anon.post('/api/service/users', { email: uniqueEmail() }, { 'x-api-key': unknownLive }), reference);
      expectInvalidKey(await anon.delete(`/api/service/subscriptions/${fakeId('usr')}`, { 'x-api-key': expired.key }), reference);
      expectInvalidKey(await anon.patch('/api/service/info', { name: 'x' }, { 'x-api-key': revoked.key }), reference);
      // The valid key still works, and nothing was created by the refused POST.
      expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
    });

    it('a bearer token or an API key in Authorization is not an API key', async () => {
      const w = await serviceWorld(srv.url, admin);
      const reference = expectInvalidKey(await anon.get('/api/service/info'));
      expectInvalidKey(await anon.get('/api/service/info', { authorization: `Bearer ${admin.accessToken}` }), reference);
      // A key in Authorization (no X-API-Key) is still a 401, but one that says where the key goes.
      const misplaced = expectError(await anon.get('/api/service/info', { authorization: `Bearer ${w.key}` }), 401, 'UNAUTHORIZED');
      expect(misplaced.error).toMatch(/X-API-Key header/);
      // …and an API key does not open the admin plane.
      expectError(await anon.get(`/api/organizations/${w.org}`, { 'x-api-key': w.key }), 401, 'UNAUTHORIZED');
    });

    it('a key in the query string is 400, with or without the header, and is not echoed', async () => {
      const w = await serviceWorld(srv.url, admin);
      for (const name of ['api_key', 'apiKey', 'x-api-key', 'API_KEY']) {
        const alone = await anon.get(`/api/service/users?${name}=${encodeURIComponent(w.key)}`);
        const err = expectError(alone, 400, 'BAD_REQUEST');
        expect(alone.text.includes(w.key)).toBe(false);
        expect(err.error).not.toContain(w.key);
        expectError(await w.api.get(`/api/service/users?${name}=${encodeURIComponent(w.key)}`), 400, 'BAD_REQUEST');
        expectError(await w.api.post(`/api/service/users?${name}=${encodeURIComponent(w.key)}`, { email: uniqueEmail() }), 400, 'BAD_REQUEST');
      }
      expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
    });

    it('malformed keys are refused without a database lookup (the key table can be gone)', async () => {
      const own = await startTestServer(factory);
      try {
        const ownAdmin = await registerAdmin(own.url, 'nodb');
        const w = await serviceWorld(own.url, ownAdmin);
        const client = new Client(own.url);
        const reference = expectInvalidKey(await client.get('/api/service/info', { 'x-api-key': generateApiKey('live').key }));
        await own.deps.db.$executeRaw`ALTER TABLE api_keys RENAME TO api_keys_hidden`;
        // A well-formed unknown key needs the table: it cannot be answered 401 now…
        const lookedUp = await client.get('/api/service/info', { 'x-api-key': generateApiKey('live').key });
        expect(lookedUp.status).toBeGreaterThanOrEqual(500);
        expect(lookedUp.text).not.toMatch(/api_keys|SELECT|prisma/i);
        // Lookups read together that fail are each answered (read again one by one); none is left waiting.
        const together = await Promise.all([1, 2, 3].map(() => client.get('/api/service/info', { 'x-api-key': generateApiKey('live').key })));
        for (const r of together) expect(r.status).toBeGreaterThanOrEqual(500);
        // …while malformed ones never get that far.
        for (const key of ['garbage', flipLast(w.key), flipLast(generateApiKey('test').key), 'sk_live_']) {
          expectInvalidKey(await client.get('/api/service/info', { 'x-api-key': key }), reference);
        }
        await own.deps.db.$executeRaw`ALTER TABLE api_keys_hidden RENAME TO api_keys`;
        expect((await w.api.get('/api/service/info')).status).toBe(200);
      } finally {
        await own.stop();
      }
    });

    it('lookups made together are read together, and each key still gets its own answer', async () => {
      const a = await serviceWorld(srv.url, admin);
      const b = await serviceWorld(srv.url, admin);
      const narrow = await extraKey(b, ['read:users']);
      const revoked = await extraKey(a, ['read:service']);
      await deleteKey(admin, a, revoked.id);
      const expired = await extraKey(b, ['read:service'], { expires_in_days: 1 });
      await srv.deps.db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const unknown = generateApiKey('live').key;

      // Called in one tick, these first uses wait for the same batch read.
      const auth = srv.deps.apiKeys;
      const keys = [a.key, b.key, narrow.key, a.key, revoked.key, expired.key, unknown, b.key];
      const answers = await Promise.allSettled(keys.map(async (k) => auth.authenticate(k)));
      const principal = (i: number) => {
        const r = answers[i];
        if (r?.status !== 'fulfilled') throw new Error(`key ${i} was refused`);
        return r.value;
      };
      expect(principal(0).service.id).toBe(a.service.id);
      expect(principal(1).service.id).toBe(b.service.id);
      expect(principal(2).service.id).toBe(b.service.id);
      expect([...principal(2).permissions]).toEqual(['read:users']);
      expect(principal(2).keyId).toBe(narrow.id);
      // The same key twice in one batch is one row read.
      expect(principal(3)).toBe(principal(0));
      expect(principal(7)).toBe(principal(1));
      for (const i of [4, 5, 6]) expect(answers[i]?.status, keys[i]).toBe('rejected');

      // The same through HTTP, all at once: every answer belongs to its own key.
      const reference = expectInvalidKey(await anon.get('/api/service/info'));
      const fresh = await Promise.all([extraKey(a, ['read:service']), extraKey(b, ['read:service']), extraKey(a, ['read:users'])]);
      const calls = [...fresh, ...fresh].map((k) => k.api.get<ServiceInfo>('/api/service/info'));
      calls.push(anon.get('/api/service/info', { 'x-api-key': revoked.key }), anon.get('/api/service/info', { 'x-api-key': unknown }));
      const res = await Promise.all(calls);
      for (const i of [0, 3]) expect(res[i]?.body.id).toBe(a.service.id);
      for (const i of [1, 4]) expect(res[i]?.body.id).toBe(b.service.id);
      for (const i of [2, 5]) expectError(res[i] as Res<unknown>, 403, 'FORBIDDEN');
      for (const i of [6, 7]) expectInvalidKey(res[i] as Res<unknown>, reference);
    });

    it('an expired key is refused even though its row still exists', async () => {
      const w = await serviceWorld(srv.url, admin);
      const k = await extraKey(w, ['read:service'], { expires_in_days: 1 });
      expect((await srv.deps.db.apiKey.findUnique({ where: { id: k.id } }))?.expiresAt).toBeInstanceOf(Date);
      await srv.deps.db.apiKey.update({ where: { id: k.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
      expectInvalidKey(await k.api.get('/api/service/info'));
      const listed = await admin.client.get<{ api_keys: { id: string }[] }>(`/api/organizations/${w.org}/services/${w.service.slug}/api-keys`);
      expect(listed.body.api_keys.map((x) => x.id)).toContain(k.id);
    });
  });

  describe('docs/security.md attack 25: revocation', () => {
    it('a deleted key is refused on the very next request; other keys of the service keep working', async () => {
      const w = await serviceWorld(srv.url, admin);
      const victim = await extraKey(w);
      for (let i = 0; i < 3; i++) expect((await victim.api.get('/api/service/info')).status).toBe(200);
      await deleteKey(admin, w, victim.id);
      const reference = expectInvalidKey(await anon.get('/api/service/info'));
      expectInvalidKey(await victim.api.get('/api/service/info'), reference);
      expectInvalidKey(await victim.api.post('/api/service/users', { email: uniqueEmail() }), reference);
      expect((await w.api.get('/api/service/info')).status).toBe(200);
    });

    it('deleting the service refuses its keys at once', async () => {
      const w = await serviceWorld(srv.url, admin);
      expect((await w.api.get('/api/service/info')).status).toBe(200);
      expect((await admin.client.delete(`/api/organizations/${w.org}/services/${w.service.slug}`)).status).toBe(204);
      expectInvalidKey(await w.api.get('/api/service/info'));
    });

    it('deleting the organization refuses its keys at once', async () => {
      const w = await serviceWorld(srv.url, admin);
      expect((await w.api.get('/api/service/info')).status).toBe(200);
      expect((await admin.client.delete(`/api/organizations/${w.org}`)).status).toBe(204);
      expectInvalidKey(await w.api.get('/api/service/info'));
    });
  });

  describe('keys in use are read again before they go stale', () => {
    it("a refresh applies row changes made behind the cache's back, drops vanished keys and leaves idle ones alone", async () => {
      const w = await serviceWorld(srv.url, admin);
      const busy = await extraKey(w, ['read:service', 'read:users']);
      const gone = await extraKey(w, ['read:service']);
      const idle = await extraKey(w, ['read:service']);
      for (const k of [busy, gone, idle]) expect((await k.api.get('/api/service/info')).status).toBe(200);
      // Changed straight in the database: no invalidation, so the cache still answers from the old rows.
      await srv.deps.db.apiKey.update({ where: { id: busy.id }, data: { permissions: JSON.stringify(['read:users']) } });
      await srv.deps.db.apiKey.delete({ where: { id: gone.id } });
      await srv.deps.db.apiKey.update({ where: { id: idle.id }, data: { permissions: JSON.stringify(['read:users']) } });
      expect((await busy.api.get('/api/service/info')).status).toBe(200);
      expect((await gone.api.get('/api/service/info')).status).toBe(200);
      const auth = srv.deps.apiKeys;

      // The first sweep renews every key served since its read (all three, once each).
      await auth.refreshSoonStale(Number.MAX_SAFE_INTEGER);
      expectError(await busy.api.get('/api/service/info'), 403, 'FORBIDDEN', 'API key lacks read:service permission');
      expect((await busy.api.get('/api/service/users')).status).toBe(200);
      expectInvalidKey(await gone.api.get('/api/service/info'));
      await srv.deps.db.apiKey.update({ where: { id: busy.id }, data: { permissions: JSON.stringify(['read:service']) } });
      await srv.deps.db.apiKey.update({ where: { id: idle.id }, data: { permissions: JSON.stringify(['read:service']) } });

      // The second renews the key used since the first; the idle key is not read again (it keeps the
      // row of the first sweep until it is used and renewed, or expires).
      await auth.refreshSoonStale(Number.MAX_SAFE_INTEGER);
      expect((await busy.api.get('/api/service/info')).status).toBe(200);
      expectError(await idle.api.get('/api/service/info'), 403, 'FORBIDDEN', 'API key lacks read:service permission');
      // Nothing is near stale with the real horizon, right after a read.
      await srv.deps.db.apiKey.update({ where: { id: busy.id }, data: { permissions: JSON.stringify(['read:users']) } });
      await auth.refreshSoonStale();
      expect((await busy.api.get('/api/service/info')).status).toBe(200);
      // An invalidation that lands while a sweep is reading wins: the entry it removed is not renewed
      // from the row read before it, so the next request reads the row again.
      const raced = await extraKey(w, ['read:service']);
      expect((await raced.api.get('/api/service/info')).status).toBe(200);
      const sweep = auth.refreshSoonStale(Number.MAX_SAFE_INTEGER);
      await srv.deps.invalidation.publish({ kind: 'service', id: w.service.id });
      await sweep;
      await srv.deps.db.apiKey.update({ where: { id: raced.id }, data: { permissions: JSON.stringify(['read:users']) } });
      expectError(await raced.api.get('/api/service/info'), 403, 'FORBIDDEN', 'API key lacks read:service permission');
      // Deleting through the API still refuses at once, refreshed or not.
      await deleteKey(admin, w, busy.id);
      expectInvalidKey(await busy.api.get('/api/service/info'));
    });
  });

  describe('docs/security.md attack 28: permission matrix', () => {
    it.each(ALL_PERMISSIONS)('a key with only %s opens exactly its endpoints', async (permission) => {
      const w = await serviceWorld(srv.url, admin);
      const userA = await provisionUser(w.api);
      const userB = await provisionUser(w.api);
      const subA = await subscribe(w.api, userA.id, w.planId);
      const fixture: MatrixFixture = { userA, userB, planId: w.planId };
      const only = await extraKey(w, [permission]);

      const outcome: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const ep of ENDPOINTS) {
        const res = await ep.call(only.api, fixture);
        outcome[ep.name] = res.status;
        expected[ep.name] = ep.permission === permission ? ep.ok : 403;
        if (ep.permission !== permission) {
          expectError(res, 403, 'FORBIDDEN', `API key lacks ${ep.permission} permission`);
        }
        // Refused or not, an authenticated request is counted and says so.
        expect(rateHeaders(res).limit).toBeGreaterThan(0);
      }
      expect(outcome).toEqual(expected);
      expect(ENDPOINTS.filter((ep) => ep.permission === permission).length).toBeGreaterThan(0);

      // Refused requests changed nothing.
      const users = await w.api.get<UserList>('/api/service/users');
      const ids = users.body.users.map((u) => u.id);
      expect(ids.includes(userB.id)).toBe(permission !== 'delete:users');
      expect(users.body.total).toBe(permission === 'write:users' ? 3 : permission === 'delete:users' ? 1 : 2);
      const a = await w.api.get<ApiUser>(`/api/service/users/${userA.id}`);
      expect(a.body.email === userA.email).toBe(permission !== 'write:users');
      const subs = await w.api.get<SubscriptionList>('/api/service/subscriptions');
      const subOfA = subs.body.subscriptions.find((s) => s.user_id === userA.id);
      if (permission === 'delete:subscriptions') expect(subOfA).toBeUndefined();
      else expect(subOfA).toEqual(permission === 'write:subscriptions' ? { ...subA, status: 'past_due' } : subA);
      expect(subs.body.subscriptions.some((s) => s.user_id === userB.id)).toBe(permission === 'write:subscriptions');
      const info = await w.api.get<ServiceInfo>('/api/service/info');
      expect(info.body.name === 'Renamed by matrix').toBe(permission === 'write:service');
    });

    it('a key with every permission opens all 13 endpoints', async () => {
      const w = await serviceWorld(srv.url, admin);
      const userA = await provisionUser(w.api);
      const userB = await provisionUser(w.api);
      await subscribe(w.api, userA.id, w.planId);
      const fixture: MatrixFixture = { userA, userB, planId: w.planId };
      const all = await extraKey(w, ALL_PERMISSIONS);
      // DELETE /users/:B before POST /subscriptions for B would 404; run the user deletion last.
      const ordered = [...ENDPOINTS.filter((e) => e.name !== 'DELETE /users/:id'), ...ENDPOINTS.filter((e) => e.name === 'DELETE /users/:id')];
      for (const ep of ordered) expect((await ep.call(all.api, fixture)).status, ep.name).toBe(ep.ok);
    });
  });

  describe('docs/security.md attack 29: cross-tenant isolation', () => {
    interface Tenant {
      w: ServiceWorld;
      user: ApiUser;
      sub: ApiSubscription;
    }
    let a1: Tenant;
    let others: Record<'A2' | 'B1' | 'B2', Tenant>;
    let a1Second: ApiUser;

    const tenant = async (base: string, owner: Admin, org?: string): Promise<Tenant> => {
      const w = await serviceWorld(base, owner, org ? { org } : {});
      const user = await provisionUser(w.api);
      const sub = await subscribe(w.api, user.id, w.planId);
      return { w, user, sub };
    };

    beforeAll(async () => {
      const ownerB = await registerAdmin(srv.url, 'ownerb');
      a1 = await tenant(srv.url, admin);
      const a2 = await tenant(srv.url, admin, a1.w.org);
      const b1 = await tenant(srv.url, ownerB);
      const b2 = await tenant(srv.url, ownerB, b1.w.org);
      others = { A2: a2, B1: b1, B2: b2 };
      a1Second = await provisionUser(a1.w.api);
    });

    it('lists, analytics and info of A1 show only A1', async () => {
      const api = (await extraKey(a1.w)).api;
      expect((await api.get<UserList>('/api/service/users')).body).toEqual({ users: [a1.user, a1Second], total: 2 });
      expect((await api.get<SubscriptionList>('/api/service/subscriptions')).body).toEqual({ subscriptions: [a1.sub], total: 1 });
      const analytics = await api.get<Analytics>('/api/service/analytics');
      expect(analytics.body).toMatchObject({ total_users: 2, total_subscriptions: 1, active_subscriptions: 1 });
      expect((await api.get<ServiceInfo>('/api/service/info')).body.id).toBe(a1.w.service.id);
    });

    it.each(['A2', 'B1', 'B2'] as const)('a key of A1 cannot read, change or delete the user and subscription of %s', async (name) => {
      const api = (await extraKey(a1.w)).api;
      const t = others[name];
      expectError(await api.get(`/api/service/users/${t.user.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      expectError(await api.patch(`/api/service/users/${t.user.id}`, { email: uniqueEmail('steal') }), 404, 'NOT_FOUND', USER_NOT_LINKED);
      expectError(await api.delete(`/api/service/users/${t.user.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      expectError(await api.get(`/api/service/subscriptions/${t.user.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      expectError(await api.patch(`/api/service/subscriptions/${t.user.id}`, { status: 'cancelled' }), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      expectError(await api.delete(`/api/service/subscriptions/${t.user.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      // Subscribing their user to our plan: their user is unknown here.
      expectError(await api.post('/api/service/subscriptions', { user_id: t.user.id, plan_id: a1.w.planId }), 404, 'NOT_FOUND');
      // Subscribing our user to their plan: the plan is not ours.
      expectError(
        await api.post('/api/service/subscriptions', { user_id: a1Second.id, plan_id: t.w.planId }),
        403,
        'FORBIDDEN',
        'Plan does not belong to this service',
      );
      expectError(await api.get(`/api/service/subscriptions/${a1Second.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      // Ids of other resource types in the user slot are 404 too.
      expectError(await api.get(`/api/service/users/${t.sub.id}`), 404, 'NOT_FOUND', USER_NOT_LINKED);
      expectError(await api.get(`/api/service/subscriptions/${t.sub.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);

      // Their data is intact.
      const theirs = t.w.api;
      expect((await theirs.get<ApiUser>(`/api/service/users/${t.user.id}`)).body).toEqual(t.user);
      expect((await theirs.get<ApiSubscription>(`/api/service/subscriptions/${t.user.id}`)).body).toEqual(t.sub);
      expect((await theirs.get<ServiceInfo>('/api/service/info')).body.name).toBe(`Service ${t.w.service.slug}`);
    });

    it("POST /users with the email of another organization's user creates a separate user", async () => {
      const api = (await extraKey(a1.w)).api;
      for (const t of [others.B1, others.B2]) {
        const mine = await provisionUser(api, t.user.email);
        expect(mine.id).not.toBe(t.user.id);
        expect((await t.w.api.get<ApiUser>(`/api/service/users/${t.user.id}`)).body).toEqual(t.user);
        expectError(await api.get(`/api/service/subscriptions/${mine.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
        expect((await api.delete(`/api/service/users/${mine.id}`)).status).toBe(204);
        expect((await t.w.api.get<ApiUser>(`/api/service/users/${t.user.id}`)).status).toBe(200);
      }
    });
  });

  describe('docs/security.md attack 31: hostile bodies on the Service API', () => {
    it('__proto__ / constructor.prototype keys are 400 and pollute nothing', async () => {
      const w = await serviceWorld(srv.url, admin);
      const u = await provisionUser(w.api);
      const s = await subscribe(w.api, u.id, w.planId);
      const bodies: [string, string][] = [
        ['/api/service/users', '{"email":"proto@example.com","__proto__":{"polluted":"yes"}}'],
        ['/api/service/users', '{"__proto__":{"polluted":"yes"}}'],
        ['/api/service/users', '{"constructor":{"prototype":{"polluted":"yes"}}}'],
        ['/api/service/subscriptions', `{"user_id":"${u.id}","plan_id":"${w.planId}","status":{"__proto__":{"polluted":"yes"}}}`],
      ];
      for (const [path, body] of bodies) expectError(await w.api.post(path, body), 400, 'BAD_REQUEST');
      expectError(await w.api.patch(`/api/service/users/${u.id}`, '{"__proto__":{"email":"evil@example.com"}}'), 400, 'BAD_REQUEST');
      expectError(await w.api.patch(`/api/service/subscriptions/${u.id}`, '{"constructor":{"prototype":{"status":"cancelled"}}}'), 400, 'BAD_REQUEST');
      expectError(await w.api.patch('/api/service/info', '{"name":"ok","prototype":{"polluted":"yes"}}'), 400, 'BAD_REQUEST');

      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect((await w.api.get<UserList>('/api/service/users')).body).toEqual({ users: [u], total: 1 });
      expect((await w.api.get<ApiSubscription>(`/api/service/subscriptions/${u.id}`)).body).toEqual(s);
      expect((await w.api.get<ServiceInfo>('/api/service/info')).body.name).toBe(`Service ${w.service.slug}`);
      // The words themselves are fine as values.
      expect((await provisionUser(w.api, '__proto__@example.com')).email).toBe('__proto__@example.com');
    });

    it('a body over 1 MiB is 413 PAYLOAD_TOO_LARGE; just under is parsed and validated (400)', async () => {
      const w = await serviceWorld(srv.url, admin);
      const big = JSON.stringify({ email: `${'a'.repeat(1024 * 1024)}@example.com` });
      expectError(await w.api.post('/api/service/users', big), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await w.api.patch('/api/service/info', JSON.stringify({ name: 'n'.repeat(1024 * 1024 + 1) })), 413, 'PAYLOAD_TOO_LARGE');
      const under = JSON.stringify({ email: `${'a'.repeat(1024 * 1024 - 100)}@example.com` });
      expect(Buffer.byteLength(under)).toBeLessThanOrEqual(1024 * 1024);
      expectError(await w.api.post('/api/service/users', under), 400, 'BAD_REQUEST');
      expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
    });
  });

  describe('docs/security.md attack 33: rate limits (one instance)', () => {
    it('every authenticated response carries X-RateLimit-* for its operation class', async () => {
      const w = await serviceWorld(srv.url, admin);
      const only = await extraKey(w, ['read:users']);
      const t0 = Math.floor(Date.now() / 1000);
      const checks: [Res, number, number][] = [
        [await w.api.get('/api/service/info'), 100, 99],
        [await w.api.get(`/api/service/users/${fakeId('usr')}`), 100, 98],
        [await w.api.get('/api/service/users?limit=0'), 100, 97],
        [await w.api.post('/api/service/users', { email: uniqueEmail() }), 50, 49],
        [await w.api.post('/api/service/users', { email: 'bad' }), 50, 48],
        [await w.api.patch('/api/service/info', { name: 'Limited' }), 50, 47],
        [await w.api.post('/api/service/subscriptions', { user_id: fakeId('usr'), plan_id: w.planId }), 50, 46],
        [await w.api.delete(`/api/service/subscriptions/${fakeId('usr')}`), 20, 19],
        [await w.api.delete(`/api/service/users/${fakeId('usr')}`), 20, 18],
        [await only.api.get('/api/service/analytics'), 100, 99],
        [await only.api.delete(`/api/service/users/${fakeId('usr')}`), 20, 19],
      ];
      expect(checks.map(([r]) => r.status)).toEqual([200, 404, 400, 200, 400, 200, 404, 404, 404, 403, 403]);
      for (const [res, limit, remaining] of checks) {
        const h = rateHeaders(res);
        expect(h.limit).toBe(limit);
        expect(h.remaining).toBe(remaining);
        expect(h.reset).toBeGreaterThanOrEqual(t0);
        expect(h.reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 61);
      }
    });

    const exhaust = async (label: string, limit: number, call: (i: number) => Promise<Res>) => {
      for (let i = 0; i < limit; i++) {
        const res = await call(i);
        expect(res.status, `${label} #${i + 1}`).not.toBe(429);
        expect(rateHeaders(res).remaining).toBe(limit - i - 1);
      }
      const over = await call(limit);
      const err = expectError(over, 429, 'RATE_LIMIT_EXCEEDED');
      expect(err.error).toBeTruthy();
      const retryAfter = Number(over.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      const h = rateHeaders(over);
      expect(h.limit).toBe(limit);
      expect(h.remaining).toBe(0);
      return over;
    };

    it('the 101st GET in a minute is 429 with Retry-After; writes are still allowed', async () => {
      const w = await serviceWorld(srv.url, admin);
      await exhaust('GET', 100, () => w.api.get('/api/service/info'));
      expectError(await w.api.get('/api/service/users'), 429, 'RATE_LIMIT_EXCEEDED');
      expect((await w.api.post('/api/service/users', { email: uniqueEmail() })).status).toBe(200);
      // Another key of the same service has its own budget.
      expect((await (await extraKey(w)).api.get('/api/service/info')).status).toBe(200);
    });

    it('the 51st write in a minute is 429 (POST and PATCH share the budget)', async () => {
      const w = await serviceWorld(srv.url, admin);
      const email = uniqueEmail('limit');
      await exhaust('write', 50, (i) => (i % 2 ? w.api.patch('/api/service/info', { name: `Name ${i}` }) : w.api.post('/api/service/users', { email })));
      expectError(await w.api.patch('/api/service/info', { name: 'Too many' }), 429, 'RATE_LIMIT_EXCEEDED');
      expect((await w.api.get<ServiceInfo>('/api/service/info')).body.name).not.toBe('Too many');
    });

    it('the 21st DELETE in a minute is 429, and the refused delete does nothing', async () => {
      const w = await serviceWorld(srv.url, admin);
      const victim = await provisionUser(w.api);
      await exhaust('DELETE', 20, () => w.api.delete(`/api/service/subscriptions/${fakeId('usr')}`));
      expectError(await w.api.delete(`/api/service/users/${victim.id}`), 429, 'RATE_LIMIT_EXCEEDED');
      expect((await w.api.get(`/api/service/users/${victim.id}`)).status).toBe(200);
    });

    it('X-Forwarded-For does not change the limit key', async () => {
      const w = await serviceWorld(srv.url, admin);
      const over = await exhaust('GET with rotating XFF', 100, (i) =>
        w.api.get('/api/service/info', { 'x-forwarded-for': `203.0.113.${i % 250}, 10.0.0.${i % 250}` }),
      );
      expect(over.status).toBe(429);
      expectError(await w.api.get('/api/service/info', { 'x-forwarded-for': '198.51.100.7' }), 429, 'RATE_LIMIT_EXCEEDED');
      expectError(await w.api.get('/api/service/info', { 'x-real-ip': '198.51.100.8', forwarded: 'for=198.51.100.9' }), 429, 'RATE_LIMIT_EXCEEDED');
    });
  });

  describe('two instances sharing the database and Redis', () => {
    let one: TestServer;
    let two: TestServer;
    let owner: Admin;
    let ownerOnTwo: Client;
    beforeAll(async () => {
      one = await startTestServer(factory, { REDIS_URL });
      two = await startTestServer(factory, { REDIS_URL }, one.db);
      owner = await registerAdmin(one.url, 'redis');
      ownerOnTwo = new Client(two.url).bearer(owner.accessToken);
    });
    afterAll(async () => {
      await two?.stop();
      await one?.stop();
    });

    it('docs/security.md attack 25: a key deleted through one instance is refused by the other on its next request', async () => {
      const w = await serviceWorld(one.url, owner);
      for (let i = 0; i < 5; i++) {
        const k = await extraKey(w, ['read:service', 'read:users']);
        const onOne = new Client(one.url).apiKey(k.key);
        const onTwo = new Client(two.url).apiKey(k.key);
        // Warm both instances' caches.
        expect((await onTwo.get('/api/service/info')).status).toBe(200);
        expect((await onOne.get('/api/service/info')).status).toBe(200);
        // Alternate the instance that deletes.
        await deleteKey(owner, w, k.id, i % 2 ? ownerOnTwo : owner.client);
        expectInvalidKey(await (i % 2 ? onOne : onTwo).get('/api/service/users'));
        expectInvalidKey(await (i % 2 ? onTwo : onOne).get('/api/service/users'));
      }
      expect((await new Client(two.url).apiKey(w.key).get('/api/service/info')).status).toBe(200);
    });

    it('docs/security.md attack 25: deleting the service through one instance refuses its keys on the other', async () => {
      const w = await serviceWorld(one.url, owner);
      const onTwo = new Client(two.url).apiKey(w.key);
      expect((await onTwo.get('/api/service/info')).status).toBe(200);
      expect((await owner.client.delete(`/api/organizations/${w.org}/services/${w.service.slug}`)).status).toBe(204);
      expectInvalidKey(await onTwo.get('/api/service/info'));
    });

    it('a rename through one instance is seen by GET /info on the other', async () => {
      const w = await serviceWorld(one.url, owner);
      const onTwo = new Client(two.url).apiKey(w.key);
      expect((await onTwo.get<ServiceInfo>('/api/service/info')).body.name).toBe(`Service ${w.service.slug}`);
      expect((await w.api.patch('/api/service/info', { name: 'Renamed on one' })).status).toBe(200);
      expect((await onTwo.get<ServiceInfo>('/api/service/info')).body.name).toBe('Renamed on one');
    });

    it('docs/security.md attack 33: the 100 reads per minute are shared (60 on one + 40 on two, the 101st is 429 on either)', async () => {
      const w = await serviceWorld(one.url, owner);
      const onTwo = new Client(two.url).apiKey(w.key);
      for (let i = 0; i < 60; i++) {
        const res = await w.api.get('/api/service/info');
        expect(res.status).toBe(200);
        expect(rateHeaders(res).remaining).toBe(99 - i);
      }
      for (let i = 0; i < 40; i++) {
        const res = await onTwo.get('/api/service/info');
        expect(res.status).toBe(200);
        expect(rateHeaders(res).remaining).toBe(39 - i);
      }
      const over = await onTwo.get('/api/service/info');
      expectError(over, 429, 'RATE_LIMIT_EXCEEDED');
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expectError(await w.api.get('/api/service/info'), 429, 'RATE_LIMIT_EXCEEDED');
    });

    it('docs/security.md attack 33: writes and deletes are shared too', async () => {
      const w = await serviceWorld(one.url, owner);
      const onTwo = new Client(two.url).apiKey(w.key);
      const email = uniqueEmail('shared');
      for (let i = 0; i < 50; i++) expect((await (i % 2 ? onTwo : w.api).post('/api/service/users', { email })).status).toBe(200);
      expectError(await onTwo.post('/api/service/users', { email }), 429, 'RATE_LIMIT_EXCEEDED');
      expectError(await w.api.patch('/api/service/info', { name: 'x' }), 429, 'RATE_LIMIT_EXCEEDED');
      for (let i = 0; i < 20; i++) expect((await (i % 2 ? w.api : onTwo).delete(`/api/service/subscriptions/${fakeId('usr')}`)).status).toBe(404);
      expectError(await w.api.delete(`/api/service/subscriptions/${fakeId('usr')}`), 429, 'RATE_LIMIT_EXCEEDED');
      // Reads have their own budget.
      expect((await onTwo.get('/api/service/info')).status).toBe(200);
    });

    it('docs/security.md attack 33: the limit key is the API key, not the client address, on both instances', async () => {
      const w = await serviceWorld(one.url, owner);
      const onTwo = new Client(two.url).apiKey(w.key);
      for (let i = 0; i < 100; i++) {
        const api = i % 2 ? onTwo : w.api;
        expect((await api.get('/api/service/info', { 'x-forwarded-for': `192.0.2.${i}` })).status).toBe(200);
      }
      expectError(await onTwo.get('/api/service/info', { 'x-forwarded-for': '192.0.2.200' }), 429, 'RATE_LIMIT_EXCEEDED');
      const fresh = await extraKey(w, ['read:service']);
      expect((await new Client(two.url).apiKey(fresh.key).get('/api/service/info')).status).toBe(200);
    });
  });
});
