// Service API permissions and tenants through real HTTP on every test database (docs/security.md, attacks 28
// and 29; docs/api.md, Service API): each permission opens exactly its endpoints, no key reaches another service.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { ALL_PERMISSIONS, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import {
  SUB_NOT_FOUND,
  USER_NOT_LINKED,
  expectError,
  extraKey,
  provisionUser,
  rateHeaders,
  serviceApiSuite,
  serviceWorld,
  subscribe,
  type Analytics,
  type ApiSubscription,
  type ApiUser,
  type ServiceInfo,
  type ServiceWorld,
  type SubscriptionList,
  type UserList,
} from '../helpers/service-api.ts';
import type { Permission } from '../../src/api-keys/permissions.ts';

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

describe.each(databases())('service API security, permissions and tenants, on $name', (factory) => {
  const suite = serviceApiSuite(factory);
  const srv = suite.srv;

  describe('docs/security.md attack 28: permission matrix', () => {
    it.each(ALL_PERMISSIONS)('a key with only %s opens exactly its endpoints', async (permission) => {
      const w = await suite.world();
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
      const w = await suite.world();
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
      a1 = await tenant(srv.url, suite.admin);
      const a2 = await tenant(srv.url, suite.admin, a1.w.org);
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
});
