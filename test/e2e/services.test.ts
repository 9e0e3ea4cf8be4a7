// Services through real HTTP (docs/api.md: Services): create, read, update, delete, roles and the per-organization limit.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client } from '../helpers/http.ts';
import { createKey, createOrg, createPlan, createService, createTeam, registerAdmin, uniqueSlug, type Admin } from '../helpers/fixtures.ts';
import { type PlanBody, RFC3339_UTC, expectError, expectStatus, tick } from '../helpers/admin-plane.ts';

interface Service {
  id: string;
  organization_id: string;
  slug: string;
  name: string;
  service_type: string;
  client_id: string;
  redirect_uris: string[];
  created_at: string;
  updated_at: string;
}
interface Usage {
  current_services: number;
  max_services: number;
}

describe.each(databases())('services on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  let admin: Admin;
  let member: Admin;
  let org: string;
  let orgId: string;
  beforeAll(async () => {
    ({ owner, org, admin, member } = await createTeam(srv.url));
    const o = await owner.client.get<{ organization: { id: string } }>(`/api/organizations/${org}`);
    orgId = o.body.organization.id;
  });

  const svcPath = (slug = '') => `/api/organizations/${org}/services${slug ? `/${slug}` : ''}`;

  describe('services', () => {
    it('creates a service: 201 {service, client_id}', async () => {
      const slug = uniqueSlug('web');
      const res = await admin.client.post<{ service: Service; client_id: string }>(svcPath(), {
        slug,
        name: 'Web App',
        service_type: 'web',
        redirect_uris: ['https://app.example.com/callback', 'http://localhost:3000/cb'],
      });
      expectStatus(res, 201);
      const s = res.body.service;
      expect(s.id).toMatch(/^svc_[A-Za-z0-9_-]+$/);
      expect(s.organization_id).toBe(orgId);
      expect(s.slug).toBe(slug);
      expect(s.name).toBe('Web App');
      expect(s.service_type).toBe('web');
      expect(s.redirect_uris).toEqual(['https://app.example.com/callback', 'http://localhost:3000/cb']);
      expect(res.body.client_id).toBeTruthy();
      expect(s.client_id).toBe(res.body.client_id);
      expect(s.created_at).toMatch(RFC3339_UTC);
      expect(s.updated_at).toMatch(RFC3339_UTC);
      expect(Object.keys(s).sort()).toEqual([
        'client_id',
        'created_at',
        'id',
        'name',
        'organization_id',
        'redirect_uris',
        'service_type',
        'slug',
        'updated_at',
      ]);
      // Defaults: no redirect URIs.
      const bare = await admin.client.post<{ service: Service; client_id: string }>(svcPath(), { slug: uniqueSlug('cli'), name: 'CLI', service_type: 'cli' });
      expectStatus(bare, 201);
      expect(bare.body.service.redirect_uris).toEqual([]);
      expect(bare.body.client_id).not.toBe(res.body.client_id);
    });

    it('accepts every service_type and rejects others', async () => {
      for (const t of ['mobile', 'desktop', 'api']) {
        const r = await owner.client.post<{ service: Service }>(svcPath(), { slug: uniqueSlug(t), name: t, service_type: t });
        expectStatus(r, 201);
        expect(r.body.service.service_type).toBe(t);
        expectStatus(await owner.client.delete(svcPath(r.body.service.slug)), 204);
      }
      for (const t of ['server', 'WEB', '', 42, null]) {
        const err = expectError(await owner.client.post(svcPath(), { slug: uniqueSlug(), name: 'x', service_type: t }), 400, 'BAD_REQUEST');
        expect(err.details?.some((d) => d.field === 'service_type')).toBe(true);
      }
      expectError(await owner.client.post(svcPath(), { slug: uniqueSlug(), name: 'x' }), 400, 'BAD_REQUEST');
    });

    it('requires absolute redirect URIs', async () => {
      for (const uri of [
        '/callback',
        'callback',
        'app.example.com/cb',
        '//app.example.com/cb',
        '',
        'javascript:alert(1)',
        'JavaScript:alert(1)',
        'vbscript:msgbox',
        'data:text/html,x',
        'file:///etc/passwd',
        'blob:https://a.example.com/x',
      ]) {
        const err = expectError(
          await owner.client.post(svcPath(), { slug: uniqueSlug(), name: 'x', service_type: 'web', redirect_uris: [uri] }),
          400,
          'BAD_REQUEST',
        );
        expect(
          err.details?.some((d) => d.field.startsWith('redirect_uris')),
          uri,
        ).toBe(true);
      }
      expectError(
        await owner.client.post(svcPath(), { slug: uniqueSlug(), name: 'x', service_type: 'web', redirect_uris: 'https://a.example.com' }),
        400,
        'BAD_REQUEST',
      );
    });

    it('validates the slug and refuses a slug already taken in the org (409), but not in another org', async () => {
      expectError(await owner.client.post(svcPath(), { slug: 'No_Good', name: 'x', service_type: 'web' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post(svcPath(), { slug: 'ab', name: 'x', service_type: 'web' }), 400, 'BAD_REQUEST');
      const svc = await createService(owner, org);
      expectError(await admin.client.post(svcPath(), { slug: svc.slug, name: 'Again', service_type: 'api' }), 409, 'CONFLICT');
      const other = await createOrg(owner);
      expectStatus(await owner.client.post(`/api/organizations/${other}/services`, { slug: svc.slug, name: 'Same slug elsewhere', service_type: 'web' }), 201);
    });

    it('lists services in creation order with usage {current_services, max_services}', async () => {
      const o = await createOrg(owner);
      const slugs = [uniqueSlug('zeta'), uniqueSlug('alpha'), uniqueSlug('mid')];
      for (const s of slugs) {
        await createService(owner, o, s);
        await tick();
      }
      const res = await member.client.get(`/api/organizations/${o}/services`);
      expectError(res, 404, 'NOT_FOUND'); // `member` is not a member of this new org
      const list = await owner.client.get<{ services: Service[]; usage: Usage }>(`/api/organizations/${o}/services`);
      expectStatus(list, 200);
      expect(list.body.services.map((s) => s.slug)).toEqual(slugs);
      expect(list.body.usage).toEqual({ current_services: 3, max_services: 10 });
      const asMember = await member.client.get<{ services: Service[]; usage: Usage }>(svcPath());
      expectStatus(asMember, 200);
      expect(asMember.body.usage.current_services).toBe(asMember.body.services.length);
    });

    it('GET one returns {service, provider_grants, plans}', async () => {
      const slug = uniqueSlug('grants');
      const created = await owner.client.post(svcPath(), {
        slug,
        name: 'Grants',
        service_type: 'web',
        github_scopes: ['read:user', 'user:email'],
        google_scopes: ['openid', 'email'],
      });
      expectStatus(created, 201);
      const p1 = await createPlan(owner, org, slug, 'Basic');
      await tick();
      const p2 = await createPlan(owner, org, slug, 'Team');
      const res = await member.client.get<{ service: Service; provider_grants: { provider: string; scopes: string[] }[]; plans: PlanBody[] }>(svcPath(slug));
      expectStatus(res, 200);
      expect(res.body.service.slug).toBe(slug);
      expect(res.body.provider_grants).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ provider: 'github', scopes: ['read:user', 'user:email'] }),
          expect.objectContaining({ provider: 'google', scopes: ['openid', 'email'] }),
        ]),
      );
      expect(res.body.provider_grants.some((g) => g.provider === 'microsoft')).toBe(false);
      expect(res.body.plans.map((p) => p.id)).toEqual([p1, p2]);
      expectError(await member.client.get(svcPath('no-such-service')), 404, 'NOT_FOUND');
    });

    it('PATCH updates name, redirect_uris and scopes (admin); slug and type are not editable', async () => {
      const svc = await createService(owner, org);
      const res = await admin.client.patch<{ service: Service }>(svcPath(svc.slug), {
        name: 'Renamed',
        redirect_uris: ['https://new.example.com/cb'],
        microsoft_scopes: ['User.Read'],
      });
      expectStatus(res, 200);
      expect(res.body.service.name).toBe('Renamed');
      expect(res.body.service.redirect_uris).toEqual(['https://new.example.com/cb']);
      expect(res.body.service.slug).toBe(svc.slug);
      const read = await member.client.get<{ service: Service; provider_grants: { provider: string; scopes: string[] }[] }>(svcPath(svc.slug));
      expect(read.body.service.name).toBe('Renamed');
      expect(read.body.provider_grants).toContainEqual(expect.objectContaining({ provider: 'microsoft', scopes: ['User.Read'] }));
      expectError(await admin.client.patch(svcPath(svc.slug), { slug: 'other-slug' }), 400, 'BAD_REQUEST');
      expectError(await admin.client.patch(svcPath(svc.slug), { service_type: 'api' }), 400, 'BAD_REQUEST');
      expectError(await admin.client.patch(svcPath(svc.slug), { redirect_uris: ['relative/path'] }), 400, 'BAD_REQUEST');
      expectError(await admin.client.patch(svcPath(svc.slug), { client_id: 'mine' }), 400, 'BAD_REQUEST');
      expectError(await member.client.patch(svcPath(svc.slug), { name: 'Nope' }), 403, 'FORBIDDEN');
      const after = await member.client.get<{ service: Service }>(svcPath(svc.slug));
      expect(after.body.service.name).toBe('Renamed');
    });

    it('DELETE is owner-only (admin and member 403) and cascades to plans and keys', async () => {
      const svc = await createService(owner, org);
      const planId = await createPlan(owner, org, svc.slug);
      const key = await createKey(owner, org, svc.slug, ['read:service']);
      const api = new Client(srv.url).apiKey(key.key);
      expectStatus(await api.get('/api/service/info'), 200);
      expectError(await admin.client.delete(svcPath(svc.slug)), 403, 'FORBIDDEN');
      expectError(await member.client.delete(svcPath(svc.slug)), 403, 'FORBIDDEN');
      expectStatus(await owner.client.get(svcPath(svc.slug)), 200);
      const del = await owner.client.delete(svcPath(svc.slug));
      expectStatus(del, 204);
      expect(del.text).toBe('');
      expectError(await owner.client.get(svcPath(svc.slug)), 404, 'NOT_FOUND');
      expectError(await owner.client.delete(svcPath(svc.slug)), 404, 'NOT_FOUND');
      expectError(await api.get('/api/service/info'), 401, 'UNAUTHORIZED');
      expect(await srv.deps.db.plan.count({ where: { id: planId } })).toBe(0);
      expect(await srv.deps.db.apiKey.count({ where: { id: key.id } })).toBe(0);
    });

    it('members cannot create services (403)', async () => {
      expectError(await member.client.post(svcPath(), { slug: uniqueSlug(), name: 'x', service_type: 'web' }), 403, 'FORBIDDEN');
    });
  });

  describe('service limit', () => {
    const limited = suiteServer(factory, { TESSERA_MAX_SERVICES_PER_ORG: '2' });

    it('answers 403 SERVICE_LIMIT_EXCEEDED above TESSERA_MAX_SERVICES_PER_ORG; deleting frees a slot', async () => {
      const o = await registerAdmin(limited.url, 'limited');
      const lorg = await createOrg(o);
      const first = await createService(o, lorg);
      await createService(o, lorg);
      const over = await o.client.post(`/api/organizations/${lorg}/services`, { slug: uniqueSlug(), name: 'Third', service_type: 'web' });
      expectError(over, 403, 'SERVICE_LIMIT_EXCEEDED');
      const usage = await o.client.get<{ services: Service[]; usage: Usage }>(`/api/organizations/${lorg}/services`);
      expect(usage.body.usage).toEqual({ current_services: 2, max_services: 2 });
      expect(usage.body.services).toHaveLength(2);
      const orgView = await o.client.get<{ usage: Usage }>(`/api/organizations/${lorg}`);
      expect(orgView.body.usage).toEqual({ current_services: 2, max_services: 2 });
      expectStatus(await o.client.delete(`/api/organizations/${lorg}/services/${first.slug}`), 204);
      expectStatus(await o.client.post(`/api/organizations/${lorg}/services`, { slug: uniqueSlug(), name: 'Third', service_type: 'web' }), 201);
      // The limit is per organization.
      const lorg2 = await createOrg(o);
      await createService(o, lorg2);
      await createService(o, lorg2);
      expectError(
        await o.client.post(`/api/organizations/${lorg2}/services`, { slug: uniqueSlug(), name: 'x', service_type: 'web' }),
        403,
        'SERVICE_LIMIT_EXCEEDED',
      );
    });
  });
});
