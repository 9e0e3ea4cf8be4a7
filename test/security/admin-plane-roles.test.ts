// docs/security.md, C, attack 29 on the admin plane through real HTTP: the role matrix of organization A and
// its isolation from organization B (test/helpers/admin-plane.ts sets both up).
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { adminPlaneSuite, expectError, expectStatus, setUpTenantB, subscribeThroughServiceApi, type TenantB } from '../helpers/admin-plane.ts';

type Role = 'member' | 'admin' | 'owner';
interface Route {
  name: string;
  min: Role;
  call: (c: Client) => Promise<Res<unknown>>;
}

describe.each(databases())('admin-plane security, roles and isolation, on $name', (factory) => {
  const t = adminPlaneSuite(factory);
  const { srv } = t;
  let b: TenantB;
  beforeAll(async () => {
    b = await setUpTenantB(srv.url);
  });

  /** Every admin-plane route on organization A with the least role that may use it. */
  function routesOfA(): Route[] {
    const o = `/api/organizations/${t.a.org}`;
    const s = `${o}/services/${t.a.svc.slug}`;
    return [
      { name: 'GET org', min: 'member', call: (c) => c.get(o) },
      { name: 'GET members', min: 'member', call: (c) => c.get(`${o}/members`) },
      { name: 'GET services', min: 'member', call: (c) => c.get(`${o}/services`) },
      { name: 'GET service', min: 'member', call: (c) => c.get(s) },
      { name: 'GET plans', min: 'member', call: (c) => c.get(`${s}/plans`) },
      { name: 'GET plan', min: 'member', call: (c) => c.get(`${s}/plans/${t.a.plan}`) },
      { name: 'GET api-keys', min: 'member', call: (c) => c.get(`${s}/api-keys`) },
      { name: 'GET api-key', min: 'member', call: (c) => c.get(`${s}/api-keys/${t.a.key.id}`) },
      { name: 'GET users', min: 'member', call: (c) => c.get(`${o}/users`) },
      { name: 'GET user', min: 'member', call: (c) => c.get(`${o}/users/${t.a.user}`) },
      { name: 'PATCH org', min: 'admin', call: (c) => c.patch(o, { name: 'Hijacked' }) },
      { name: 'GET invitations', min: 'admin', call: (c) => c.get(`${o}/invitations`) },
      { name: 'POST invitation', min: 'admin', call: (c) => c.post(`${o}/invitations`, { email: uniqueEmail('inv'), role: 'member' }) },
      { name: 'DELETE invitation', min: 'admin', call: (c) => c.delete(`${o}/invitations/inv_aaaaaaaaaaaaaaaaaaaaaaaa`) },
      { name: 'POST service', min: 'admin', call: (c) => c.post(`${o}/services`, { slug: 'intruder-svc', name: 'x', service_type: 'web' }) },
      { name: 'PATCH service', min: 'admin', call: (c) => c.patch(s, { name: 'Hijacked', redirect_uris: ['https://evil.example.com/cb'] }) },
      { name: 'POST plan', min: 'admin', call: (c) => c.post(`${s}/plans`, { name: 'Intruder', price_cents: 0, currency: 'usd', features: [] }) },
      { name: 'PATCH plan', min: 'admin', call: (c) => c.patch(`${s}/plans/${t.a.plan}`, { price_cents: 1 }) },
      { name: 'DELETE plan', min: 'admin', call: (c) => c.delete(`${s}/plans/${t.a.plan}`) },
      { name: 'POST api-key', min: 'admin', call: (c) => c.post(`${s}/api-keys`, { name: 'Intruder', permissions: ['read:users'] }) },
      { name: 'DELETE api-key', min: 'admin', call: (c) => c.delete(`${s}/api-keys/${t.a.key.id}`) },
      { name: 'POST user', min: 'admin', call: (c) => c.post(`${o}/users`, { email: 'intruder@example.com' }) },
      { name: 'PATCH user', min: 'admin', call: (c) => c.patch(`${o}/users/${t.a.user}`, { disabled: true }) },
      { name: 'DELETE user', min: 'admin', call: (c) => c.delete(`${o}/users/${t.a.user}`) },
      { name: 'POST password-link', min: 'admin', call: (c) => c.post(`${o}/users/${t.a.user}/password-link`) },
      { name: 'DELETE org', min: 'owner', call: (c) => c.delete(o) },
      { name: 'DELETE service', min: 'owner', call: (c) => c.delete(s) },
      // The target is the owner: never the caller (leaving by oneself is allowed to anyone).
      { name: 'PATCH member role', min: 'owner', call: (c) => c.patch(`${o}/members/${t.a.owner.accountId}`, { role: 'member' }) },
      { name: 'DELETE other member', min: 'owner', call: (c) => c.delete(`${o}/members/${t.a.owner.accountId}`) },
    ];
  }

  describe('role matrix and isolation (docs/security.md attack 29)', () => {
    it('a non-member gets 404 for every route of the organization, whatever their role elsewhere', async () => {
      for (const route of routesOfA()) {
        for (const outsider of [b.owner, b.admin]) {
          const res = await route.call(outsider.client);
          expect(res.status, `${route.name} as non-member`).toBe(404);
          expectError(res, 404, 'NOT_FOUND');
        }
      }
      await t.expectAIntact();
    });

    it('a member reads everything but every write is 403', async () => {
      for (const route of routesOfA()) {
        const res = await route.call(t.a.member.client);
        if (route.min === 'member') expect(res.status, `${route.name} as member`).toBe(200);
        else {
          expect(res.status, `${route.name} as member`).toBe(403);
          expectError(res, 403, 'FORBIDDEN');
        }
      }
      await t.expectAIntact();
    });

    it('an admin cannot delete the org or a service, nor change roles or remove others (403)', async () => {
      for (const route of routesOfA().filter((r) => r.min === 'owner')) {
        const res = await route.call(t.a.admin.client);
        expect(res.status, `${route.name} as admin`).toBe(403);
        expectError(res, 403, 'FORBIDDEN');
      }
      // Nor promote themselves, nor invite an owner.
      expectError(await t.a.admin.client.patch(`/api/organizations/${t.a.org}/members/${t.a.admin.accountId}`, { role: 'owner' }), 403, 'FORBIDDEN');
      expectError(await t.a.admin.client.post(`/api/organizations/${t.a.org}/invitations`, { email: uniqueEmail('x'), role: 'owner' }), 403, 'FORBIDDEN');
      await t.expectAIntact();
    });

    it('an admin manages services, plans, keys, the directory and invitations', async () => {
      const o = `/api/organizations/${t.a.org}`;
      const svc = await t.a.admin.client.post<{ service: { slug: string } }>(`${o}/services`, { slug: 'admin-made', name: 'Admin made', service_type: 'api' });
      expectStatus(svc, 201);
      const s = `${o}/services/admin-made`;
      expectStatus(await t.a.admin.client.patch(s, { name: 'Renamed' }), 200);
      const plan = await t.a.admin.client.post<{ plan: { id: string } }>(`${s}/plans`, { name: 'P', price_cents: 1, currency: 'usd', features: [] });
      expectStatus(plan, 201);
      expectStatus(await t.a.admin.client.patch(`${s}/plans/${plan.body.plan.id}`, { price_cents: 2 }), 200);
      expectStatus(await t.a.admin.client.delete(`${s}/plans/${plan.body.plan.id}`), 204);
      const key = await t.a.admin.client.post<{ id: string }>(`${s}/api-keys`, { name: 'k', permissions: ['read:service'] });
      expectStatus(key, 201);
      expectStatus(await t.a.admin.client.delete(`${s}/api-keys/${key.body.id}`), 204);
      const user = await t.a.admin.client.post<{ user: { id: string } }>(`${o}/users`, { email: uniqueEmail('adm') });
      expectStatus(user, 201);
      expectStatus(await t.a.admin.client.patch(`${o}/users/${user.body.user.id}`, { disabled: true }), 200);
      expectStatus(await t.a.admin.client.post(`${o}/users/${user.body.user.id}/password-link`), 201);
      expectStatus(await t.a.admin.client.delete(`${o}/users/${user.body.user.id}`), 204);
      const inv = await t.a.admin.client.post<{ invitation: { id: string } }>(`${o}/invitations`, { email: uniqueEmail('adm-inv'), role: 'admin' });
      expectStatus(inv, 201);
      expectStatus(await t.a.admin.client.delete(`${o}/invitations/${inv.body.invitation.id}`), 204);
      // The owner cleans up the service (owner-only).
      expectStatus(await t.a.owner.client.delete(s), 204);
      await t.expectAIntact();
    });

    it('the last owner cannot leave or be demoted (409)', async () => {
      expectError(await t.a.owner.client.delete(`/api/organizations/${t.a.org}/members/${t.a.owner.accountId}`), 409, 'CONFLICT');
      expectError(await t.a.owner.client.patch(`/api/organizations/${t.a.org}/members/${t.a.owner.accountId}`, { role: 'member' }), 409, 'CONFLICT');
      await t.expectAIntact();
    });

    it("org B's admin cannot reach org A's services, plans, keys, users, invitations or members by id (404)", async () => {
      const inv = await t.a.owner.client.post<{ invitation: { id: string } }>(`/api/organizations/${t.a.org}/invitations`, {
        email: uniqueEmail('a-inv'),
        role: 'member',
      });
      const ob = `/api/organizations/${b.org}`;
      const sb = `${ob}/services/${b.svc.slug}`;
      const attempts: [string, Promise<Res<unknown>>][] = [
        ['A service slug under B', b.admin.client.get(`${ob}/services/${t.a.svc.slug}`)],
        ['A service slug under B (patch)', b.admin.client.patch(`${ob}/services/${t.a.svc.slug}`, { name: 'x' })],
        ['A plans under B slug', b.admin.client.get(`${ob}/services/${t.a.svc.slug}/plans`)],
        ['A plan id under B service', b.admin.client.get(`${sb}/plans/${t.a.plan}`)],
        ['A plan id patch', b.admin.client.patch(`${sb}/plans/${t.a.plan}`, { price_cents: 1 })],
        ['A plan id delete', b.admin.client.delete(`${sb}/plans/${t.a.plan}`)],
        ['A key id under B service', b.admin.client.get(`${sb}/api-keys/${t.a.key.id}`)],
        ['A key id delete', b.admin.client.delete(`${sb}/api-keys/${t.a.key.id}`)],
        ['A user id under B', b.admin.client.get(`${ob}/users/${t.a.user}`)],
        ['A user id patch', b.admin.client.patch(`${ob}/users/${t.a.user}`, { disabled: true })],
        ['A user id delete', b.admin.client.delete(`${ob}/users/${t.a.user}`)],
        ['A user password link', b.admin.client.post(`${ob}/users/${t.a.user}/password-link`)],
        ['A invitation delete', b.admin.client.delete(`${ob}/invitations/${inv.body.invitation.id}`)],
        ['A member role', b.owner.client.patch(`${ob}/members/${t.a.member.accountId}`, { role: 'admin' })],
        ['A member remove', b.owner.client.delete(`${ob}/members/${t.a.member.accountId}`)],
        ['A org by slug', b.admin.client.get(`/api/organizations/${t.a.org}/services/${t.a.svc.slug}/api-keys`)],
      ];
      for (const [name, pending] of attempts) {
        const res = await pending;
        expect(res.status, name).toBe(404);
        expectError(res, 404, 'NOT_FOUND');
      }
      // A's lists never show up in B's.
      const usersB = await b.admin.client.get<{ users: { id: string }[] }>(`${ob}/users`);
      expect(usersB.body.users.map((u) => u.id)).not.toContain(t.a.user);
      const keysB = await b.admin.client.get<{ api_keys: { id: string }[] }>(`${sb}/api-keys`);
      expect(keysB.body.api_keys.map((k) => k.id)).not.toContain(t.a.key.id);
      const servicesB = await b.admin.client.get<{ services: { id: string }[] }>(`${ob}/services`);
      expect(servicesB.body.services.map((s) => s.id)).not.toContain(t.a.svc.id);
      expectStatus(await t.a.owner.client.delete(`/api/organizations/${t.a.org}/invitations/${inv.body.invitation.id}`), 204);
      await t.expectAIntact();
    });

    it("another service's user, subscription or plan through the Service API: 404/403", async () => {
      const apiB = new Client(srv.url).apiKey(b.key.key);
      const linkedA = await subscribeThroughServiceApi(srv.url, t.a.key.key, uniqueEmail('sub-a'), t.a.plan);
      expectError(await apiB.get(`/api/service/users/${linkedA}`), 404, 'NOT_FOUND');
      expectError(await apiB.get(`/api/service/subscriptions/${linkedA}`), 404, 'NOT_FOUND');
      expectError(await apiB.patch(`/api/service/subscriptions/${linkedA}`, { status: 'cancelled' }), 404, 'NOT_FOUND');
      const userB = await apiB.post<{ id: string }>('/api/service/users', { email: uniqueEmail('user-b') });
      const foreignPlan = await apiB.post('/api/service/subscriptions', { user_id: userB.body.id, plan_id: t.a.plan });
      expect([403, 404]).toContain(foreignPlan.status);
      expectError(foreignPlan, foreignPlan.status);
      expectStatus(await apiB.post('/api/service/subscriptions', { user_id: userB.body.id, plan_id: b.plan }), 200);
      // A's subscription is untouched, then removed so org A stays as set up.
      const apiA = new Client(srv.url).apiKey(t.a.key.key);
      const subA = await apiA.get<{ status: string }>(`/api/service/subscriptions/${linkedA}`);
      expect(subA.body.status).toBe('active');
      expectStatus(await apiA.patch(`/api/service/subscriptions/${linkedA}`, { status: 'cancelled' }), 200);
      expectStatus(await t.a.owner.client.delete(`/api/organizations/${t.a.org}/users/${linkedA}`), 204);
      await t.expectAIntact();
    });
  });
});
