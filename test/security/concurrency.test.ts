// Invariants that a count-then-write would break under concurrency (issue 14 item 5): the service
// limit, and "an organization keeps an owner". On PostgreSQL two transactions could each count, each
// see room, and each write; the organization row lock makes them take turns. SQLite serializes writers
// anyway; both databases must give the same answers.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import type { Res } from '../helpers/http.ts';
import { createOrg, createService, registerAdmin, uniqueSlug, type Admin } from '../helpers/fixtures.ts';
import { expectError } from '../helpers/admin-plane.ts';

const LIMIT = 4;
const ROUNDS = 5;

interface Member {
  account_id: string;
  role: string;
}

describe.each(databases())('invariants under concurrency on $name', (factory) => {
  const srv = suiteServer(factory, { TESSERA_MAX_SERVICES_PER_ORG: String(LIMIT) });
  let alice: Admin;
  let bob: Admin;
  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerAdmin(srv.url, 'alice'), registerAdmin(srv.url, 'bob')]);
  });

  /** A fresh organization owned by alice, with bob as a second owner. */
  async function twoOwners(): Promise<string> {
    const org = await createOrg(alice);
    const inv = await alice.client.post<{ token: string }>(`/api/organizations/${org}/invitations`, { email: bob.email, role: 'owner' });
    expect(inv.status).toBe(201);
    expect((await bob.client.post('/api/invitations/accept', { token: inv.body.token })).status).toBe(200);
    return org;
  }

  async function owners(org: string): Promise<string[]> {
    const res = await alice.client.get<{ members: Member[] }>(`/api/organizations/${org}/members`);
    // Whoever lost the race may no longer be a member: ask as whoever still is.
    const list = res.status === 200 ? res : await bob.client.get<{ members: Member[] }>(`/api/organizations/${org}/members`);
    expect(list.status).toBe(200);
    return list.body.members.filter((m) => m.role === 'owner').map((m) => m.account_id);
  }

  const statuses = (results: Res<unknown>[]) => results.map((r) => r.status).sort();

  it(`20 concurrent creates at limit − 1: exactly one 201, the rest 403 SERVICE_LIMIT_EXCEEDED`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const org = await createOrg(alice);
      for (let i = 0; i < LIMIT - 1; i++) await createService(alice, org);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          alice.client.post(`/api/organizations/${org}/services`, { slug: uniqueSlug('race'), name: 'Race', service_type: 'web' }),
        ),
      );
      expect(
        results.filter((r) => r.status === 201),
        `round ${round}: ${JSON.stringify(statuses(results))}`,
      ).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 403, 'SERVICE_LIMIT_EXCEEDED');
      const usage = await alice.client.get<{ usage: { current_services: number; max_services: number } }>(`/api/organizations/${org}`);
      expect(usage.body.usage).toEqual({ current_services: LIMIT, max_services: LIMIT });
    }
  });

  it('two owners demoting each other at once: one succeeds, the other is refused, one owner remains', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const org = await twoOwners();
      const [byAlice, byBob] = await Promise.all([
        alice.client.patch(`/api/organizations/${org}/members/${bob.accountId}`, { role: 'admin' }),
        bob.client.patch(`/api/organizations/${org}/members/${alice.accountId}`, { role: 'admin' }),
      ]);
      const results = [byAlice, byBob];
      expect(
        results.filter((r) => r.status === 200),
        `round ${round}: ${JSON.stringify(statuses(results))}`,
      ).toHaveLength(1);
      // The loser is refused as the last owner's demotion (409), or, when its request began after the
      // winner's commit, as no longer an owner (403).
      const loser = results.find((r) => r.status !== 200);
      expect([409, 403]).toContain(loser?.status);
      expect(await owners(org)).toHaveLength(1);
    }
  });

  it('two owners removing each other at once: one succeeds, the other is refused, one owner remains', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const org = await twoOwners();
      const [byAlice, byBob] = await Promise.all([
        alice.client.delete(`/api/organizations/${org}/members/${bob.accountId}`),
        bob.client.delete(`/api/organizations/${org}/members/${alice.accountId}`),
      ]);
      const results = [byAlice, byBob];
      expect(
        results.filter((r) => r.status === 204),
        `round ${round}: ${JSON.stringify(statuses(results))}`,
      ).toHaveLength(1);
      // 409 for the last owner; 404 when the loser was already removed before its request was checked.
      const loser = results.find((r) => r.status !== 204);
      expect([409, 404]).toContain(loser?.status);
      expect(await owners(org)).toHaveLength(1);
    }
  });
});
