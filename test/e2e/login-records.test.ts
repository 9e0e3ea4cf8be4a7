// Login bookkeeping under concurrency: simultaneous logins to one service in the same hour must all be
// counted (the hourly counter's first row is created by exactly one of them, the rest increment it).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, createService, registerAdmin } from '../helpers/fixtures.ts';
import { recordLogin } from '../../src/service-api/logins.ts';
import { linkUser } from '../../src/service-api/users.ts';
import { newId } from '../../src/security/random.ts';

describe.each(databases())('login records on $name', (factory) => {
  const srv = suiteServer(factory);

  it('20 concurrent logins in one hour are all counted, and each user once', async () => {
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const svc = await createService(admin, org);
    const db = srv.deps.db;
    const organization = await db.organization.findUniqueOrThrow({ where: { slug: org } });
    const users = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        db.user.create({ data: { id: newId('usr'), organizationId: organization.id, email: `c${i}.${Date.now()}@example.com` } }),
      ),
    );
    for (const u of users) await linkUser(db, svc.id, u.id);
    const at = new Date();
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => recordLogin(db, svc.id, users[i % 5]?.id ?? '', at)));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason).slice(0, 200))).toEqual([]);
    const counts = await db.loginCount.findMany({ where: { serviceId: svc.id } });
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(20);
    expect(await db.loginEvent.count({ where: { serviceId: svc.id } })).toBe(20);
    expect(await db.serviceUser.count({ where: { serviceId: svc.id, lastLoginAt: { not: null } } })).toBe(5);
  });
});
