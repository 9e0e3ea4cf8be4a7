// Service API subscriptions through real HTTP on every test database (docs/api.md, Service API).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { createPlan } from '../helpers/fixtures.ts';
import {
  RFC3339_Z,
  SUB_NOT_FOUND,
  expectError,
  fakeId,
  provisionUser,
  serviceApiSuite,
  subscribe,
  type ApiSubscription,
  type SubscriptionList,
} from '../helpers/service-api.ts';

const DAY = 86_400_000;
const STATUSES = ['active', 'cancelled', 'expired', 'past_due'] as const;

describe.each(databases())('service API subscriptions on $name', (factory) => {
  const suite = serviceApiSuite(factory);

  describe('POST /api/service/subscriptions', () => {
    it('creates an active subscription ending in 30 days by default, with the plan name', async () => {
      const w = await suite.world({ planName: 'Professional Plan' });
      const u = await provisionUser(w.api);
      const before = Date.now();
      const res = await w.api.post<ApiSubscription>('/api/service/subscriptions', { user_id: u.id, plan_id: w.planId });
      const after = Date.now();
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['current_period_end', 'id', 'plan_id', 'plan_name', 'status', 'user_id']);
      expect(res.body.id).toMatch(/^sub_/);
      expect(res.body.user_id).toBe(u.id);
      expect(res.body.plan_id).toBe(w.planId);
      expect(res.body.plan_name).toBe('Professional Plan');
      expect(res.body.status).toBe('active');
      expect(res.body.current_period_end).toMatch(RFC3339_Z);
      const end = Date.parse(res.body.current_period_end);
      expect(end).toBeGreaterThanOrEqual(before + 30 * DAY - 1000);
      expect(end).toBeLessThanOrEqual(after + 30 * DAY + 1000);
    });

    it('stores an explicit status and period end (normalised to UTC)', async () => {
      const w = await suite.world();
      const u1 = await provisionUser(w.api);
      const s1 = await subscribe(w.api, u1.id, w.planId, { status: 'past_due', current_period_end: '2030-01-15T10:30:00Z' });
      expect(s1.status).toBe('past_due');
      expect(s1.current_period_end).toBe('2030-01-15T10:30:00.000Z');
      expect(s1.plan_name).toBe(w.planName);
      const u2 = await provisionUser(w.api);
      const s2 = await subscribe(w.api, u2.id, w.planId, { status: 'cancelled', current_period_end: '2030-01-15T12:30:00.250+02:00' });
      expect(s2.status).toBe('cancelled');
      expect(s2.current_period_end).toBe('2030-01-15T10:30:00.250Z');
      const got = await w.api.get<ApiSubscription>(`/api/service/subscriptions/${u2.id}`);
      expect(got.body).toEqual(s2);
    });

    it.each(STATUSES)('accepts the status %s', async (status) => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      expect((await subscribe(w.api, u.id, w.planId, { status })).status).toBe(status);
    });

    it('a second POST for the same user is 409 CONFLICT, whatever the status', async () => {
      const w = await suite.world();
      const other = await createPlan(w.admin, w.org, w.service.slug, 'Other plan');
      const u = await provisionUser(w.api);
      const first = await subscribe(w.api, u.id, w.planId, { status: 'cancelled' });
      expectError(await w.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: w.planId }), 409, 'CONFLICT');
      expectError(await w.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: other, status: 'active' }), 409, 'CONFLICT');
      expect((await w.api.get<ApiSubscription>(`/api/service/subscriptions/${u.id}`)).body).toEqual(first);
    });

    it('unknown user (well-formed id) and a user of another service are 404', async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const foreign = await provisionUser(sibling.api);
      expectError(await w.api.post('/api/service/subscriptions', { user_id: fakeId('usr'), plan_id: w.planId }), 404, 'NOT_FOUND');
      expectError(await w.api.post('/api/service/subscriptions', { user_id: foreign.id, plan_id: w.planId }), 404, 'NOT_FOUND');
      expect((await w.api.get<SubscriptionList>('/api/service/subscriptions')).body.total).toBe(0);
    });

    it('an unknown plan (well-formed id) is 404', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      expectError(await w.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: fakeId('plan') }), 404, 'NOT_FOUND');
      expectError(await w.api.get(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
    });

    it('malformed user_id or plan_id is 400', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const cases = [
        { user_id: 'user_123', plan_id: w.planId },
        { user_id: u.id, plan_id: 'plan_pro' },
        { user_id: w.planId, plan_id: u.id },
        { user_id: u.id, plan_id: fakeId('usr') },
        { user_id: `usr_${'x'.repeat(120)}`, plan_id: w.planId },
        { user_id: '', plan_id: w.planId },
        { user_id: u.id },
        { plan_id: w.planId },
        { user_id: 42, plan_id: w.planId },
      ];
      for (const body of cases) expectError(await w.api.post('/api/service/subscriptions', body), 400, 'BAD_REQUEST');
      expectError(await w.api.get(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
    });

    it('invalid status, invalid period end and unknown fields are 400', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const base = { user_id: u.id, plan_id: w.planId };
      for (const extra of [
        { status: 'paused' },
        { status: 'ACTIVE' },
        { current_period_end: 'next month' },
        { current_period_end: '2030-13-45T00:00:00Z' },
        { current_period_end: 1893456000 },
        { service_id: fakeId('svc') },
        { id: fakeId('sub') },
      ]) {
        expectError(await w.api.post('/api/service/subscriptions', { ...base, ...extra }), 400, 'BAD_REQUEST');
      }
      expectError(await w.api.get(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
    });

    it('a plan of another service is 403 "Plan does not belong to this service"', async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const elsewhere = await suite.world();
      const u = await provisionUser(w.api);
      for (const planId of [sibling.planId, elsewhere.planId]) {
        expectError(
          await w.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: planId }),
          403,
          'FORBIDDEN',
          'Plan does not belong to this service',
        );
      }
      expectError(await w.api.get(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
    });

    it('5 parallel POSTs for the same user give exactly one 200 and four 409', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => w.api.post<ApiSubscription>('/api/service/subscriptions', { user_id: u.id, plan_id: w.planId })),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(r.body).toMatchObject({ error_code: 'CONFLICT' });
      const winner = results.find((r) => r.status === 200);
      const list = await w.api.get<SubscriptionList>('/api/service/subscriptions');
      expect(list.body.total).toBe(1);
      expect(list.body.subscriptions[0]?.id).toBe(winner?.body.id);
    });
  });

  describe('GET /api/service/subscriptions', () => {
    it('lists in creation order, filters by status with a matching total, and paginates', async () => {
      const w = await suite.world();
      const subs: ApiSubscription[] = [];
      for (const status of ['active', 'cancelled', 'active', 'past_due', 'expired', 'active'] as const) {
        const u = await provisionUser(w.api);
        subs.push(await subscribe(w.api, u.id, w.planId, { status }));
      }
      const all = await w.api.get<SubscriptionList>('/api/service/subscriptions');
      expect(all.status).toBe(200);
      expect(all.body).toEqual({ subscriptions: subs, total: 6 });

      for (const status of STATUSES) {
        const expected = subs.filter((s) => s.status === status);
        const res = await w.api.get<SubscriptionList>(`/api/service/subscriptions?status=${status}`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ subscriptions: expected, total: expected.length });
      }

      const page = await w.api.get<SubscriptionList>('/api/service/subscriptions?status=active&limit=2&offset=1');
      expect(page.body.total).toBe(3);
      expect(page.body.subscriptions.map((s) => s.id)).toEqual(
        subs
          .filter((s) => s.status === 'active')
          .slice(1, 3)
          .map((s) => s.id),
      );

      const page2 = await w.api.get<SubscriptionList>('/api/service/subscriptions?limit=4&offset=4');
      expect(page2.body.total).toBe(6);
      expect(page2.body.subscriptions.map((s) => s.id)).toEqual(subs.slice(4).map((s) => s.id));
    });

    it.each(['status=paused', 'status=ACTIVE', 'status=', 'status=active&status=expired', 'limit=0', 'limit=101', 'limit=abc', 'offset=-5'])(
      'rejects %s with 400 naming the parameter',
      async (query) => {
        const w = await suite.world();
        const err = expectError(await w.api.get(`/api/service/subscriptions?${query}`), 400, 'BAD_REQUEST');
        expect(err.details?.map((d) => d.field)).toEqual([query.split('=')[0]]);
      },
    );

    it("lists only subscriptions of the key's service", async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const u = await provisionUser(w.api);
      await provisionUser(sibling.api, u.email);
      const mine = await subscribe(w.api, u.id, w.planId);
      await subscribe(sibling.api, u.id, sibling.planId);
      const res = await w.api.get<SubscriptionList>('/api/service/subscriptions');
      expect(res.body).toEqual({ subscriptions: [mine], total: 1 });
    });
  });

  describe('GET/PATCH/DELETE /api/service/subscriptions/:user_id', () => {
    it("GET returns the user's subscription", async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const s = await subscribe(w.api, u.id, w.planId);
      const res = await w.api.get<ApiSubscription>(`/api/service/subscriptions/${u.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(s);
    });

    it('PATCH changes status and period end, one at a time or together', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const s = await subscribe(w.api, u.id, w.planId);
      const cancelled = await w.api.patch<ApiSubscription>(`/api/service/subscriptions/${u.id}`, { status: 'cancelled' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toEqual({ ...s, status: 'cancelled' });

      const renewed = await w.api.patch<ApiSubscription>(`/api/service/subscriptions/${u.id}`, { current_period_end: '2031-03-15T10:30:00Z' });
      expect(renewed.status).toBe(200);
      expect(renewed.body).toEqual({ ...s, status: 'cancelled', current_period_end: '2031-03-15T10:30:00.000Z' });

      const both = await w.api.patch<ApiSubscription>(`/api/service/subscriptions/${u.id}`, {
        status: 'active',
        current_period_end: '2032-01-01T00:00:00+01:00',
      });
      expect(both.body).toEqual({ ...s, status: 'active', current_period_end: '2031-12-31T23:00:00.000Z' });

      const noop = await w.api.patch<ApiSubscription>(`/api/service/subscriptions/${u.id}`, {});
      expect(noop.status).toBe(200);
      expect(noop.body).toEqual(both.body);

      expect((await w.api.get<ApiSubscription>(`/api/service/subscriptions/${u.id}`)).body).toEqual(both.body);
      const listed = await w.api.get<SubscriptionList>('/api/service/subscriptions?status=active');
      expect(listed.body.subscriptions).toEqual([both.body]);
    });

    it('PATCH rejects invalid status, invalid dates and unknown fields with 400 and changes nothing', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const s = await subscribe(w.api, u.id, w.planId);
      const otherPlan = await createPlan(w.admin, w.org, w.service.slug, 'Another');
      for (const body of [{ status: 'paused' }, { current_period_end: 'tomorrow' }, { plan_id: otherPlan }, { user_id: fakeId('usr') }, { status: null }]) {
        expectError(await w.api.patch(`/api/service/subscriptions/${u.id}`, body), 400, 'BAD_REQUEST');
      }
      expect((await w.api.get<ApiSubscription>(`/api/service/subscriptions/${u.id}`)).body).toEqual(s);
    });

    it('DELETE answers 204; then GET, PATCH and DELETE are 404; a new subscription can be created', async () => {
      const w = await suite.world();
      const u = await provisionUser(w.api);
      const s = await subscribe(w.api, u.id, w.planId);
      const del = await w.api.delete(`/api/service/subscriptions/${u.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expectError(await w.api.get(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      expectError(await w.api.patch(`/api/service/subscriptions/${u.id}`, { status: 'active' }), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      expectError(await w.api.delete(`/api/service/subscriptions/${u.id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      expect((await w.api.get<SubscriptionList>('/api/service/subscriptions')).body.total).toBe(0);
      // The user itself is untouched.
      expect((await w.api.get(`/api/service/users/${u.id}`)).status).toBe(200);
      const again = await subscribe(w.api, u.id, w.planId);
      expect(again.id).not.toBe(s.id);
    });

    it('answers 404 "Subscription not found for this user" for users without one, unknown, malformed and foreign ids', async () => {
      const w = await suite.world();
      const sibling = await suite.world({ org: w.org });
      const without = await provisionUser(w.api);
      const foreign = await provisionUser(sibling.api);
      const foreignSub = await subscribe(sibling.api, foreign.id, sibling.planId);
      for (const id of [without.id, fakeId('usr'), 'not-an-id', foreignSub.id, `usr_${'z'.repeat(100)}`, foreign.id]) {
        expectError(await w.api.get(`/api/service/subscriptions/${id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
        expectError(await w.api.patch(`/api/service/subscriptions/${id}`, { status: 'expired' }), 404, 'NOT_FOUND', SUB_NOT_FOUND);
        expectError(await w.api.delete(`/api/service/subscriptions/${id}`), 404, 'NOT_FOUND', SUB_NOT_FOUND);
      }
      expect((await sibling.api.get<ApiSubscription>(`/api/service/subscriptions/${foreign.id}`)).body).toEqual(foreignSub);
    });
  });
});
