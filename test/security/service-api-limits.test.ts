// Service API bodies and rate limits through real HTTP on every test database (docs/security.md, attacks 31
// and 33; docs/api.md, Service API), on one instance and across two sharing the database and Redis.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { registerAdmin, type Admin } from '../helpers/fixtures.ts';
import {
  deleteKey,
  expectError,
  expectInvalidKey,
  extraKey,
  fakeId,
  provisionUser,
  rateHeaders,
  serviceApiSuite,
  serviceWorld,
  subscribe,
  type ApiSubscription,
  type ServiceInfo,
  type UserList,
} from '../helpers/service-api.ts';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe.each(databases())('service API security, bodies and rate limits, on $name', (factory) => {
  const suite = serviceApiSuite(factory);

  describe('docs/security.md attack 31: hostile bodies on the Service API', () => {
    it('__proto__ / constructor.prototype keys are 400 and pollute nothing', async () => {
      const w = await suite.world();
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
      const w = await suite.world();
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
      const w = await suite.world();
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
      const w = await suite.world();
      await exhaust('GET', 100, () => w.api.get('/api/service/info'));
      expectError(await w.api.get('/api/service/users'), 429, 'RATE_LIMIT_EXCEEDED');
      expect((await w.api.post('/api/service/users', { email: uniqueEmail() })).status).toBe(200);
      // Another key of the same service has its own budget.
      expect((await (await extraKey(w)).api.get('/api/service/info')).status).toBe(200);
    });

    it('the 51st write in a minute is 429 (POST and PATCH share the budget)', async () => {
      const w = await suite.world();
      const email = uniqueEmail('limit');
      await exhaust('write', 50, (i) => (i % 2 ? w.api.patch('/api/service/info', { name: `Name ${i}` }) : w.api.post('/api/service/users', { email })));
      expectError(await w.api.patch('/api/service/info', { name: 'Too many' }), 429, 'RATE_LIMIT_EXCEEDED');
      expect((await w.api.get<ServiceInfo>('/api/service/info')).body.name).not.toBe('Too many');
    });

    it('the 21st DELETE in a minute is 429, and the refused delete does nothing', async () => {
      const w = await suite.world();
      const victim = await provisionUser(w.api);
      await exhaust('DELETE', 20, () => w.api.delete(`/api/service/subscriptions/${fakeId('usr')}`));
      expectError(await w.api.delete(`/api/service/users/${victim.id}`), 429, 'RATE_LIMIT_EXCEEDED');
      expect((await w.api.get(`/api/service/users/${victim.id}`)).status).toBe(200);
    });

    it('X-Forwarded-For does not change the limit key', async () => {
      const w = await suite.world();
      const over = await exhaust('GET with rotating XFF', 100, (i) =>
        w.api.get('/api/service/info', { 'x-forwarded-for': `203.0.113.${i % 250}, 10.0.0.${i % 250}` }),
      );
      expect(over.status).toBe(429);
      expectError(await w.api.get('/api/service/info', { 'x-forwarded-for': '198.51.100.7' }), 429, 'RATE_LIMIT_EXCEEDED');
      expectError(await w.api.get('/api/service/info', { 'x-real-ip': '198.51.100.8', forwarded: 'for=198.51.100.9' }), 429, 'RATE_LIMIT_EXCEEDED');
    });
  });

  describe('two instances sharing the database and Redis', () => {
    const one = suiteServer(factory, { REDIS_URL });
    const two = suiteServer(factory, { REDIS_URL }, () => one.db);
    let owner: Admin;
    let ownerOnTwo: Client;
    beforeAll(async () => {
      owner = await registerAdmin(one.url, 'redis');
      ownerOnTwo = new Client(two.url).bearer(owner.accessToken);
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
        await deleteKey(w, k.id, i % 2 ? ownerOnTwo : owner.client);
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
