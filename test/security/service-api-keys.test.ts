// Service API keys attacked through real HTTP on every test database (docs/security.md, attacks 24 and 25;
// docs/api.md, Service API): bad keys, revocation, and keys in use read again before they go stale.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { registerAdmin } from '../helpers/fixtures.ts';
import {
  deleteKey,
  expectError,
  expectInvalidKey,
  extraKey,
  fakeId,
  serviceApiSuite,
  serviceWorld,
  type ServiceInfo,
  type UserList,
} from '../helpers/service-api.ts';
import { generateApiKey } from '../../src/security/api-key.ts';

function flipLast(key: string): string {
  const last = key.at(-1);
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

describe.each(databases())('service API security, keys, on $name', (factory) => {
  const suite = serviceApiSuite(factory);
  const srv = suite.srv;
  let anon: Client;
  beforeAll(() => {
    anon = new Client(srv.url);
  });

  describe('docs/security.md attack 24: bad keys', () => {
    it('missing, empty, malformed, bad-checksum, unknown, revoked and expired keys get the identical 401', async () => {
      const w = await suite.world();
      const revoked = await extraKey(w, ['read:service']);
      expect((await revoked.api.get('/api/service/info')).status).toBe(200);
      await deleteKey(w, revoked.id);
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
      // The body of a refused request is never read: not valid JSON, another type, no key at all.
      expectInvalidKey(await anon.post('/api/service/users', '{"email":', { 'x-api-key': unknownLive }), reference);
      expectInvalidKey(await anon.post('/api/service/users', JSON.stringify({ email: uniqueEmail() }), { 'content-type': 'text/plain' }), reference);
      // The valid key still works, and nothing was created by the refused POST.
      expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
    });

    it('a bearer token or an API key in Authorization is not an API key', async () => {
      const w = await suite.world();
      const reference = expectInvalidKey(await anon.get('/api/service/info'));
      expectInvalidKey(await anon.get('/api/service/info', { authorization: `Bearer ${w.admin.accessToken}` }), reference);
      // A key in Authorization (no X-API-Key) is still a 401, but one that says where the key goes.
      const misplaced = expectError(await anon.get('/api/service/info', { authorization: `Bearer ${w.key}` }), 401, 'UNAUTHORIZED');
      expect(misplaced.error).toMatch(/X-API-Key header/);
      // …and an API key does not open the admin plane.
      expectError(await anon.get(`/api/organizations/${w.org}`, { 'x-api-key': w.key }), 401, 'UNAUTHORIZED');
    });

    it('a key in the query string is 400, with or without the header, and is not echoed', async () => {
      const w = await suite.world();
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
      const a = await suite.world();
      const b = await suite.world();
      const narrow = await extraKey(b, ['read:users']);
      const revoked = await extraKey(a, ['read:service']);
      await deleteKey(a, revoked.id);
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
      const w = await suite.world();
      const k = await extraKey(w, ['read:service'], { expires_in_days: 1 });
      expect((await srv.deps.db.apiKey.findUnique({ where: { id: k.id } }))?.expiresAt).toBeInstanceOf(Date);
      await srv.deps.db.apiKey.update({ where: { id: k.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
      expectInvalidKey(await k.api.get('/api/service/info'));
      const listed = await w.admin.client.get<{ api_keys: { id: string }[] }>(`/api/organizations/${w.org}/services/${w.service.slug}/api-keys`);
      expect(listed.body.api_keys.map((x) => x.id)).toContain(k.id);
    });
  });

  describe('docs/security.md attack 25: revocation', () => {
    it('a deleted key is refused on the very next request; other keys of the service keep working', async () => {
      const w = await suite.world();
      const victim = await extraKey(w);
      for (let i = 0; i < 3; i++) expect((await victim.api.get('/api/service/info')).status).toBe(200);
      await deleteKey(w, victim.id);
      const reference = expectInvalidKey(await anon.get('/api/service/info'));
      expectInvalidKey(await victim.api.get('/api/service/info'), reference);
      expectInvalidKey(await victim.api.post('/api/service/users', { email: uniqueEmail() }), reference);
      expect((await w.api.get('/api/service/info')).status).toBe(200);
    });

    it('deleting the service refuses its keys at once', async () => {
      const w = await suite.world();
      expect((await w.api.get('/api/service/info')).status).toBe(200);
      expect((await w.admin.client.delete(`/api/organizations/${w.org}/services/${w.service.slug}`)).status).toBe(204);
      expectInvalidKey(await w.api.get('/api/service/info'));
    });

    it('deleting the organization refuses its keys at once', async () => {
      const w = await suite.world();
      expect((await w.api.get('/api/service/info')).status).toBe(200);
      expect((await w.admin.client.delete(`/api/organizations/${w.org}`)).status).toBe(204);
      expectInvalidKey(await w.api.get('/api/service/info'));
    });
  });

  describe('keys in use are read again before they go stale', () => {
    it("a refresh applies row changes made behind the cache's back, drops vanished keys and leaves idle ones alone", async () => {
      const w = await suite.world();
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
      await deleteKey(w, busy.id);
      expectInvalidKey(await busy.api.get('/api/service/info'));
    });
  });
});
