// Service API test helpers: a service with a plan and an all-permission key, response shapes, and
// well-formed IDs that do not exist.
import { randomBytes } from 'node:crypto';
import { beforeAll, expect } from 'vitest';
import { Client, uniqueEmail, type Json, type Res } from './http.ts';
import { ALL_PERMISSIONS, createKey, createOrg, createPlan, createService, registerAdmin, type Admin } from './fixtures.ts';
import type { DatabaseFactory } from './databases.ts';
import type { TestServer } from './server.ts';
import { suiteServer } from './suite.ts';
import type { Db } from '../../src/db/client.ts';
import { newId, newPersistentNameId } from '../../src/security/random.ts';

export interface ApiUser {
  id: string;
  email: string;
  created_at: string;
}
export interface ApiSubscription {
  id: string;
  user_id: string;
  plan_id: string;
  plan_name: string;
  status: string;
  current_period_end: string;
}
export interface ApiError {
  error: string;
  error_code: string;
  timestamp: string;
  request_id: string;
  details?: { field: string; message: string }[];
}
export interface UserList {
  users: ApiUser[];
  total: number;
}
export interface SubscriptionList {
  subscriptions: ApiSubscription[];
  total: number;
}
export interface Analytics {
  total_users: number;
  total_subscriptions: number;
  active_subscriptions: number;
  total_logins_30d: number;
  unique_users_30d: number;
}
export interface ServiceInfo {
  id: string;
  name: string;
  slug: string;
  service_type: string;
  created_at: string;
}

export interface ServiceWorld {
  admin: Admin;
  base: string;
  org: string;
  service: { slug: string; id: string };
  planId: string;
  planName: string;
  key: string;
  keyId: string;
  /** A client carrying the all-permission key. */
  api: Client;
}

export const RFC3339_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
export const USER_NOT_LINKED = 'User not found or has not authenticated with this service';
export const SUB_NOT_FOUND = 'Subscription not found for this user';

/** A service (in a new organization unless `org` is given) with one plan and a fresh all-permission key. */
export async function serviceWorld(base: string, admin: Admin, opts: { org?: string; permissions?: string[]; planName?: string } = {}): Promise<ServiceWorld> {
  const org = opts.org ?? (await createOrg(admin));
  const service = await createService(admin, org);
  const planName = opts.planName ?? `Plan ${randomBytes(3).toString('hex')}`;
  const planId = await createPlan(admin, org, service.slug, planName);
  const { id, key } = await createKey(admin, org, service.slug, opts.permissions ?? ALL_PERMISSIONS);
  return { admin, base, org, service, planId, planName, key, keyId: id, api: new Client(base).apiKey(key) };
}

export interface ServiceApiSuite {
  srv: TestServer;
  /** The account that owns the block's worlds. */
  readonly admin: Admin;
  /** A new world (see serviceWorld) on the block's server, owned by `admin`. */
  world(opts?: { org?: string; permissions?: string[]; planName?: string }): Promise<ServiceWorld>;
}

/** The Service API suites' setup: the describe block's server (suiteServer) and one registered admin. */
export function serviceApiSuite(factory: DatabaseFactory): ServiceApiSuite {
  const srv = suiteServer(factory);
  let registered: Admin | undefined;
  beforeAll(async () => {
    registered = await registerAdmin(srv.url);
  });
  const admin = (): Admin => {
    if (!registered) throw new Error('the suite admin registers in beforeAll: read it inside a hook or a test');
    return registered;
  };
  return {
    srv,
    get admin() {
      return admin();
    },
    world: (opts = {}) => serviceWorld(srv.url, admin(), opts),
  };
}

/**
 * Read-only clients for many reads of one service: the read limit is per key and minute, so the reads
 * spread over `count` keys, one after the other.
 */
export async function readClients(base: string, admin: Admin, w: ServiceWorld, count = 4): Promise<() => Client> {
  const keys = await Promise.all(Array.from({ length: count }, () => createKey(admin, w.org, w.service.slug, ['read:users', 'read:subscriptions'])));
  const clients = keys.map((k) => new Client(base).apiKey(k.key));
  let calls = 0;
  return () => clients[calls++ % clients.length] ?? new Client(base);
}

/**
 * Users of the world's organization written straight to the database, each linked to its service and
 * subscribed to its plan: one statement per table, so each list changes once. `createdAt` (the link's
 * and the subscription's) defaults to now. Returns the users' ids, in `rows`' order.
 */
export async function linkedSubscribers(db: Db, w: ServiceWorld, rows: { status: string; createdAt?: Date }[]): Promise<string[]> {
  const orgId = (await db.service.findUniqueOrThrow({ where: { id: w.service.id } })).organizationId;
  const users = rows.map(() => ({ id: newId('usr'), organizationId: orgId, email: uniqueEmail('linked') }));
  await db.user.createMany({ data: users });
  await db.serviceUser.createMany({
    data: users.map((u, i) => ({
      id: newId('su'),
      serviceId: w.service.id,
      userId: u.id,
      persistentNameId: newPersistentNameId(),
      createdAt: rows[i]?.createdAt,
    })),
  });
  await db.subscription.createMany({
    data: users.map((u, i) => ({
      id: newId('sub'),
      serviceId: w.service.id,
      userId: u.id,
      planId: w.planId,
      status: rows[i]?.status ?? 'active',
      currentPeriodEnd: new Date(Date.UTC(2030, 0, 1)),
      createdAt: rows[i]?.createdAt,
    })),
  });
  return users.map((u) => u.id);
}

/** Another key for the same service (fresh rate-limit counters). */
export async function extraKey(w: ServiceWorld, permissions: string[] = ALL_PERMISSIONS, extra: Json = {}): Promise<{ id: string; key: string; api: Client }> {
  const { id, key } = await createKey(w.admin, w.org, w.service.slug, permissions, extra);
  return { id, key, api: new Client(w.base).apiKey(key) };
}

export async function provisionUser(api: Client, email: string = uniqueEmail('svcuser')): Promise<ApiUser> {
  const res = await api.post<ApiUser>('/api/service/users', { email });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

export async function subscribe(api: Client, userId: string, planId: string, extra: Json = {}): Promise<ApiSubscription> {
  const res = await api.post<ApiSubscription>('/api/service/subscriptions', { user_id: userId, plan_id: planId, ...extra });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** A well-formed ID of the given type that does not exist. */
export function fakeId(prefix: string): string {
  return `${prefix}_${randomBytes(20).toString('base64url')}`;
}

export function asError(res: Res<unknown>): ApiError {
  return res.body as ApiError;
}

/** Asserts the contract error shape and returns it. */
export function expectError(res: Res<unknown>, status: number, code: string, error?: string | RegExp): ApiError {
  expect(res.status, res.text).toBe(status);
  const body = asError(res);
  expect(body.error_code).toBe(code);
  expect(typeof body.error).toBe('string');
  expect(body.timestamp).toMatch(RFC3339_Z);
  expect(body.request_id).toBe(res.headers.get('x-request-id'));
  if (typeof error === 'string') expect(body.error).toBe(error);
  else if (error) expect(body.error).toMatch(error);
  return body;
}

/** The error body without the fields that legitimately vary per response. */
export function stableErrorBody(res: Res<unknown>): string {
  const { timestamp: _t, request_id: _r, ...rest } = asError(res);
  return JSON.stringify(rest);
}

export function rateHeaders(res: Res<unknown>): { limit: number; remaining: number; reset: number } {
  const limit = res.headers.get('x-ratelimit-limit');
  const remaining = res.headers.get('x-ratelimit-remaining');
  const reset = res.headers.get('x-ratelimit-reset');
  expect(limit, 'X-RateLimit-Limit').not.toBeNull();
  expect(remaining, 'X-RateLimit-Remaining').not.toBeNull();
  expect(reset, 'X-RateLimit-Reset').not.toBeNull();
  return { limit: Number(limit), remaining: Number(remaining), reset: Number(reset) };
}

/** The one 401 every bad key gets (docs/security.md, attack 24), compared without timestamp/request_id. */
export function expectInvalidKey(res: Res<unknown>, reference?: string): string {
  expectError(res, 401, 'UNAUTHORIZED');
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  const stable = stableErrorBody(res);
  if (reference !== undefined) expect(stable).toBe(reference);
  return stable;
}

/** Deletes one of the world's keys through the admin API (as the world's admin unless `via` is given). */
export async function deleteKey(w: ServiceWorld, keyId: string, via: Client = w.admin.client): Promise<void> {
  const res = await via.delete(`/api/organizations/${w.org}/services/${w.service.slug}/api-keys/${keyId}`);
  expect(res.status).toBe(204);
}
