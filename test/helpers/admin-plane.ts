// Small helpers shared by the admin-plane suites: the error-shape check, Service API shortcuts, and the two
// organizations the admin-plane security suites attack.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { Client, uniqueEmail, type Res } from './http.ts';
import { addMember, createKey, createOrg, createPlan, createService, createTeam, registerAdmin, type Admin } from './fixtures.ts';
import type { DatabaseFactory } from './databases.ts';
import type { TestServer } from './server.ts';
import { suiteServer } from './suite.ts';

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** A plan as the admin API returns it (docs/api.md, Plans). */
export interface PlanBody {
  id: string;
  service_id: string;
  name: string;
  price_cents: number;
  currency: string;
  features: string[];
  created_at: string;
  updated_at: string;
}

export interface ErrorBody {
  error: string;
  error_code: string;
  timestamp: string;
  request_id: string;
  details?: { field: string; message: string }[];
}

/** Asserts the status, the error_code and the contract's error shape (docs/api.md, Errors). */
export function expectError(res: Res<unknown>, status: number, code?: string): ErrorBody {
  expect(res.status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`).toBe(status);
  if (typeof res.body !== 'object' || res.body === null) throw new Error(`expected a JSON error body, got: ${res.text.slice(0, 300)}`);
  // The shape is what the expectations below check.
  const body = res.body as ErrorBody;
  expect(typeof body.error).toBe('string');
  expect(body.error.length).toBeGreaterThan(0);
  if (code) expect(body.error_code).toBe(code);
  else expect(typeof body.error_code).toBe('string');
  expect(body.timestamp).toMatch(RFC3339_UTC);
  expect(typeof body.request_id).toBe('string');
  expect(body.request_id.length).toBeGreaterThan(0);
  expect(res.headers.get('x-request-id')).toBe(body.request_id);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  // Nothing internal leaks: no stack trace, SQL or file path.
  expect(res.text).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|\/work\/|prisma|SELECT |INSERT |sqlite|postgres/i);
  return body;
}

/** Status-only shorthand with a readable failure message. */
export function expectStatus(res: Res<unknown>, status: number): void {
  expect(res.status, `expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`).toBe(status);
}

/** Creates (or finds) a user through the Service API and subscribes it to a plan; returns the user id. */
export async function subscribeThroughServiceApi(base: string, key: string, email: string, planId: string, status = 'active'): Promise<string> {
  const svc = new Client(base).apiKey(key);
  const user = await svc.post<{ id: string }>('/api/service/users', { email });
  expect([200, 201]).toContain(user.status);
  const sub = await svc.post<{ status: string }>('/api/service/subscriptions', { user_id: user.body.id, plan_id: planId, status });
  expect([200, 201], sub.text).toContain(sub.status);
  expect(sub.body.status).toBe(status);
  return user.body.id;
}

/** Builds a 1 MiB + 1 KiB JSON object body. */
export function oversizedJson(): string {
  return JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1024) });
}

/** Adds an existing account to another organization (invitation + accept), without a new registration. */
export async function inviteExisting(owner: Admin, org: string, who: Admin, role: 'member' | 'admin' | 'owner'): Promise<void> {
  const inv = await owner.client.post<{ token: string }>(`/api/organizations/${org}/invitations`, { email: who.email, role });
  expect(inv.status).toBe(201);
  const acc = await who.client.post('/api/invitations/accept', { token: inv.body.token });
  expect(acc.status).toBe(200);
}

/**
 * Waits a few milliseconds. Lists are ordered by created_at (millisecond precision) then by random id, so
 * tests that assert creation order space their creations out to never produce a tie.
 */
export function tick(ms = 3): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Organization A of the admin-plane security suites: one account per role, a service with a plan and a key, a directory user. */
export interface TenantA {
  owner: Admin;
  admin: Admin;
  member: Admin;
  org: string;
  svc: { slug: string; id: string };
  plan: string;
  key: { id: string; key: string };
  user: string;
}

/** Organization B: its owner is the non-member of A, its admin "org B's admin"; it has no member and no directory user. */
export type TenantB = Omit<TenantA, 'member' | 'user'>;

export async function setUpTenantA(base: string): Promise<TenantA> {
  const { owner, org, admin, member } = await createTeam(base, await registerAdmin(base, 'owner-a'));
  const svc = await createService(owner, org);
  const plan = await createPlan(owner, org, svc.slug, 'Plan A');
  const key = await createKey(owner, org, svc.slug, ['read:service', 'read:users', 'write:users', 'read:subscriptions', 'write:subscriptions']);
  const u = await owner.client.post<{ user: { id: string } }>(`/api/organizations/${org}/users`, { email: uniqueEmail('user-a') });
  expectStatus(u, 201);
  return { owner, admin, member, org, svc, plan, key, user: u.body.user.id };
}

export async function setUpTenantB(base: string): Promise<TenantB> {
  const owner = await registerAdmin(base, 'owner-b');
  const org = await createOrg(owner);
  const admin = await addMember(owner, org, 'admin', base);
  const svc = await createService(owner, org);
  const plan = await createPlan(owner, org, svc.slug, 'Plan B');
  const key = await createKey(owner, org, svc.slug, ['read:users', 'write:users', 'read:subscriptions', 'write:subscriptions']);
  return { owner, admin, org, svc, plan, key };
}

/** Organization A is exactly as set up: nothing a refused request attempted took effect. */
export async function expectTenantAIntact(base: string, a: TenantA): Promise<void> {
  const o = `/api/organizations/${a.org}`;
  const org = await a.owner.client.get<{ organization: { name: string }; usage: { current_services: number } }>(o);
  expectStatus(org, 200);
  expect(org.body.organization.name).not.toBe('Hijacked');
  expect(org.body.usage.current_services).toBe(1);
  const members = await a.owner.client.get<{ members: { account_id: string; role: string }[] }>(`${o}/members`);
  expect(members.body.members.map((m) => [m.account_id, m.role])).toEqual([
    [a.owner.accountId, 'owner'],
    [a.admin.accountId, 'admin'],
    [a.member.accountId, 'member'],
  ]);
  const svc = await a.owner.client.get<{ service: { name: string; redirect_uris: string[] }; plans: { id: string; price_cents: number }[] }>(
    `${o}/services/${a.svc.slug}`,
  );
  expect(svc.body.service.name).not.toBe('Hijacked');
  expect(svc.body.service.redirect_uris).toEqual([]);
  expect(svc.body.plans.map((p) => [p.id, p.price_cents])).toEqual([[a.plan, 1900]]);
  const keys = await a.owner.client.get<{ total: number }>(`${o}/services/${a.svc.slug}/api-keys`);
  expect(keys.body.total).toBe(1);
  expectStatus(await new Client(base).apiKey(a.key.key).get('/api/service/info'), 200);
  const users = await a.owner.client.get<{ users: { id: string; disabled: boolean }[] }>(`${o}/users`);
  expect(users.body.users.map((u) => [u.id, u.disabled])).toEqual([[a.user, false]]);
  const inv = await a.owner.client.get<{ invitations: { status: string }[] }>(`${o}/invitations`);
  expect(inv.body.invitations.filter((i) => i.status === 'pending')).toEqual([]);
}

export interface AdminPlaneSuite {
  srv: TestServer;
  /** A client without credentials. */
  readonly anon: Client;
  /** Organization A on the block's server, set up before its tests. */
  readonly a: TenantA;
  /** expectTenantAIntact for this block's organization A. */
  expectAIntact(): Promise<void>;
}

/** The admin-plane security suites' setup: the describe block's server (suiteServer) and organization A on it. */
export function adminPlaneSuite(factory: DatabaseFactory): AdminPlaneSuite {
  const srv = suiteServer(factory);
  let tenant: TenantA | undefined;
  beforeAll(async () => {
    tenant = await setUpTenantA(srv.url);
  });
  const a = (): TenantA => {
    if (!tenant) throw new Error('organization A is set up in beforeAll: read it inside a hook or a test');
    return tenant;
  };
  return {
    srv,
    get anon() {
      return new Client(srv.url);
    },
    get a() {
      return a();
    },
    expectAIntact: () => expectTenantAIntact(srv.url, a()),
  };
}

/** src/, for the suites that read the product's own source. */
export const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Every file below `dir`. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else out.push(path);
  }
  return out;
}
