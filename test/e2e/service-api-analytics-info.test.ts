// Service API analytics and service info through real HTTP on every test database (docs/api.md, Service API).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { Client } from '../helpers/http.ts';
import { recordLogin } from '../../src/service-api/logins.ts';
import type { Db } from '../../src/db/client.ts';
import {
  RFC3339_Z,
  expectError,
  extraKey,
  fakeId,
  provisionUser,
  serviceApiSuite,
  subscribe,
  type Analytics,
  type ServiceInfo,
} from '../helpers/service-api.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;

describe.each(databases())('service API analytics and info on $name', (factory) => {
  const suite = serviceApiSuite(factory);
  const srv = suite.srv;

  const events = (serviceId: string, userId: string, agesMs: number[]) => {
    const now = Date.now();
    return agesMs.map((age) => ({ id: fakeId('evt'), serviceId, userId, createdAt: new Date(now - age) }));
  };

  // Logins are seeded through the product's own write path (event, hourly counter, last login).
  const seedLogins = async (db: Db, list: { serviceId: string; userId: string; createdAt: Date }[]) => {
    for (const e of list) await recordLogin(db, e.serviceId, e.userId, e.createdAt);
  };

  describe('GET /api/service/analytics', () => {
    it('is all zeros for a new service', async () => {
      const w = await suite.world();
      const res = await w.api.get<Analytics>('/api/service/analytics');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ total_users: 0, total_subscriptions: 0, active_subscriptions: 0, total_logins_30d: 0, unique_users_30d: 0 });
    });

    it('counts users, subscriptions and 30-day logins of this service exactly', async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const elsewhere = await suite.world();
      const db = srv.deps.db;

      const [u1, u2, u3, u4, _u5] = [
        await provisionUser(w.api),
        await provisionUser(w.api),
        await provisionUser(w.api),
        await provisionUser(w.api),
        await provisionUser(w.api),
      ];
      await subscribe(w.api, u1.id, w.planId, { status: 'active' });
      await subscribe(w.api, u2.id, w.planId, { status: 'active' });
      await subscribe(w.api, u3.id, w.planId, { status: 'cancelled' });
      await subscribe(w.api, u4.id, w.planId, { status: 'past_due' });
      // _u5: no subscription.

      // Another service of the same organization shares u1 and u4 and has its own user.
      await provisionUser(sibling.api, u1.email);
      await provisionUser(sibling.api, u4.email);
      const s1 = await provisionUser(sibling.api);
      await subscribe(sibling.api, u1.id, sibling.planId, { status: 'active' });
      await subscribe(sibling.api, s1.id, sibling.planId, { status: 'active' });
      // A service of another organization.
      const e1 = await provisionUser(elsewhere.api);
      await subscribe(elsewhere.api, e1.id, elsewhere.planId);

      await seedLogins(db, [
        // u1: three inside the window (one 29.5 days ago), one outside.
        ...events(w.service.id, u1.id, [MINUTE, DAY, 29.5 * DAY, 30.5 * DAY]),
        // u2: one inside.
        ...events(w.service.id, u2.id, [10 * MINUTE]),
        // u3: only outside.
        ...events(w.service.id, u3.id, [31 * DAY, 60 * DAY, 365 * DAY]),
        // u4: one inside, one outside.
        ...events(w.service.id, u4.id, [5 * DAY, 45 * DAY]),
        // u5 never logged in. Other services' events must not count.
        ...events(sibling.service.id, u1.id, [MINUTE, 2 * MINUTE, DAY]),
        ...events(sibling.service.id, u4.id, [MINUTE]),
        ...events(sibling.service.id, s1.id, [MINUTE, 3 * DAY]),
        ...events(elsewhere.service.id, e1.id, [MINUTE, DAY, 2 * DAY]),
      ]);

      const res = await w.api.get<Analytics>('/api/service/analytics');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ total_users: 5, total_subscriptions: 4, active_subscriptions: 2, total_logins_30d: 5, unique_users_30d: 3 });

      const sib = await sibling.api.get<Analytics>('/api/service/analytics');
      expect(sib.body).toEqual({ total_users: 3, total_subscriptions: 2, active_subscriptions: 2, total_logins_30d: 6, unique_users_30d: 3 });

      const other = await elsewhere.api.get<Analytics>('/api/service/analytics');
      expect(other.body).toEqual({ total_users: 1, total_subscriptions: 1, active_subscriptions: 1, total_logins_30d: 3, unique_users_30d: 1 });

      // Status changes move the active count; deleting a user drops its link, subscription and events.
      expect((await w.api.patch(`/api/service/subscriptions/${u2.id}`, { status: 'expired' })).status).toBe(200);
      expect((await w.api.patch(`/api/service/subscriptions/${u4.id}`, { status: 'active' })).status).toBe(200);
      expect((await w.api.get<Analytics>('/api/service/analytics')).body).toEqual({
        total_users: 5,
        total_subscriptions: 4,
        active_subscriptions: 2,
        total_logins_30d: 5,
        unique_users_30d: 3,
      });
      expect((await w.api.delete(`/api/service/users/${u1.id}`)).status).toBe(204);
      expect((await w.api.delete(`/api/service/subscriptions/${u3.id}`)).status).toBe(204);
      expect((await w.api.get<Analytics>('/api/service/analytics')).body).toEqual({
        total_users: 4,
        total_subscriptions: 2,
        active_subscriptions: 1,
        total_logins_30d: 2,
        unique_users_30d: 2,
      });
      // u1 is still known to the sibling service, with its events there.
      expect((await sibling.api.get<Analytics>('/api/service/analytics')).body).toEqual(sib.body);
    });

    it('counts a login event exactly once per event and a user once however often it logs in', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      await seedLogins(
        srv.deps.db,
        events(
          w.service.id,
          u.id,
          Array.from({ length: 25 }, (_, i) => (i + 1) * DAY),
        ),
      );
      const res = await w.api.get<Analytics>('/api/service/analytics');
      // Ages 1..25 days: every event is inside the window.
      expect(res.body).toEqual({ total_users: 1, total_subscriptions: 0, active_subscriptions: 0, total_logins_30d: 25, unique_users_30d: 1 });
      await seedLogins(srv.deps.db, events(w.service.id, u.id, [40 * DAY]));
      expect((await w.api.get<Analytics>('/api/service/analytics')).body.total_logins_30d).toBe(25);
    });
  });

  describe('GET /api/service/info', () => {
    it("returns {id, name, slug, service_type, created_at} of the key's service", async () => {
      const w = await suite.world();
      const res = await w.api.get<ServiceInfo>('/api/service/info');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: w.service.id,
        name: `Service ${w.service.slug}`,
        slug: w.service.slug,
        service_type: 'web',
        created_at: res.body.created_at,
      });
      expect(res.body.created_at).toMatch(RFC3339_Z);
      const adminView = await w.admin.client.get<{ service: { created_at: string } }>(`/api/organizations/${w.org}/services/${w.service.slug}`);
      expect(res.body.created_at).toBe(adminView.body.service.created_at);
    });
  });

  describe('last_used_at', () => {
    it('is written off the request path, at most once a minute per key, and shows in the admin API', async () => {
      const w = await suite.world();
      const view = async () =>
        (await w.admin.client.get<{ last_used_at: string | null }>(`/api/organizations/${w.org}/services/${w.service.slug}/api-keys/${w.keyId}`)).body
          .last_used_at;
      expect(await view()).toBeNull();
      const before = Date.now();
      expect((await w.api.get('/api/service/info')).status).toBe(200);
      await srv.deps.apiKeys.flushLastUsed();
      const first = await view();
      expect(first).toMatch(RFC3339_Z);
      expect(Date.parse(first ?? '')).toBeGreaterThanOrEqual(before - 5);
      expect(Date.parse(first ?? '')).toBeLessThanOrEqual(Date.now());
      // A second use within the minute is not written again.
      expect((await w.api.get('/api/service/info')).status).toBe(200);
      await srv.deps.apiKeys.flushLastUsed();
      expect(await view()).toBe(first);
    });
  });

  describe('PATCH /api/service/info', () => {
    it('renames the service; the next GET /info (and other keys, and the admin API) see the new name', async () => {
      const w = await suite.world();
      const second = await extraKey(w, ['read:service']);
      // Warm both keys' cached principals.
      expect((await w.api.get<ServiceInfo>('/api/service/info')).body.name).toBe(`Service ${w.service.slug}`);
      expect((await second.api.get<ServiceInfo>('/api/service/info')).body.name).toBe(`Service ${w.service.slug}`);

      const res = await w.api.patch<ServiceInfo>('/api/service/info', { name: '  Updated Application Name  ' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: w.service.id,
        name: 'Updated Application Name',
        slug: w.service.slug,
        service_type: 'web',
        created_at: res.body.created_at,
      });
      expect(res.body.created_at).toMatch(RFC3339_Z);

      expect((await w.api.get<ServiceInfo>('/api/service/info')).body).toEqual(res.body);
      expect((await second.api.get<ServiceInfo>('/api/service/info')).body).toEqual(res.body);
      const adminView = await w.admin.client.get<{ service: { name: string } }>(`/api/organizations/${w.org}/services/${w.service.slug}`);
      expect(adminView.body.service.name).toBe('Updated Application Name');
    });

    it('a rename through the admin API is visible at once on GET /info', async () => {
      const w = await suite.world();
      expect((await w.api.get<ServiceInfo>('/api/service/info')).status).toBe(200);
      const patched = await w.admin.client.patch(`/api/organizations/${w.org}/services/${w.service.slug}`, { name: 'Renamed by admin' });
      expect(patched.status).toBe(200);
      expect((await w.api.get<ServiceInfo>('/api/service/info')).body.name).toBe('Renamed by admin');
    });

    it('an empty body changes nothing (200)', async () => {
      const w = await suite.world();
      const before = await w.api.get<ServiceInfo>('/api/service/info');
      const res = await w.api.patch<ServiceInfo>('/api/service/info', {});
      expect(res.status).toBe(200);
      expect(res.body).toEqual(before.body);
    });

    it('rejects unknown fields, empty or overlong names and non-object bodies with 400', async () => {
      const w = await suite.world();
      const before = await w.api.get<ServiceInfo>('/api/service/info');
      const unknown = expectError(await w.api.patch('/api/service/info', { name: 'ok', slug: 'hijack' }), 400, 'BAD_REQUEST');
      expect(JSON.stringify(unknown.details)).toContain('slug');
      for (const body of [
        { service_type: 'api' },
        { organization_id: fakeId('org') },
        { id: fakeId('svc') },
        { name: '' },
        { name: '   ' },
        { name: 'x'.repeat(201) },
        { name: 7 },
      ]) {
        expectError(await w.api.patch('/api/service/info', body), 400, 'BAD_REQUEST');
      }
      expectError(await w.api.patch('/api/service/info', '"name"'), 400, 'BAD_REQUEST');
      expect((await w.api.get<ServiceInfo>('/api/service/info')).body).toEqual(before.body);
    });

    it('a key without write:service cannot rename (403) and the name is unchanged', async () => {
      const w = await suite.world();
      const reader = await extraKey(w, ['read:service']);
      expectError(await reader.api.patch('/api/service/info', { name: 'Nope' }), 403, 'FORBIDDEN', 'API key lacks write:service permission');
      expect((await new Client(srv.url).apiKey(w.key).get<ServiceInfo>('/api/service/info')).body.name).toBe(`Service ${w.service.slug}`);
    });
  });
});
