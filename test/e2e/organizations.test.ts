// /api/organizations: organizations, members and invitations through real HTTP (docs/api.md, Organizations).
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client } from '../helpers/http.ts';
import { addMember, createKey, createOrg, createService, createTeam, registerAdmin, uniqueSlug, type Admin } from '../helpers/fixtures.ts';
import { RFC3339_UTC, expectError, expectStatus, tick } from '../helpers/admin-plane.ts';

interface Organization {
  id: string;
  slug: string;
  name: string;
  created_at: string;
  updated_at: string;
  role?: string;
}
interface Member {
  account_id: string;
  email: string;
  name: string | null;
  role: string;
  joined_at: string;
}
interface Invitation {
  id: string;
  email: string;
  role: string;
  status: string;
  expires_at: string;
  created_at: string;
}

const RESERVED = ['api', 'admin', 'saml', 'login', 'static', 'assets', 'health', 'metrics', 'docs', 'www'];

describe.each(databases())('organizations on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  let anon: Client;
  beforeAll(async () => {
    anon = new Client(srv.url);
    owner = await registerAdmin(srv.url, 'owner');
  });

  describe('create, read, update', () => {
    it('creates an organization (201) and makes the creator its owner', async () => {
      const slug = uniqueSlug('acme');
      const res = await owner.client.post<{ organization: Organization }>('/api/organizations', { slug, name: 'Acme Inc' });
      expectStatus(res, 201);
      expect(res.body.organization.id).toMatch(/^org_[A-Za-z0-9_-]+$/);
      expect(res.body.organization.slug).toBe(slug);
      expect(res.body.organization.name).toBe('Acme Inc');
      expect(res.body.organization.created_at).toMatch(RFC3339_UTC);
      expect(res.body.organization.updated_at).toMatch(RFC3339_UTC);
      const mine = await owner.client.get<{ organizations: Organization[] }>('/api/organizations');
      expectStatus(mine, 200);
      expect(mine.body.organizations).toContainEqual(expect.objectContaining({ slug, name: 'Acme Inc', role: 'owner' }));
      const me = await owner.client.get<{ organizations: { slug: string; role: string }[] }>('/api/auth/me');
      expect(me.body.organizations).toContainEqual(expect.objectContaining({ slug, role: 'owner' }));
    });

    it('requires a bearer token', async () => {
      expectError(await anon.get('/api/organizations'), 401, 'UNAUTHORIZED');
      expectError(await anon.post('/api/organizations', { slug: uniqueSlug(), name: 'X' }), 401, 'UNAUTHORIZED');
    });

    it('accepts slugs of 3 and 50 characters', async () => {
      const three = 'x9z';
      // Each suite has its own fresh database, so this short slug is free.
      expectStatus(await owner.client.post('/api/organizations', { slug: three, name: 'Three' }), 201);
      const fifty = `a${'-b'.repeat(20)}${Math.random().toString(36).slice(2, 10).padEnd(8, 'z')}x`.slice(0, 50);
      expect(fifty).toHaveLength(50);
      expectStatus(await owner.client.post('/api/organizations', { slug: fifty, name: 'Fifty' }), 201);
    });

    it('rejects malformed slugs with 400 and details', async () => {
      const bad = ['ab', 'a', '', 'Acme', 'acme_corp', '-acme', 'acme-', 'ac me', 'acmé', `a${'b'.repeat(50)}`, 'acme.corp', 'a/b'];
      for (const slug of bad) {
        const res = await owner.client.post('/api/organizations', { slug, name: 'Bad' });
        const err = expectError(res, 400, 'BAD_REQUEST');
        expect(
          err.details?.some((d) => d.field === 'slug'),
          `slug ${JSON.stringify(slug)}`,
        ).toBe(true);
      }
      expectError(await owner.client.post('/api/organizations', { slug: 12345, name: 'Bad' }), 400, 'BAD_REQUEST');
    });

    it('rejects every reserved slug with 400', async () => {
      for (const slug of RESERVED) {
        const res = await owner.client.post('/api/organizations', { slug, name: 'Reserved' });
        expectError(res, 400, 'BAD_REQUEST');
      }
    });

    it('rejects a missing or empty name and unknown fields', async () => {
      expectError(await owner.client.post('/api/organizations', { slug: uniqueSlug() }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post('/api/organizations', { slug: uniqueSlug(), name: '   ' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post('/api/organizations', { slug: uniqueSlug(), name: 'x'.repeat(201) }), 400, 'BAD_REQUEST');
      const extra = expectError(await owner.client.post('/api/organizations', { slug: uniqueSlug(), name: 'X', plan: 'enterprise' }), 400, 'BAD_REQUEST');
      expect(JSON.stringify(extra.details)).toContain('plan');
    });

    it('answers 409 for a slug that is taken, even by another account', async () => {
      const slug = await createOrg(owner);
      expectError(await owner.client.post('/api/organizations', { slug, name: 'Again' }), 409, 'CONFLICT');
      const other = await registerAdmin(srv.url, 'other');
      expect(expectError(await other.client.post('/api/organizations', { slug, name: 'Squatter' }), 409, 'CONFLICT').details?.map((d) => d.field)).toEqual([
        'slug',
      ]);
      const list = await other.client.get<{ organizations: Organization[] }>('/api/organizations');
      expect(list.body.organizations.map((o) => o.slug)).not.toContain(slug);
    });

    it('GET /:org returns the organization and usage {current_services, max_services}', async () => {
      const org = await createOrg(owner);
      const before = await owner.client.get<{ organization: Organization; usage: { current_services: number; max_services: number } }>(
        `/api/organizations/${org}`,
      );
      expectStatus(before, 200);
      expect(before.body.organization.slug).toBe(org);
      expect(before.body.usage).toEqual({ current_services: 0, max_services: 10 });
      await createService(owner, org);
      await createService(owner, org);
      const after = await owner.client.get<{ usage: { current_services: number; max_services: number } }>(`/api/organizations/${org}`);
      expect(after.body.usage).toEqual({ current_services: 2, max_services: 10 });
    });

    it('GET /:org of an unknown slug is 404', async () => {
      expectError(await owner.client.get(`/api/organizations/${uniqueSlug('nope')}`), 404, 'NOT_FOUND');
    });

    it('PATCH /:org renames (admin) and validates the body', async () => {
      const org = await createOrg(owner);
      const res = await owner.client.patch<{ organization: Organization }>(`/api/organizations/${org}`, { name: 'Renamed Co' });
      expectStatus(res, 200);
      expect(res.body.organization.name).toBe('Renamed Co');
      expect(res.body.organization.slug).toBe(org);
      const read = await owner.client.get<{ organization: Organization }>(`/api/organizations/${org}`);
      expect(read.body.organization.name).toBe('Renamed Co');
      expectError(await owner.client.patch(`/api/organizations/${org}`, { slug: 'new-slug-here' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.patch(`/api/organizations/${org}`, { name: '' }), 400, 'BAD_REQUEST');
      const admin = await addMember(owner, org, 'admin', srv.url);
      const byAdmin = await admin.client.patch<{ organization: Organization }>(`/api/organizations/${org}`, { name: 'By Admin' });
      expectStatus(byAdmin, 200);
      expect(byAdmin.body.organization.name).toBe('By Admin');
    });
  });

  describe('members', () => {
    let org: string;
    let admin: Admin;
    let member: Admin;
    let member2: Admin;
    beforeAll(async () => {
      ({ org, admin, member } = await createTeam(srv.url, owner));
      member2 = await addMember(owner, org, 'member', srv.url);
    });

    it('lists members in join order with total, to any member', async () => {
      const res = await member.client.get<{ members: Member[]; total: number }>(`/api/organizations/${org}/members`);
      expectStatus(res, 200);
      expect(res.body.total).toBe(4);
      expect(res.body.members.map((m) => m.email)).toEqual([owner.email, admin.email, member.email, member2.email]);
      expect(res.body.members.map((m) => m.role)).toEqual(['owner', 'admin', 'member', 'member']);
      const first = res.body.members[0];
      expect(first?.account_id).toBe(owner.accountId);
      expect(first?.joined_at).toMatch(RFC3339_UTC);
      expect(Object.keys(first ?? {}).sort()).toEqual(['account_id', 'email', 'joined_at', 'name', 'role']);
    });

    it('paginates members with limit and offset; total stays the full count', async () => {
      const page1 = await owner.client.get<{ members: Member[]; total: number }>(`/api/organizations/${org}/members?limit=2`);
      expect(page1.body.total).toBe(4);
      expect(page1.body.members.map((m) => m.email)).toEqual([owner.email, admin.email]);
      const page2 = await owner.client.get<{ members: Member[]; total: number }>(`/api/organizations/${org}/members?limit=2&offset=2`);
      expect(page2.body.members.map((m) => m.email)).toEqual([member.email, member2.email]);
      const beyond = await owner.client.get<{ members: Member[]; total: number }>(`/api/organizations/${org}/members?offset=10`);
      expectStatus(beyond, 200);
      expect(beyond.body.members).toEqual([]);
      expect(beyond.body.total).toBe(4);
      for (const q of ['limit=0', 'limit=101', 'limit=abc', 'offset=-1']) {
        expectError(await owner.client.get(`/api/organizations/${org}/members?${q}`), 400, 'BAD_REQUEST');
      }
    });

    it('the owner changes roles; the new role takes effect at once', async () => {
      const res = await owner.client.patch<{ member: Member }>(`/api/organizations/${org}/members/${member2.accountId}`, { role: 'admin' });
      expectStatus(res, 200);
      expect(res.body.member).toEqual(expect.objectContaining({ account_id: member2.accountId, email: member2.email, role: 'admin' }));
      // As admin, member2 may now list invitations (admin-only).
      expectStatus(await member2.client.get(`/api/organizations/${org}/invitations`), 200);
      const back = await owner.client.patch<{ member: Member }>(`/api/organizations/${org}/members/${member2.accountId}`, { role: 'member' });
      expect(back.body.member.role).toBe('member');
      expectError(await member2.client.get(`/api/organizations/${org}/invitations`), 403, 'FORBIDDEN');
    });

    it('role changes validate the role and the target', async () => {
      expectError(await owner.client.patch(`/api/organizations/${org}/members/${member.accountId}`, { role: 'superuser' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.patch(`/api/organizations/${org}/members/${member.accountId}`, {}), 400, 'BAD_REQUEST');
      expectError(await owner.client.patch(`/api/organizations/${org}/members/acct_doesnotexist0000000000`, { role: 'admin' }), 404, 'NOT_FOUND');
      // An account that exists but is not a member of this organization.
      const stranger = await registerAdmin(srv.url, 'stranger');
      expectError(await owner.client.patch(`/api/organizations/${org}/members/${stranger.accountId}`, { role: 'admin' }), 404, 'NOT_FOUND');
      expectError(await owner.client.delete(`/api/organizations/${org}/members/${stranger.accountId}`), 404, 'NOT_FOUND');
    });

    it('admins and members cannot change roles (403)', async () => {
      expectError(await admin.client.patch(`/api/organizations/${org}/members/${member.accountId}`, { role: 'admin' }), 403, 'FORBIDDEN');
      expectError(await member.client.patch(`/api/organizations/${org}/members/${member.accountId}`, { role: 'owner' }), 403, 'FORBIDDEN');
      const list = await owner.client.get<{ members: Member[] }>(`/api/organizations/${org}/members`);
      expect(list.body.members.find((m) => m.account_id === member.accountId)?.role).toBe('member');
    });

    it('the last owner can be neither demoted nor removed (409); with a second owner both work', async () => {
      const o = await registerAdmin(srv.url, 'solo');
      const solo = await createOrg(o);
      expectError(await o.client.patch(`/api/organizations/${solo}/members/${o.accountId}`, { role: 'admin' }), 409, 'CONFLICT');
      expectError(await o.client.delete(`/api/organizations/${solo}/members/${o.accountId}`), 409, 'CONFLICT');
      const still = await o.client.get<{ organization: Organization }>(`/api/organizations/${solo}`);
      expect(still.body.organization.role).toBe('owner');

      const second = await addMember(o, solo, 'owner', srv.url);
      const demote = await second.client.patch<{ member: Member }>(`/api/organizations/${solo}/members/${o.accountId}`, { role: 'admin' });
      expectStatus(demote, 200);
      expect(demote.body.member.role).toBe('admin');
      // Now `second` is the last owner: cannot leave or be demoted.
      expectError(await second.client.delete(`/api/organizations/${solo}/members/${second.accountId}`), 409, 'CONFLICT');
      expectError(await second.client.patch(`/api/organizations/${solo}/members/${second.accountId}`, { role: 'member' }), 409, 'CONFLICT');
      // Promote o back, then o removes `second` (another owner): allowed.
      expectStatus(await second.client.patch(`/api/organizations/${solo}/members/${o.accountId}`, { role: 'owner' }), 200);
      expectStatus(await o.client.delete(`/api/organizations/${solo}/members/${second.accountId}`), 204);
      expectError(await second.client.get(`/api/organizations/${solo}`), 404, 'NOT_FOUND');
    });

    it('the owner removes a member (204): the account loses access at once', async () => {
      const leaving = await addMember(owner, org, 'member', srv.url);
      expectStatus(await leaving.client.get(`/api/organizations/${org}`), 200);
      const del = await owner.client.delete(`/api/organizations/${org}/members/${leaving.accountId}`);
      expectStatus(del, 204);
      expect(del.text).toBe('');
      expectError(await leaving.client.get(`/api/organizations/${org}`), 404, 'NOT_FOUND');
      const list = await owner.client.get<{ members: Member[]; total: number }>(`/api/organizations/${org}/members`);
      expect(list.body.members.map((m) => m.account_id)).not.toContain(leaving.accountId);
      expectError(await owner.client.delete(`/api/organizations/${org}/members/${leaving.accountId}`), 404, 'NOT_FOUND');
    });

    it('a member may leave by themselves (204) but not remove others (403)', async () => {
      const leaver = await addMember(owner, org, 'member', srv.url);
      expectError(await leaver.client.delete(`/api/organizations/${org}/members/${member.accountId}`), 403, 'FORBIDDEN');
      expectError(await admin.client.delete(`/api/organizations/${org}/members/${leaver.accountId}`), 403, 'FORBIDDEN');
      expectStatus(await leaver.client.delete(`/api/organizations/${org}/members/${leaver.accountId}`), 204);
      expectError(await leaver.client.get(`/api/organizations/${org}`), 404, 'NOT_FOUND');
      const orgs = await leaver.client.get<{ organizations: Organization[] }>('/api/organizations');
      expect(orgs.body.organizations.map((o) => o.slug)).not.toContain(org);
    });
  });

  describe('invitations', () => {
    let org: string;
    let admin: Admin;
    let member: Admin;
    beforeAll(async () => {
      ({ org, admin, member } = await createTeam(srv.url, owner));
    });

    it('an admin invites (201 {invitation, token}); the invitee accepts (200 {organization, role})', async () => {
      const invitee = await registerAdmin(srv.url, 'invitee');
      const inv = await admin.client.post<{ invitation: Invitation; token: string }>(`/api/organizations/${org}/invitations`, {
        email: invitee.email.toUpperCase(),
        role: 'admin',
      });
      expectStatus(inv, 201);
      expect(inv.body.token.length).toBeGreaterThanOrEqual(32);
      expect(inv.body.invitation.id).toMatch(/^inv_/);
      expect(inv.body.invitation.email).toBe(invitee.email);
      expect(inv.body.invitation.role).toBe('admin');
      expect(inv.body.invitation.created_at).toMatch(RFC3339_UTC);
      const days = (Date.parse(inv.body.invitation.expires_at) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(6.9);
      expect(days).toBeLessThanOrEqual(7.01);
      expect(JSON.stringify(inv.body.invitation)).not.toContain(inv.body.token);

      // Not a member yet.
      expectError(await invitee.client.get(`/api/organizations/${org}`), 404, 'NOT_FOUND');
      const acc = await invitee.client.post<{ organization: Organization; role: string }>('/api/invitations/accept', { token: inv.body.token });
      expectStatus(acc, 200);
      expect(acc.body.role).toBe('admin');
      expect(acc.body.organization.slug).toBe(org);
      const read = await invitee.client.get<{ organization: Organization }>(`/api/organizations/${org}`);
      expectStatus(read, 200);
      expect(read.body.organization.role).toBe('admin');

      // The token is single use.
      expectError(await invitee.client.post('/api/invitations/accept', { token: inv.body.token }), 404, 'NOT_FOUND');
      const list = await owner.client.get<{ invitations: Invitation[]; total: number }>(`/api/organizations/${org}/invitations`);
      expect(list.body.invitations.find((i) => i.id === inv.body.invitation.id)?.status).toBe('accepted');
      // Revoking it now would change nothing and drop the record of how the member joined.
      expectError(await owner.client.delete(`/api/organizations/${org}/invitations/${inv.body.invitation.id}`), 409, 'CONFLICT');
      const after = await owner.client.get<{ invitations: Invitation[] }>(`/api/organizations/${org}/invitations`);
      expect(after.body.invitations.find((i) => i.id === inv.body.invitation.id)?.status).toBe('accepted');
    });

    it('the owner may invite an owner; an admin may not (403)', async () => {
      const a = await registerAdmin(srv.url, 'future-owner');
      expectError(await admin.client.post(`/api/organizations/${org}/invitations`, { email: a.email, role: 'owner' }), 403, 'FORBIDDEN');
      const byOwner = await owner.client.post<{ token: string }>(`/api/organizations/${org}/invitations`, { email: a.email, role: 'owner' });
      expectStatus(byOwner, 201);
      const acc = await a.client.post<{ role: string }>('/api/invitations/accept', { token: byOwner.body.token });
      expect(acc.body.role).toBe('owner');
    });

    it('members cannot invite, list or delete invitations (403)', async () => {
      expectError(await member.client.post(`/api/organizations/${org}/invitations`, { email: 'x@example.com', role: 'member' }), 403, 'FORBIDDEN');
      expectError(await member.client.get(`/api/organizations/${org}/invitations`), 403, 'FORBIDDEN');
      expectError(await member.client.delete(`/api/organizations/${org}/invitations/inv_aaaaaaaaaaaaaaaaaaaa`), 403, 'FORBIDDEN');
    });

    it('validates the invitation body', async () => {
      expectError(await owner.client.post(`/api/organizations/${org}/invitations`, { email: 'not-an-email', role: 'member' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post(`/api/organizations/${org}/invitations`, { email: 'ok@example.com', role: 'root' }), 400, 'BAD_REQUEST');
      expectError(await owner.client.post(`/api/organizations/${org}/invitations`, { email: 'ok@example.com' }), 400, 'BAD_REQUEST');
      expectError(
        await owner.client.post(`/api/organizations/${org}/invitations`, { email: 'ok@example.com', role: 'member', token: 'chosen' }),
        400,
        'BAD_REQUEST',
      );
    });

    it('accepting with another account (email mismatch) is 403 and leaves the invitation usable', async () => {
      const intended = await registerAdmin(srv.url, 'intended');
      const thief = await registerAdmin(srv.url, 'thief');
      const inv = await owner.client.post<{ token: string }>(`/api/organizations/${org}/invitations`, { email: intended.email, role: 'member' });
      expectError(await thief.client.post('/api/invitations/accept', { token: inv.body.token }), 403, 'FORBIDDEN');
      expectError(await thief.client.get(`/api/organizations/${org}`), 404, 'NOT_FOUND');
      expectStatus(await intended.client.post('/api/invitations/accept', { token: inv.body.token }), 200);
    });

    it('unknown, empty or malformed tokens are 404/400, and accepting needs a bearer token', async () => {
      const someone = await registerAdmin(srv.url, 'someone');
      expectError(await someone.client.post('/api/invitations/accept', { token: 'inv_unknownunknownunknownunknownunknown000' }), 404, 'NOT_FOUND');
      expectError(await someone.client.post('/api/invitations/accept', { token: '' }), 400, 'BAD_REQUEST');
      expectError(await someone.client.post('/api/invitations/accept', {}), 400, 'BAD_REQUEST');
      expectError(await anon.post('/api/invitations/accept', { token: 'inv_whatever' }), 401, 'UNAUTHORIZED');
    });

    it('lists invitations in creation order with total and pagination; deletes them (204, then 404)', async () => {
      const o = await registerAdmin(srv.url, 'inv-owner');
      const fresh = await createOrg(o);
      const emails = ['c.first@example.com', 'a.second@example.com', 'b.third@example.com'];
      const ids: string[] = [];
      const tokens: string[] = [];
      for (const email of emails) {
        const r = await o.client.post<{ invitation: Invitation; token: string }>(`/api/organizations/${fresh}/invitations`, { email, role: 'member' });
        expectStatus(r, 201);
        ids.push(r.body.invitation.id);
        tokens.push(r.body.token);
        await tick();
      }
      const list = await o.client.get<{ invitations: Invitation[]; total: number }>(`/api/organizations/${fresh}/invitations`);
      expectStatus(list, 200);
      expect(list.body.total).toBe(3);
      expect(list.body.invitations.map((i) => i.email)).toEqual(emails);
      expect(list.body.invitations.every((i) => i.status === 'pending')).toBe(true);
      expect(list.text).not.toContain(tokens[0]);
      const page = await o.client.get<{ invitations: Invitation[]; total: number }>(`/api/organizations/${fresh}/invitations?limit=1&offset=1`);
      expect(page.body.invitations.map((i) => i.id)).toEqual([ids[1]]);
      expect(page.body.total).toBe(3);

      expectStatus(await o.client.delete(`/api/organizations/${fresh}/invitations/${ids[0]}`), 204);
      expectError(await o.client.delete(`/api/organizations/${fresh}/invitations/${ids[0]}`), 404, 'NOT_FOUND');
      expectError(await o.client.delete(`/api/organizations/${fresh}/invitations/not-an-id`), 404, 'NOT_FOUND');
      const after = await o.client.get<{ invitations: Invitation[]; total: number }>(`/api/organizations/${fresh}/invitations`);
      expect(after.body.total).toBe(2);
      expect(after.body.invitations.map((i) => i.id)).toEqual([ids[1], ids[2]]);

      // A deleted invitation cannot be accepted.
      const c = await registerAdmin(srv.url, 'cfirst');
      const own = await o.client.post<{ invitation: Invitation; token: string }>(`/api/organizations/${fresh}/invitations`, { email: c.email, role: 'member' });
      expectStatus(await o.client.delete(`/api/organizations/${fresh}/invitations/${own.body.invitation.id}`), 204);
      expectError(await c.client.post('/api/invitations/accept', { token: own.body.token }), 404, 'NOT_FOUND');
    });

    it('an invitation of another organization cannot be deleted through this one (404)', async () => {
      const o2 = await registerAdmin(srv.url, 'inv-other');
      const other = await createOrg(o2);
      const inv = await o2.client.post<{ invitation: Invitation }>(`/api/organizations/${other}/invitations`, { email: 'x.y@example.com', role: 'member' });
      expectError(await owner.client.delete(`/api/organizations/${org}/invitations/${inv.body.invitation.id}`), 404, 'NOT_FOUND');
      const still = await o2.client.get<{ total: number }>(`/api/organizations/${other}/invitations`);
      expect(still.body.total).toBe(1);
    });

    it('inviting an existing member is 409', async () => {
      expectError(await owner.client.post(`/api/organizations/${org}/invitations`, { email: member.email, role: 'admin' }), 409, 'CONFLICT');
    });
  });

  describe('DELETE /:org', () => {
    it('only the owner deletes; admins and members get 403', async () => {
      const org = await createOrg(owner);
      const admin = await addMember(owner, org, 'admin', srv.url);
      const member = await addMember(owner, org, 'member', srv.url);
      expectError(await admin.client.delete(`/api/organizations/${org}`), 403, 'FORBIDDEN');
      expectError(await member.client.delete(`/api/organizations/${org}`), 403, 'FORBIDDEN');
      expectStatus(await owner.client.get(`/api/organizations/${org}`), 200);
    });

    it('cascades: services, keys, members and invitations go; the API key is refused with 401', async () => {
      const org = await createOrg(owner);
      const member = await addMember(owner, org, 'member', srv.url);
      const svc = await createService(owner, org);
      const key = await createKey(owner, org, svc.slug, ['read:service']);
      await owner.client.post(`/api/organizations/${org}/invitations`, { email: 'pending@example.com', role: 'member' });
      const userRes = await owner.client.post(`/api/organizations/${org}/users`, { email: 'dir.user@example.com' });
      expectStatus(userRes, 201);
      const orgRead = await owner.client.get<{ organization: Organization }>(`/api/organizations/${org}`);
      const orgId = orgRead.body.organization.id;
      const svcApi = new Client(srv.url).apiKey(key.key);
      const info = await svcApi.get<{ id: string }>('/api/service/info');
      expectStatus(info, 200);
      expect(info.body.id).toBe(svc.id);

      const del = await owner.client.delete(`/api/organizations/${org}`);
      expectStatus(del, 204);
      expect(del.text).toBe('');

      expectError(await svcApi.get('/api/service/info'), 401, 'UNAUTHORIZED');
      expectError(await owner.client.get(`/api/organizations/${org}`), 404, 'NOT_FOUND');
      expectError(await member.client.get(`/api/organizations/${org}/members`), 404, 'NOT_FOUND');
      expectError(await owner.client.get(`/api/organizations/${org}/services/${svc.slug}`), 404, 'NOT_FOUND');
      expectError(await owner.client.delete(`/api/organizations/${org}`), 404, 'NOT_FOUND');
      const mine = await member.client.get<{ organizations: Organization[] }>('/api/organizations');
      expect(mine.body.organizations.map((o) => o.slug)).not.toContain(org);

      // Nothing of it is left in the database.
      const db = srv.deps.db;
      expect(await db.service.count({ where: { id: svc.id } })).toBe(0);
      expect(await db.apiKey.count({ where: { id: key.id } })).toBe(0);
      expect(await db.organization.count({ where: { id: orgId } })).toBe(0);
      expect(await db.user.count({ where: { organizationId: orgId } })).toBe(0);
      expect(await db.membership.count({ where: { organizationId: orgId } })).toBe(0);
      expect(await db.invitation.count({ where: { organizationId: orgId } })).toBe(0);

      // The slug is free again.
      expectStatus(await owner.client.post('/api/organizations', { slug: org, name: 'Reborn' }), 201);
      expectError(await svcApi.get('/api/service/info'), 401, 'UNAUTHORIZED');
    });
  });
});
