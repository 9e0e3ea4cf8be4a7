// Plans and API keys of a service through real HTTP (docs/api.md: Plans, API keys).
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { ALL_PERMISSIONS, createKey, createOrg, createPlan, createService, createTeam, type Admin } from '../helpers/fixtures.ts';
import { type PlanBody, RFC3339_UTC, expectError, expectStatus, inviteExisting, subscribeThroughServiceApi, tick } from '../helpers/admin-plane.ts';

interface PlanWithCount {
  plan: PlanBody;
  subscription_count: number;
}
interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  name: string;
  permissions: string[];
  environment: string;
  expires_at: string | null;
  created_at: string;
}
interface KeyView {
  id: string;
  prefix: string;
  name: string;
  permissions: string[];
  environment: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

const KEY_FORMAT = /^sk_(live|test)_[A-Za-z0-9_-]{49}$/;

describe.each(databases())('plans and API keys on $name', (factory) => {
  const srv = suiteServer(factory);
  // The owner's team; each block below works in an organization of its own, shared with the same admin and member.
  let owner: Admin;
  let admin: Admin;
  let member: Admin;
  beforeAll(async () => {
    ({ owner, admin, member } = await createTeam(srv.url));
  });

  describe('plans', () => {
    let org: string; // an organization of its own, so the 10-service default limit is not reached
    let svc: string;
    const plansPath = (id = '') => `/api/organizations/${org}/services/${svc}/plans${id ? `/${id}` : ''}`;
    beforeAll(async () => {
      org = await createOrg(owner);
      await inviteExisting(owner, org, admin, 'admin');
      await inviteExisting(owner, org, member, 'member');
      svc = (await createService(owner, org)).slug;
    });

    it('creates a plan: 201 {plan, subscription_count:0}, currency stored lower-case', async () => {
      const res = await admin.client.post<PlanWithCount>(plansPath(), { name: 'Starter', price_cents: 990, currency: 'EUR', features: ['sso', 'audit-log'] });
      expectStatus(res, 201);
      expect(res.body.subscription_count).toBe(0);
      const p = res.body.plan;
      expect(p.id).toMatch(/^plan_[A-Za-z0-9_-]+$/);
      expect(p.name).toBe('Starter');
      expect(p.price_cents).toBe(990);
      expect(p.currency).toBe('eur');
      expect(p.features).toEqual(['sso', 'audit-log']);
      expect(p.created_at).toMatch(RFC3339_UTC);
      const read = await member.client.get<PlanWithCount>(plansPath(p.id));
      expectStatus(read, 200);
      expect(read.body).toEqual({ plan: p, subscription_count: 0 });
    });

    it('price_cents is an integer from 0 to 10^10', async () => {
      const zero = await owner.client.post<PlanWithCount>(plansPath(), { name: 'Free', price_cents: 0, currency: 'usd', features: [] });
      expectStatus(zero, 201);
      expect(zero.body.plan.price_cents).toBe(0);
      const max = await owner.client.post<PlanWithCount>(plansPath(), { name: 'Whale', price_cents: 10_000_000_000, currency: 'usd', features: [] });
      expectStatus(max, 201);
      expect(max.body.plan.price_cents).toBe(10_000_000_000);
      const readMax = await owner.client.get<PlanWithCount>(plansPath(max.body.plan.id));
      expect(readMax.body.plan.price_cents).toBe(10_000_000_000);
      for (const price of [-1, 10_000_000_001, 1.5, '100', null]) {
        const err = expectError(
          await owner.client.post(plansPath(), { name: `Bad ${String(price)}`, price_cents: price, currency: 'usd', features: [] }),
          400,
          'BAD_REQUEST',
        );
        expect(err.details?.some((d) => d.field === 'price_cents')).toBe(true);
      }
    });

    it('currency must be a 3-letter code; features must be strings', async () => {
      for (const currency of ['us', 'euro', '123', '', 'u$d', 'abc', 'qqq']) {
        expectError(await owner.client.post(plansPath(), { name: `C ${currency}`, price_cents: 1, currency, features: [] }), 400, 'BAD_REQUEST');
      }
      expectError(await owner.client.post(plansPath(), { name: 'F', price_cents: 1, currency: 'usd', features: [1, 2] }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post(plansPath(), { name: 'F', price_cents: 1, currency: 'usd', features: 'sso' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post(plansPath(), { name: '', price_cents: 1, currency: 'usd', features: [] }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post(plansPath(), { name: 'NoCur', price_cents: 1, features: [] }), 400, 'BAD_REQUEST');
    });

    it('plan names are unique per service (409), not across services', async () => {
      await createPlan(owner, org, svc, 'Unique');
      // The detail names the field that clashed, so a form shows the refusal beside it (the console does).
      const taken = expectError(await owner.client.post(plansPath(), { name: 'Unique', price_cents: 5, currency: 'usd', features: [] }), 409, 'CONFLICT');
      expect(taken.details?.map((d) => d.field)).toEqual(['name']);
      const other = await createService(owner, org);
      await createPlan(owner, org, other.slug, 'Unique');
      const renameClash = await createPlan(owner, org, svc, 'Clash-Me');
      expectError(await owner.client.patch(plansPath(renameClash), { name: 'Unique' }), 409, 'CONFLICT');
    });

    it('lists plans as a bare array of {plan, subscription_count} in creation order', async () => {
      const s = await createService(owner, org);
      const ids: string[] = [];
      for (const name of ['Zed', 'Alpha', 'Mu']) {
        ids.push(await createPlan(owner, org, s.slug, name));
        await tick();
      }
      const res = await member.client.get<PlanWithCount[]>(`/api/organizations/${org}/services/${s.slug}/plans`);
      expectStatus(res, 200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body.map((x) => x.plan.id)).toEqual(ids);
      expect(res.body.map((x) => x.plan.name)).toEqual(['Zed', 'Alpha', 'Mu']);
      expect(res.body.every((x) => x.subscription_count === 0 && x.plan.service_id === s.id)).toBe(true);
    });

    it('PATCH updates fields (admin), lower-cases currency; members get 403', async () => {
      const id = await createPlan(owner, org, svc, 'Patchable');
      const res = await admin.client.patch<PlanWithCount>(plansPath(id), { name: 'Patched', price_cents: 4200, currency: 'GBP', features: ['a'] });
      expectStatus(res, 200);
      expect(res.body.plan).toEqual(expect.objectContaining({ id, name: 'Patched', price_cents: 4200, currency: 'gbp', features: ['a'] }));
      expect(res.body.subscription_count).toBe(0);
      const partial = await admin.client.patch<PlanWithCount>(plansPath(id), { price_cents: 100 });
      expect(partial.body.plan).toEqual(expect.objectContaining({ name: 'Patched', price_cents: 100, currency: 'gbp' }));
      expectError(await admin.client.patch(plansPath(id), { price_cents: -5 }), 400, 'BAD_REQUEST');
      expectError(await admin.client.patch(plansPath(id), { service_id: 'svc_x' }), 400, 'BAD_REQUEST');
      expectError(await member.client.patch(plansPath(id), { name: 'Nope' }), 403, 'FORBIDDEN');
      expectError(await member.client.post(plansPath(), { name: 'Nope', price_cents: 1, currency: 'usd', features: [] }), 403, 'FORBIDDEN');
      expectError(await member.client.delete(plansPath(id)), 403, 'FORBIDDEN');
    });

    it('unknown or malformed plan ids are 404', async () => {
      expectError(await member.client.get(plansPath('plan_doesnotexist000000000')), 404, 'NOT_FOUND');
      expectError(await member.client.get(plansPath('not-a-plan-id')), 404, 'NOT_FOUND');
      expectError(await owner.client.patch(plansPath('plan_doesnotexist000000000'), { name: 'x' }), 404, 'NOT_FOUND');
      expectError(await owner.client.delete(plansPath('plan_doesnotexist000000000')), 404, 'NOT_FOUND');
    });

    it('DELETE is refused (409) while an active or past_due subscription exists; allowed once cancelled', async () => {
      const s = await createService(owner, org);
      const planId = await createPlan(owner, org, s.slug, 'Subscribed');
      const key = await createKey(owner, org, s.slug, ['write:users', 'write:subscriptions']);
      const path = `/api/organizations/${org}/services/${s.slug}/plans/${planId}`;
      const active = await subscribeThroughServiceApi(srv.url, key.key, uniqueEmail('active'), planId, 'active');
      const pastDue = await subscribeThroughServiceApi(srv.url, key.key, uniqueEmail('pastdue'), planId, 'past_due');

      const withCount = await member.client.get<PlanWithCount>(path);
      expect(withCount.body.subscription_count).toBe(2);
      const list = await member.client.get<PlanWithCount[]>(`/api/organizations/${org}/services/${s.slug}/plans`);
      expect(list.body.find((x) => x.plan.id === planId)?.subscription_count).toBe(2);
      // A bare array with no total: not paged, so paging parameters are refused rather than ignored.
      for (const q of ['limit=1', 'limit=0', 'offset=1', 'foo=bar']) {
        expectError(await member.client.get(`/api/organizations/${org}/services/${s.slug}/plans?${q}`), 400, 'BAD_REQUEST');
      }

      expectError(await admin.client.delete(path), 409, 'CONFLICT');
      const api = new Client(srv.url).apiKey(key.key);
      const cancelActive = await api.patch<{ status: string }>(`/api/service/subscriptions/${active}`, { status: 'cancelled' });
      expectStatus(cancelActive, 200);
      expect(cancelActive.body.status).toBe('cancelled');
      // Still one past_due subscription.
      expectError(await admin.client.delete(path), 409, 'CONFLICT');
      expectStatus(await api.patch(`/api/service/subscriptions/${pastDue}`, { status: 'cancelled' }), 200);
      expectStatus(await admin.client.delete(path), 204);
      expectError(await member.client.get(path), 404, 'NOT_FOUND');
    });

    it('a plan with no subscriptions is deleted by an admin (204)', async () => {
      const id = await createPlan(owner, org, svc, 'Ephemeral');
      expectStatus(await admin.client.delete(plansPath(id)), 204);
      expectError(await admin.client.delete(plansPath(id)), 404, 'NOT_FOUND');
    });
  });

  describe('API keys', () => {
    let org: string;
    let svc: { slug: string; id: string };
    const keysPath = (id = '') => `/api/organizations/${org}/services/${svc.slug}/api-keys${id ? `/${id}` : ''}`;
    beforeAll(async () => {
      org = await createOrg(owner);
      await inviteExisting(owner, org, admin, 'admin');
      await inviteExisting(owner, org, member, 'member');
      svc = await createService(owner, org);
    });

    it('creates a live key: 201 with the documented fields, format and prefix', async () => {
      const res = await admin.client.post<CreatedKey>(keysPath(), { name: 'Backend', permissions: ['read:users', 'read:service'] });
      expectStatus(res, 201);
      const k = res.body;
      expect(k.key).toMatch(KEY_FORMAT);
      expect(k.key.startsWith('sk_live_')).toBe(true);
      expect(k.environment).toBe('live');
      expect(k.prefix).toBe(k.key.slice('sk_live_'.length, 'sk_live_'.length + 12));
      expect(k.prefix).toHaveLength(12);
      expect(k.id).toMatch(/^key_[A-Za-z0-9_-]+$/);
      expect(k.name).toBe('Backend');
      expect(k.permissions).toEqual(['read:users', 'read:service']);
      expect(k.expires_at).toBeNull();
      expect(k.created_at).toMatch(RFC3339_UTC);
      expect(Object.keys(k).sort()).toEqual(['created_at', 'environment', 'expires_at', 'id', 'key', 'name', 'permissions', 'prefix']);
      const info = await new Client(srv.url).apiKey(k.key).get<{ id: string }>('/api/service/info');
      expectStatus(info, 200);
      expect(info.body.id).toBe(svc.id);
    });

    it('creates a test key (sk_test_) and keys are unique', async () => {
      const res = await admin.client.post<CreatedKey>(keysPath(), { name: 'Test', permissions: ['read:service'], environment: 'test' });
      expectStatus(res, 201);
      expect(res.body.key).toMatch(KEY_FORMAT);
      expect(res.body.key.startsWith('sk_test_')).toBe(true);
      expect(res.body.environment).toBe('test');
      expect(res.body.prefix).toBe(res.body.key.slice(8, 20));
      const again = await createKey(admin, org, svc.slug, ['read:service'], { environment: 'test' });
      expect(again.key).not.toBe(res.body.key);
      expectError(await admin.client.post(keysPath(), { name: 'x', permissions: ['read:service'], environment: 'staging' }), 400, 'BAD_REQUEST');
    });

    it('expires_in_days is 1..3650 or absent', async () => {
      const one = await admin.client.post<CreatedKey>(keysPath(), { name: 'One day', permissions: ['read:service'], expires_in_days: 1 });
      expectStatus(one, 201);
      const hours = ((one.body.expires_at ? Date.parse(one.body.expires_at) : 0) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(23.9);
      expect(hours).toBeLessThanOrEqual(24.01);
      expect(one.body.expires_at).toMatch(RFC3339_UTC);
      const max = await admin.client.post<CreatedKey>(keysPath(), { name: 'Ten years', permissions: ['read:service'], expires_in_days: 3650 });
      expectStatus(max, 201);
      const days = ((max.body.expires_at ? Date.parse(max.body.expires_at) : 0) - Date.now()) / 86_400_000;
      expect(Math.round(days)).toBe(3650);
      for (const v of [0, -1, 3651, 1.5, '30', null]) {
        const err = expectError(await admin.client.post(keysPath(), { name: 'Bad', permissions: ['read:service'], expires_in_days: v }), 400, 'BAD_REQUEST');
        expect(
          err.details?.some((d) => d.field === 'expires_in_days'),
          String(v),
        ).toBe(true);
      }
    });

    it('validates permissions: unknown → 400, empty → 400, missing → 400; all nine are accepted', async () => {
      const unknown = expectError(await admin.client.post(keysPath(), { name: 'x', permissions: ['read:users', 'admin:everything'] }), 400, 'BAD_REQUEST');
      expect(unknown.details?.some((d) => d.field.startsWith('permissions'))).toBe(true);
      expectError(await admin.client.post(keysPath(), { name: 'x', permissions: [] }), 400, 'BAD_REQUEST');
      expectError(await admin.client.post(keysPath(), { name: 'x' }), 400, 'BAD_REQUEST');
      expectError(await admin.client.post(keysPath(), { name: 'x', permissions: 'read:users' }), 400, 'BAD_REQUEST');
      expectError(await admin.client.post(keysPath(), { permissions: ['read:users'] }), 400, 'BAD_REQUEST');
      const all = await admin.client.post<CreatedKey>(keysPath(), { name: 'All', permissions: ALL_PERMISSIONS });
      expectStatus(all, 201);
      expect([...all.body.permissions].sort()).toEqual([...ALL_PERMISSIONS].sort());
    });

    it('GET list and GET one never contain the key or its hash', async () => {
      const created = await createKey(admin, org, svc.slug, ['read:users']);
      const list = await member.client.get<{ api_keys: KeyView[]; total: number }>(keysPath());
      expectStatus(list, 200);
      expect(list.body.total).toBe(list.body.api_keys.length);
      expect(list.body.api_keys.map((k) => k.id)).toContain(created.id);
      expect(list.text).not.toContain(created.key);
      expect(list.text).not.toContain(created.key.slice(8));
      expect(list.text).not.toMatch(/key_hash|keyHash|"key"\s*:/);
      const row = await srv.deps.db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
      expect(row.keyHash).not.toBe(created.key);
      expect(list.text).not.toContain(row.keyHash);
      const one = await member.client.get<KeyView>(keysPath(created.id));
      expectStatus(one, 200);
      expect(Object.keys(one.body).sort()).toEqual(['created_at', 'environment', 'expires_at', 'id', 'last_used_at', 'name', 'permissions', 'prefix']);
      expect(one.body.prefix).toBe(created.key.slice(8, 20));
      expect(one.text).not.toContain(created.key);
      expect(one.text).not.toContain(row.keyHash);
    });

    it('lists keys in creation order with pagination and total', async () => {
      const s = await createService(owner, org);
      const p = (q = '') => `/api/organizations/${org}/services/${s.slug}/api-keys${q}`;
      const ids = [];
      for (let i = 0; i < 3; i++) {
        ids.push((await createKey(owner, org, s.slug, ['read:service'])).id);
        await tick();
      }
      const all = await member.client.get<{ api_keys: KeyView[]; total: number }>(p());
      expect(all.body.api_keys.map((k) => k.id)).toEqual(ids);
      expect(all.body.total).toBe(3);
      const page = await member.client.get<{ api_keys: KeyView[]; total: number }>(p('?limit=1&offset=2'));
      expect(page.body.api_keys.map((k) => k.id)).toEqual([ids[2]]);
      expect(page.body.total).toBe(3);
      expectError(await member.client.get(p('?limit=0')), 400, 'BAD_REQUEST');
    });

    it('members cannot create or delete keys (403)', async () => {
      const k = await createKey(admin, org, svc.slug, ['read:service']);
      expectError(await member.client.post(keysPath(), { name: 'x', permissions: ['read:service'] }), 403, 'FORBIDDEN');
      expectError(await member.client.delete(keysPath(k.id)), 403, 'FORBIDDEN');
      expectStatus(await new Client(srv.url).apiKey(k.key).get('/api/service/info'), 200);
    });

    it('DELETE (204): the key is refused on the very next Service API request (401)', async () => {
      const k = await createKey(admin, org, svc.slug, ['read:service', 'read:users']);
      const api = new Client(srv.url).apiKey(k.key);
      // Warm any cache first.
      expectStatus(await api.get('/api/service/info'), 200);
      expectStatus(await api.get('/api/service/users'), 200);
      const del = await admin.client.delete(keysPath(k.id));
      expectStatus(del, 204);
      expect(del.text).toBe('');
      expectError(await api.get('/api/service/info'), 401, 'UNAUTHORIZED');
      expectError(await api.get('/api/service/users'), 401, 'UNAUTHORIZED');
      expectError(await member.client.get(keysPath(k.id)), 404, 'NOT_FOUND');
      expectError(await admin.client.delete(keysPath(k.id)), 404, 'NOT_FOUND');
    });

    it('concurrent DELETEs of one key or plan: one 204, the others 404, never a 500', async () => {
      // Each DELETE finds the row before its transaction deletes it: the ones that lost the race find
      // it gone inside the transaction, which is the 404 it would have been a moment later.
      const k = await createKey(admin, org, svc.slug, ['read:service']);
      const plan = await createPlan(owner, org, svc.slug, 'Raced');
      for (const path of [keysPath(k.id), `/api/organizations/${org}/services/${svc.slug}/plans/${plan}`]) {
        const answers = await Promise.all(Array.from({ length: 6 }, () => admin.client.delete(path)));
        const statuses = answers.map((r) => r.status).sort();
        expect(statuses, path).toEqual([204, 404, 404, 404, 404, 404]);
        for (const r of answers.filter((a) => a.status === 404)) expectError(r, 404, 'NOT_FOUND');
      }
    });

    it('unknown or malformed key ids are 404; a key of another service is 404 here', async () => {
      expectError(await member.client.get(keysPath('key_doesnotexist000000000')), 404, 'NOT_FOUND');
      expectError(await member.client.get(keysPath('sk_live_whatever')), 404, 'NOT_FOUND');
      const other = await createService(owner, org);
      const foreign = await createKey(owner, org, other.slug, ['read:service']);
      expectError(await member.client.get(keysPath(foreign.id)), 404, 'NOT_FOUND');
      expectError(await owner.client.delete(keysPath(foreign.id)), 404, 'NOT_FOUND');
      expectStatus(await new Client(srv.url).apiKey(foreign.key).get('/api/service/info'), 200);
    });
  });
});
