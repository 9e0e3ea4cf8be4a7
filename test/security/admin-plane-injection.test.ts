// docs/security.md, C, attack 32 on the admin plane through real HTTP: SQL injection in bodies, queries and
// paths, aimed at organization A (test/helpers/admin-plane.ts), and no raw unsafe SQL in src/.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { PASSWORD, createOrg } from '../helpers/fixtures.ts';
import { SRC, adminPlaneSuite, expectError, expectStatus, inviteExisting, sourceFiles } from '../helpers/admin-plane.ts';

const INJECTIONS = ["' OR 1=1 --", '"; DROP TABLE accounts; --', "%' --"];

describe.each(databases())('admin-plane security, SQL injection, on $name', (factory) => {
  const t = adminPlaneSuite(factory);
  const { srv } = t;

  describe('SQL injection (docs/security.md attack 32)', () => {
    it('injection strings in free-text fields are stored and returned literally', async () => {
      const o = await createOrg(t.a.owner);
      await inviteExisting(t.a.owner, o, t.a.admin, 'admin');
      for (const [i, inj] of INJECTIONS.entries()) {
        const renamed = await t.a.owner.client.patch<{ organization: { name: string } }>(`/api/organizations/${o}`, { name: inj });
        expectStatus(renamed, 200);
        expect(renamed.body.organization.name).toBe(inj);

        const svc = await t.a.admin.client.post<{ service: { name: string; redirect_uris: string[] } }>(`/api/organizations/${o}/services`, {
          slug: `inj-${i}-svc`,
          name: inj,
          service_type: 'web',
          redirect_uris: [`https://app.example.com/cb?q=${encodeURIComponent(inj)}`],
          github_scopes: [inj],
        });
        expectStatus(svc, 201);
        expect(svc.body.service.name).toBe(inj);
        const read = await t.a.admin.client.get<{ service: { name: string }; provider_grants: { provider: string; scopes: string[] }[] }>(
          `/api/organizations/${o}/services/inj-${i}-svc`,
        );
        expect(read.body.service.name).toBe(inj);
        expect(read.body.provider_grants).toContainEqual({ provider: 'github', scopes: [inj] });

        const plan = await t.a.admin.client.post<{ plan: { id: string; name: string; features: string[] } }>(
          `/api/organizations/${o}/services/inj-${i}-svc/plans`,
          { name: inj, price_cents: 0, currency: 'usd', features: [inj, 'ok'] },
        );
        expectStatus(plan, 201);
        expect(plan.body.plan.name).toBe(inj);
        const planRead = await t.a.admin.client.get<{ plan: { name: string; features: string[] } }>(
          `/api/organizations/${o}/services/inj-${i}-svc/plans/${plan.body.plan.id}`,
        );
        expect(planRead.body.plan).toEqual(expect.objectContaining({ name: inj, features: [inj, 'ok'] }));

        const key = await t.a.admin.client.post<{ id: string; name: string }>(`/api/organizations/${o}/services/inj-${i}-svc/api-keys`, {
          name: inj,
          permissions: ['read:service'],
        });
        expectStatus(key, 201);
        const keyRead = await t.a.admin.client.get<{ name: string }>(`/api/organizations/${o}/services/inj-${i}-svc/api-keys/${key.body.id}`);
        expect(keyRead.body.name).toBe(inj);
      }
      // Registration with an injection name; the accounts table still works afterwards.
      const email = uniqueEmail('inj');
      const reg = await t.anon.post<{ account: { name: string } }>('/api/auth/register', { email, password: PASSWORD, name: INJECTIONS[1] });
      expectStatus(reg, 201);
      expect(reg.body.account.name).toBe(INJECTIONS[1]);
      expectStatus(await t.anon.post('/api/auth/login', { email, password: PASSWORD }), 200);
    });

    it('injection strings in constrained fields are rejected with 400, never 500', async () => {
      const o = `/api/organizations/${t.a.org}`;
      const s = `${o}/services/${t.a.svc.slug}`;
      for (const inj of INJECTIONS) {
        const attempts: [string, Promise<Res<unknown>>][] = [
          ['org slug', t.a.owner.client.post('/api/organizations', { slug: inj, name: 'x' })],
          ['service slug', t.a.owner.client.post(`${o}/services`, { slug: inj, name: 'x', service_type: 'web' })],
          ['service type', t.a.owner.client.post(`${o}/services`, { slug: 'inj-type', name: 'x', service_type: inj })],
          ['redirect uri', t.a.owner.client.post(`${o}/services`, { slug: 'inj-uri', name: 'x', service_type: 'web', redirect_uris: [inj] })],
          ['currency', t.a.owner.client.post(`${s}/plans`, { name: 'x', price_cents: 1, currency: inj, features: [] })],
          ['price', t.a.owner.client.post(`${s}/plans`, { name: 'x', price_cents: inj, currency: 'usd', features: [] })],
          ['permission', t.a.owner.client.post(`${s}/api-keys`, { name: 'x', permissions: [inj] })],
          ['environment', t.a.owner.client.post(`${s}/api-keys`, { name: 'x', permissions: ['read:users'], environment: inj })],
          ['user email', t.a.owner.client.post(`${o}/users`, { email: inj })],
          ['user patch email', t.a.owner.client.patch(`${o}/users/${t.a.user}`, { email: inj })],
          ['invitation email', t.a.owner.client.post(`${o}/invitations`, { email: inj, role: 'member' })],
          ['invitation role', t.a.owner.client.post(`${o}/invitations`, { email: 'ok@example.com', role: inj })],
          ['member role', t.a.owner.client.patch(`${o}/members/${t.a.member.accountId}`, { role: inj })],
          ['register email', t.anon.post('/api/auth/register', { email: inj, password: PASSWORD })],
          ['service api email', new Client(srv.url).apiKey(t.a.key.key).post('/api/service/users', { email: inj })],
        ];
        for (const [name, pending] of attempts) {
          const res = await pending;
          expect(res.status, `${name}: ${inj}`).toBe(400);
          expectError(res, 400, 'BAD_REQUEST');
        }
        // Credentials with injection strings simply do not match.
        expectError(await t.anon.post('/api/auth/login', { email: inj, password: inj }), 401, 'UNAUTHORIZED');
        expectError(await t.anon.post('/api/auth/login', { email: t.a.owner.email, password: inj }), 401, 'UNAUTHORIZED');
        expectError(await t.anon.post('/api/auth/refresh', { refresh_token: inj }), 401, 'UNAUTHORIZED');
        expectError(await t.a.owner.client.post('/api/invitations/accept', { token: inj }), 404, 'NOT_FOUND');
      }
      await t.expectAIntact();
    });

    it('injection strings in query parameters and path segments: 400/404 or a literal match, never 500', async () => {
      const o = `/api/organizations/${t.a.org}`;
      const s = `${o}/services/${t.a.svc.slug}`;
      for (const inj of INJECTIONS) {
        const q = encodeURIComponent(inj);
        // The email filter matches literally: no user has this email, so nothing comes back (not everyone).
        const filtered = await t.a.owner.client.get<{ users: unknown[]; total: number }>(`${o}/users?email=${q}`);
        expectStatus(filtered, 200);
        expect(filtered.body).toEqual({ users: [], total: 0 });
        for (const list of [`${o}/members`, `${o}/invitations`, `${o}/users`, `${s}/api-keys`, `${o}/services`]) {
          expectError(await t.a.owner.client.get(`${list}?limit=${q}`), 400, 'BAD_REQUEST');
          expectError(await t.a.owner.client.get(`${list}?offset=${q}`), 400, 'BAD_REQUEST');
        }
        const apiA = new Client(srv.url).apiKey(t.a.key.key);
        const subs = await apiA.get(`/api/service/subscriptions?status=${q}`);
        expectError(subs, 400, 'BAD_REQUEST');
        for (const path of [
          `/api/organizations/${q}`,
          `${o}/services/${q}`,
          `${s}/plans/${q}`,
          `${s}/api-keys/${q}`,
          `${o}/users/${q}`,
          `/api/service/users/${q}`,
          `/api/service/subscriptions/${q}`,
        ]) {
          const client = path.startsWith('/api/service') ? apiA : t.a.owner.client;
          const res = await client.get(path);
          expect(res.status, path).toBe(404);
          expectError(res, 404, 'NOT_FOUND');
        }
        expectError(await t.a.owner.client.patch(`${o}/members/${q}`, { role: 'admin' }), 404, 'NOT_FOUND');
        expectError(await t.a.owner.client.delete(`${o}/invitations/${q}`), 404, 'NOT_FOUND');
      }
      // An email filter with SQL LIKE wildcards matches nothing either.
      const like = await t.a.owner.client.get<{ total: number }>(`${o}/users?email=${encodeURIComponent('%')}`);
      expect(like.body.total).toBe(0);
      await t.expectAIntact();
    });

    it('NUL characters in bodies, paths and queries are 400/404 on every database, never 500', async () => {
      const o = `/api/organizations/${t.a.org}`;
      expectError(await t.a.owner.client.patch(o, { name: 'a\u0000b' }), 400, 'BAD_REQUEST');
      expectError(await t.a.owner.client.post(`${o}/users`, { email: 'nul\u0000@example.com' }), 400, 'BAD_REQUEST');
      expectError(await t.anon.post('/api/auth/login', { email: 'a\u0000@example.com', password: 'x\u0000' }), 400, 'BAD_REQUEST');
      expectError(await t.a.owner.client.get('/api/organizations/a%00b'), 404, 'NOT_FOUND');
      expectError(await t.a.owner.client.get(`${o}/services/a%00b`), 404, 'NOT_FOUND');
      expectError(await t.a.owner.client.delete(`${o}/members/acct_%00aaaaaaaaaaaa`), 404, 'NOT_FOUND');
      const q = await t.a.owner.client.get(`${o}/users?email=a%00b`);
      expect(q.status).toBe(400);
      await t.expectAIntact();
    });

    it('no $queryRawUnsafe or $executeRawUnsafe anywhere in src/', () => {
      // The generated Prisma client lives outside src/ (generated/), so every file here is ours.
      const ours = sourceFiles(SRC);
      expect(ours.map((f) => relative(SRC, f))).toContain('app.ts');
      expect(ours.length).toBeGreaterThan(30);
      const offenders = ours.filter((f) => /queryRawUnsafe|executeRawUnsafe/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
      expect(offenders).toEqual([]);
    });
  });
});
