// Small helpers shared by the admin-plane suites: the error-shape check and Service API shortcuts.
import { expect } from 'vitest';
import { Client, type Res } from './http.ts';
import type { Admin } from './fixtures.ts';

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

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
  const body = res.body as ErrorBody;
  expect(typeof body?.error).toBe('string');
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
