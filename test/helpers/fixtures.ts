// Builds the common world through the public API: an account, an organization, a service, keys.
import { expect } from 'vitest';
import { Client, uniqueEmail, type Json } from './http.ts';

export const PASSWORD = 'correct horse battery staple';

export interface Admin {
  client: Client;
  email: string;
  accountId: string;
  accessToken: string;
  refreshToken: string;
}

export async function registerAdmin(base: string, tag = 'admin'): Promise<Admin> {
  const email = uniqueEmail(tag);
  const res = await new Client(base).post<Json & { account: { id: string }; access_token: string; refresh_token: string }>('/api/auth/register', {
    email,
    password: PASSWORD,
  });
  expect(res.status).toBe(201);
  return {
    client: new Client(base).bearer(res.body.access_token),
    email,
    accountId: res.body.account.id,
    accessToken: res.body.access_token,
    refreshToken: res.body.refresh_token,
  };
}

let orgCounter = 0;
export function uniqueSlug(tag = 'org'): string {
  orgCounter += 1;
  return `${tag}-${process.pid}-${orgCounter}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function createOrg(admin: Admin, slug = uniqueSlug()): Promise<string> {
  const res = await admin.client.post('/api/organizations', { slug, name: `Org ${slug}` });
  expect(res.status).toBe(201);
  return slug;
}

export async function createService(admin: Admin, org: string, slug = uniqueSlug('svc')): Promise<{ slug: string; id: string }> {
  const res = await admin.client.post<{ service: { id: string } }>(`/api/organizations/${org}/services`, {
    slug,
    name: `Service ${slug}`,
    service_type: 'web',
  });
  expect(res.status).toBe(201);
  return { slug, id: res.body.service.id };
}

export async function createPlan(admin: Admin, org: string, svc: string, name = 'Pro', features = ['sso', 'export']): Promise<string> {
  const res = await admin.client.post<{ plan: { id: string } }>(`/api/organizations/${org}/services/${svc}/plans`, {
    name,
    price_cents: 1900,
    currency: 'USD',
    features,
  });
  expect(res.status).toBe(201);
  return res.body.plan.id;
}

export async function createKey(admin: Admin, org: string, svc: string, permissions: string[], extra: Json = {}): Promise<{ id: string; key: string }> {
  const res = await admin.client.post<{ id: string; key: string }>(`/api/organizations/${org}/services/${svc}/api-keys`, {
    name: 'test key',
    permissions,
    ...extra,
  });
  expect(res.status).toBe(201);
  return { id: res.body.id, key: res.body.key };
}

export const ALL_PERMISSIONS = [
  'read:users',
  'write:users',
  'delete:users',
  'read:subscriptions',
  'write:subscriptions',
  'delete:subscriptions',
  'read:analytics',
  'read:service',
  'write:service',
];

export async function addMember(owner: Admin, org: string, role: 'member' | 'admin' | 'owner', base: string): Promise<Admin> {
  const invitee = await registerAdmin(base, role);
  const inv = await owner.client.post<{ token: string }>(`/api/organizations/${org}/invitations`, { email: invitee.email, role });
  expect(inv.status).toBe(201);
  const acc = await invitee.client.post('/api/invitations/accept', { token: inv.body.token });
  expect(acc.status).toBe(200);
  return invitee;
}

/** An organization with its owner and, invited into it, an admin and a member: the cast of the role tests. */
export interface Team {
  owner: Admin;
  org: string;
  admin: Admin;
  member: Admin;
}

/** A new organization of `owner` (a new account unless given) with an admin and a member. */
export async function createTeam(base: string, owner?: Admin): Promise<Team> {
  const own = owner ?? (await registerAdmin(base, 'owner'));
  const org = await createOrg(own);
  const admin = await addMember(own, org, 'admin', base);
  const member = await addMember(own, org, 'member', base);
  return { owner: own, org, admin, member };
}
