// docs/security.md, C, attacks 30 and 31 on the admin plane through real HTTP: mass assignment and hostile
// JSON bodies, aimed at organization A (test/helpers/admin-plane.ts).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { PASSWORD, createKey } from '../helpers/fixtures.ts';
import { adminPlaneSuite, expectError, expectStatus, oversizedJson, setUpTenantB } from '../helpers/admin-plane.ts';

describe.each(databases())('admin-plane security, bodies, on $name', (factory) => {
  const t = adminPlaneSuite(factory);
  const { srv } = t;

  describe('mass assignment (docs/security.md attack 30)', () => {
    it('server-owned fields in a body are 400 and name the field; nothing is written', async () => {
      const o = `/api/organizations/${t.a.org}`;
      const s = `${o}/services/${t.a.svc.slug}`;
      const cases: [string, (c: Client, cur: Record<string, unknown>) => Promise<Res<unknown>>, string[]][] = [
        [
          'POST org',
          (c, cur) => c.post('/api/organizations', { slug: 'mass-assign-org', name: 'x', ...cur }),
          ['id', 'role', 'created_at', 'organization_id', 'max_services'],
        ],
        ['PATCH org', (c, cur) => c.patch(o, { name: 'x', ...cur }), ['id', 'slug', 'created_at', 'organization_id', 'max_services', 'role']],
        [
          'POST service',
          (c, cur) => c.post(`${o}/services`, { slug: 'mass-assign-svc', name: 'x', service_type: 'web', ...cur }),
          ['id', 'service_id', 'organization_id', 'client_id', 'created_at'],
        ],
        ['PATCH service', (c, cur) => c.patch(s, { name: 'x', ...cur }), ['id', 'organization_id', 'client_id', 'created_at', 'slug']],
        [
          'POST plan',
          (c, cur) => c.post(`${s}/plans`, { name: 'Mass', price_cents: 1, currency: 'usd', features: [], ...cur }),
          ['id', 'service_id', 'created_at', 'subscription_count'],
        ],
        ['PATCH plan', (c, cur) => c.patch(`${s}/plans/${t.a.plan}`, { price_cents: 1, ...cur }), ['id', 'service_id', 'created_at']],
        [
          'POST api-key',
          (c, cur) => c.post(`${s}/api-keys`, { name: 'Mass', permissions: ['read:users'], ...cur }),
          ['key_hash', 'key', 'prefix', 'service_id', 'created_at', 'last_used_at', 'id'],
        ],
        [
          'POST user',
          (c, cur) => c.post(`${o}/users`, { email: 'mass.assign@example.com', ...cur }),
          ['id', 'organization_id', 'role', 'password_hash', 'created_at'],
        ],
        ['PATCH user', (c, cur) => c.patch(`${o}/users/${t.a.user}`, { disabled: false, ...cur }), ['id', 'organization_id', 'created_at', 'role']],
        [
          'POST invitation',
          (c, cur) => c.post(`${o}/invitations`, { email: 'mass.inv@example.com', role: 'member', ...cur }),
          ['organization_id', 'token', 'accepted_at', 'created_at', 'id'],
        ],
        [
          'PATCH member',
          (c, cur) => c.patch(`${o}/members/${t.a.member.accountId}`, { role: 'member', ...cur }),
          ['account_id', 'organization_id', 'created_at'],
        ],
        [
          'POST register',
          (c, cur) => c.post('/api/auth/register', { email: uniqueEmail('mass'), password: PASSWORD, ...cur }),
          ['role', 'id', 'created_at', 'organization_id'],
        ],
        ['POST accept', (c, cur) => c.post('/api/invitations/accept', { token: 'inv_x', ...cur }), ['role', 'organization_id', 'email']],
      ];
      const values: Record<string, unknown> = {
        id: 'x_attacker',
        role: 'owner',
        created_at: '2000-01-01T00:00:00.000Z',
        organization_id: 'org_attacker',
        service_id: 'svc_attacker',
        key_hash: 'a'.repeat(64),
        key: 'sk_live_chosen',
        prefix: 'chosenprefix',
        client_id: 'chosen',
        max_services: 1000,
        slug: 'new-slug',
        password_hash: '$argon2id$v=19$m=1,t=1,p=1$x$y',
        subscription_count: 99,
        last_used_at: '2000-01-01T00:00:00.000Z',
        token: 'chosen',
        accepted_at: '2000-01-01T00:00:00.000Z',
        account_id: 'acct_attacker',
        email: 'attacker@example.com',
      };
      for (const [name, call, fields] of cases) {
        for (const field of fields) {
          const res = await call(t.a.owner.client, { [field]: values[field] });
          expect(res.status, `${name} with ${field}`).toBe(400);
          const err = expectError(res, 400, 'BAD_REQUEST');
          expect(JSON.stringify(err.details ?? []), `${name} with ${field}`).toContain(field);
        }
      }
      expectError(await t.a.owner.client.get('/api/organizations/mass-assign-org'), 404, 'NOT_FOUND');
      const users = await t.a.owner.client.get<{ users: { email: string }[] }>(`${o}/users?email=mass.assign%40example.com`);
      expect(users.body.users).toEqual([]);
      await t.expectAIntact();
    });
  });

  it('a name with a control character or an unpaired surrogate is 400 naming the field, wherever a name is taken; nothing is written', async () => {
    const o = `/api/organizations/${t.a.org}`;
    const s = `${o}/services/${t.a.svc.slug}`;
    // The Service API's PATCH /info needs write:service: a key of another organization that has it.
    const b = await setUpTenantB(srv.url);
    const info = new Client(srv.url).apiKey((await createKey(b.owner, b.org, b.svc.slug, ['write:service'])).key);
    // Raw JSON: "\\ud800" is a lone surrogate that JSON.parse keeps (the database would store U+FFFD).
    for (const name of ['a\\u0007b', 'a\\u001b[31mb', 'a\\ud800b', 'a\\uffffb', 'a\\nb', 'a\\tb', 'a\\u0085b', 'abc\\u202egnp.exe']) {
      for (const [client, method, path, body] of [
        [t.a.owner.client, 'POST', '/api/organizations', `{"slug":"bad-name-org","name":"${name}"}`],
        [t.a.owner.client, 'PATCH', o, `{"name":"${name}"}`],
        [t.a.owner.client, 'PATCH', o, `{"display_name":"${name}"}`],
        [t.a.owner.client, 'POST', `${o}/services`, `{"slug":"bad-name-svc","name":"${name}","service_type":"web"}`],
        [t.a.owner.client, 'PATCH', s, `{"name":"${name}"}`],
        [t.a.owner.client, 'POST', `${s}/api-keys`, `{"name":"${name}","permissions":["read:users"]}`],
        [info, 'PATCH', '/api/service/info', `{"name":"${name}"}`],
        [t.anon, 'POST', '/api/auth/register', `{"email":"${uniqueEmail('badname')}","password":"${PASSWORD}","name":"${name}"}`],
      ] as const) {
        const res = await client.request(method, path, body);
        const err = expectError(res, 400, 'BAD_REQUEST');
        expect(JSON.stringify(err.details ?? []), `${method} ${path} ${name}`).toMatch(/name/);
      }
    }
    expectError(await t.a.owner.client.get('/api/organizations/bad-name-org'), 404, 'NOT_FOUND');
    expectError(await t.a.owner.client.get(`${o}/services/bad-name-svc`), 404, 'NOT_FOUND');
    await t.expectAIntact();
  });

  describe('JSON bombs (docs/security.md attack 31)', () => {
    it('bodies over 1 MiB are 413 on every JSON endpoint', async () => {
      const o = `/api/organizations/${t.a.org}`;
      const s = `${o}/services/${t.a.svc.slug}`;
      const big = oversizedJson();
      for (const [method, path] of [
        ['POST', '/api/auth/register'],
        ['POST', '/api/auth/login'],
        ['POST', '/api/organizations'],
        ['PATCH', o],
        ['POST', `${o}/services`],
        ['POST', `${s}/plans`],
        ['POST', `${s}/api-keys`],
        ['POST', `${o}/users`],
        ['POST', `${o}/invitations`],
      ] as const) {
        const res = await t.a.owner.client.request(method, path, big);
        expect(res.status, `${method} ${path}`).toBe(413);
        expectError(res, 413, 'PAYLOAD_TOO_LARGE');
      }
      await t.expectAIntact();
    });

    it('__proto__ and constructor.prototype keys are 400 and pollute nothing', async () => {
      const o = `/api/organizations/${t.a.org}`;
      const s = `${o}/services/${t.a.svc.slug}`;
      const bodies = [
        '{"__proto__":{"polluted":1}}',
        '{"name":"x","__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
        '{"name":"x","constructor":{"prototype":{"polluted":1}}}',
        '{"name":"x","features":[{"__proto__":{"polluted":1}}]}',
        '{"name":"x","prototype":{"polluted":1}}',
        '{"name":"x","nested":{"deeper":{"__proto__":{"polluted":1}}}}',
      ];
      for (const [method, path] of [
        ['POST', '/api/auth/register'],
        ['POST', '/api/organizations'],
        ['PATCH', o],
        ['POST', `${o}/services`],
        ['PATCH', s],
        ['POST', `${s}/plans`],
        ['POST', `${s}/api-keys`],
        ['POST', `${o}/users`],
        ['POST', `${o}/invitations`],
        ['POST', '/api/invitations/accept'],
      ] as const) {
        for (const body of bodies) {
          const res = await t.a.owner.client.request(method, path, body);
          expect(res.status, `${method} ${path} ${body}`).toBe(400);
          expectError(res, 400, 'BAD_REQUEST');
        }
      }
      // The Service API parses bodies through the same gate.
      const apiA = new Client(srv.url).apiKey(t.a.key.key);
      expectError(await apiA.post('/api/service/users', '{"email":"p@example.com","__proto__":{"polluted":1}}'), 400, 'BAD_REQUEST');
      // This test process hosts the server: had anything been merged into Object.prototype, it would show here.
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      await t.expectAIntact();
    });

    it('deeply nested and very wide JSON under 1 MiB is a fast 400, not a crash', async () => {
      const depth = 20_000;
      const deep = `{"name":${'['.repeat(depth)}1${']'.repeat(depth)}}`;
      const started = Date.now();
      const res = await t.a.owner.client.post('/api/organizations', deep);
      expect([400, 413]).toContain(res.status);
      expectError(res, res.status);
      const wide = `{${Array.from({ length: 40_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
      expect(Buffer.byteLength(wide)).toBeLessThan(1024 * 1024);
      expectError(await t.a.owner.client.post('/api/organizations', wide), 400, 'BAD_REQUEST');
      expect(Date.now() - started).toBeLessThan(5_000);
      expectStatus(await t.anon.get('/healthz'), 200);
    });
  });
});
