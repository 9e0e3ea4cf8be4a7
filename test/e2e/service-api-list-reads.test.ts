// The Service API's user and subscription reads (lists with their totals, single lookups) are written
// once in SQL and run either on SQLite's direct connection or through Prisma's raw query (PostgreSQL,
// or SQLite while busy). This suite holds both paths to the JSON of the Prisma model reads they
// replaced, on data chosen to trip a hand-written query: non-ASCII emails and plan names, links created
// in the same millisecond (ties broken by id), user creation times in the opposite order to link
// creation times, every subscription status, another service sharing the same users, and pages that
// start past the end. The totals come from counters that database triggers keep: the last tests write
// and remove rows every way the application and the database's cascades do, and check every total.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import type { Page } from '../../src/http/validate.ts';
import { runBatch } from '../../src/db/statements.ts';
import { newId, newPersistentNameId } from '../../src/security/random.ts';
import { linkAndStamp } from '../../src/service-api/logins.ts';
import { findLinkedUser, listUsers, listUsersJson, type Reader } from '../../src/service-api/users.ts';
import { getSubscription, listSubscriptions, listSubscriptionsJson, updateSubscription } from '../../src/service-api/subscriptions.ts';
import { databases } from '../helpers/databases.ts';
import { registerAdmin } from '../helpers/fixtures.ts';
import { Client } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { fakeId, linkedSubscribers, readClients, serviceWorld, type ApiUser, type ServiceWorld } from '../helpers/service-api.ts';
import { systemActor } from '../../src/audit/index.ts';
import { anchorsFor } from '../../src/service-api/page-anchors.ts';

// The reads as they were before they became SQL, kept here as the reference. Their presentation is
// spelled out rather than borrowed from src/, so a presenter change cannot hide a difference either.
const userJson = (u: { id: string; email: string; createdAt: Date }) => ({ id: u.id, email: u.email, created_at: u.createdAt.toISOString() });
type SubRow = { id: string; userId: string; planId: string; status: string; currentPeriodEnd: Date; plan: { name: string } };
const subJson = (s: SubRow) => ({
  id: s.id,
  user_id: s.userId,
  plan_id: s.planId,
  plan_name: s.plan.name,
  status: s.status,
  current_period_end: s.currentPeriodEnd.toISOString(),
});
const order = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

async function referenceUsers(db: Db, serviceId: string, page: Page) {
  const where = { serviceId };
  const [links, total] = await Promise.all([
    db.serviceUser.findMany({ where, include: { user: true }, orderBy: order, take: page.limit, skip: page.offset }),
    db.serviceUser.count({ where }),
  ]);
  return { users: links.map((l) => userJson(l.user)), total };
}

async function referenceSubscriptions(db: Db, serviceId: string, status: string | undefined, page: Page) {
  const where = { serviceId, ...(status ? { status } : {}) };
  const [rows, total] = await Promise.all([
    db.subscription.findMany({ where, include: { plan: { select: { name: true } } }, orderBy: order, take: page.limit, skip: page.offset }),
    db.subscription.count({ where }),
  ]);
  return { subscriptions: rows.map(subJson), total };
}

async function referenceUser(db: Db, serviceId: string, userId: string) {
  const link = await db.serviceUser.findUnique({ where: { serviceId_userId: { serviceId, userId } }, include: { user: true } });
  return link ? userJson(link.user) : null;
}

async function referenceSubscription(db: Db, serviceId: string, userId: string) {
  const sub = await db.subscription.findUnique({ where: { serviceId_userId: { serviceId, userId } }, include: { plan: { select: { name: true } } } });
  return sub ? subJson(sub) : null;
}

const EMAILS = [
  'zoë.müller@exämple.test',
  'δοκιμή@παράδειγμα.δοκιμή',
  '用户@例子.测试',
  "o'brien+tag@example.com",
  'plain@example.com',
  'ümlaut@example.com',
  'last@example.com',
];
const STATUSES = ['active', 'cancelled', 'expired', 'past_due'] as const;
const SAME_MS = new Date('2026-03-01T12:00:00.123Z');

interface Seeded {
  userIds: string[];
  /** Linked to the service but without a subscription. */
  unsubscribed: string;
  /** A user of the organization that only the other service knows. */
  otherOnly: string;
}

/**
 * Users linked to `w`'s service (the first four in the same millisecond), each but the last with a
 * subscription on one of two plans, statuses cycling; the other service links the same users in the
 * opposite order, subscribes them all, and has a user of its own.
 */
async function seed(db: Db, w: ServiceWorld, other: ServiceWorld): Promise<Seeded> {
  const orgId = (await db.service.findUniqueOrThrow({ where: { id: w.service.id } })).organizationId;
  const plan2 = await db.plan.create({
    data: { id: newId('plan'), serviceId: w.service.id, name: 'Plän ✓ "Énterprise" 企业', priceCents: 100n, currency: 'eur' },
  });
  const userIds: string[] = [];
  for (const [i, email] of EMAILS.entries()) {
    const created = new Date(Date.UTC(2025, 0, 1) + (EMAILS.length - i) * 3_600_000 + i);
    const user = await db.user.create({ data: { id: newId('usr'), organizationId: orgId, email, createdAt: created } });
    userIds.push(user.id);
    const linkedAt = i < 4 ? SAME_MS : new Date(SAME_MS.getTime() + i * 1001);
    await db.serviceUser.create({
      data: { id: newId('su'), serviceId: w.service.id, userId: user.id, persistentNameId: newPersistentNameId(), createdAt: linkedAt },
    });
    await db.serviceUser.create({
      data: {
        id: newId('su'),
        serviceId: other.service.id,
        userId: user.id,
        persistentNameId: newPersistentNameId(),
        createdAt: new Date(Date.UTC(2024, 0, 1) - i),
      },
    });
    const sub = { currentPeriodEnd: new Date(Date.UTC(2027, 5, 30, 23, 59, 59, 999) - i * 86_400_000), createdAt: i % 3 === 0 ? SAME_MS : linkedAt };
    if (i < EMAILS.length - 1) {
      const planId = i % 2 ? plan2.id : w.planId;
      await db.subscription.create({
        data: { id: newId('sub'), serviceId: w.service.id, userId: user.id, planId, status: STATUSES[i % 4] ?? 'active', ...sub },
      });
    }
    await db.subscription.create({ data: { id: newId('sub'), serviceId: other.service.id, userId: user.id, planId: other.planId, status: 'active', ...sub } });
  }
  const lone = await db.user.create({ data: { id: newId('usr'), organizationId: orgId, email: 'other-only@example.com' } });
  await db.serviceUser.create({ data: { id: newId('su'), serviceId: other.service.id, userId: lone.id, persistentNameId: newPersistentNameId() } });
  return { userIds, unsubscribed: userIds.at(-1) ?? '', otherOnly: lone.id };
}

const PAGES = ['', 'limit=1', 'limit=3', 'limit=3&offset=2', 'limit=2&offset=5', 'limit=100', 'offset=6', 'offset=7', 'offset=1000000000'];
const pageOf = (query: string): Page => {
  const p = new URLSearchParams(query);
  return { limit: Number(p.get('limit') ?? 50), offset: Number(p.get('offset') ?? 0) };
};

describe.each(databases())('Service API user and subscription reads on $name', (factory) => {
  let srv: TestServer;
  let w: ServiceWorld;
  let seeded: Seeded;
  let db: Db;
  let api: () => Client;
  /** What the reads take: the server's own (the direct connection on SQLite), or Prisma alone. */
  const paths = (): [string, Reader][] => [
    ['as served', srv.deps.database],
    ['through Prisma', { prisma: srv.deps.database.prisma, direct: null, dialect: srv.deps.database.dialect }],
  ];
  const scope = () => ({ id: w.service.id, organizationId: '' });

  beforeAll(async () => {
    srv = await startTestServer(factory);
    db = srv.deps.db;
    const admin = await registerAdmin(srv.url);
    w = await serviceWorld(srv.url, admin);
    const other = await serviceWorld(srv.url, admin, { org: w.org });
    seeded = await seed(db, w, other);
    api = await readClients(srv.url, admin, w);
  });
  afterAll(async () => {
    await srv.stop();
  });

  it('the direct connection is on the path on SQLite, and the seeded data has what the checks rely on', async () => {
    expect(srv.deps.database.direct !== null).toBe(factory.name === 'sqlite');
    const ref = await referenceUsers(db, w.service.id, { limit: 100, offset: 0 });
    expect(ref.total).toBe(EMAILS.length);
    expect(ref.users.map((u) => u.email).sort()).toEqual([...EMAILS].sort());
    const links = await db.serviceUser.findMany({ where: { serviceId: w.service.id } });
    expect(links.filter((l) => l.createdAt.getTime() === SAME_MS.getTime())).toHaveLength(4);
    expect(await referenceSubscription(db, w.service.id, seeded.unsubscribed)).toBeNull();
    const subs = await referenceSubscriptions(db, w.service.id, undefined, { limit: 100, offset: 0 });
    expect(new Set(subs.subscriptions.map((s) => s.status))).toEqual(new Set(STATUSES));
    expect(new Set(subs.subscriptions.map((s) => s.plan_name)).size).toBe(2);
  });

  it.each(PAGES)('GET /api/service/users?%s is byte for byte the Prisma read', async (query) => {
    const expected = await referenceUsers(db, w.service.id, pageOf(query));
    const res = await api().get(`/api/service/users?${query}`);
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify(expected));
    for (const [name, reader] of paths()) {
      expect(JSON.stringify(await listUsers(reader, scope(), pageOf(query))), name).toBe(res.text);
      expect(await listUsersJson(reader, scope(), pageOf(query)), `${name}, as JSON text`).toBe(res.text);
    }
  });

  it.each([undefined, ...STATUSES])('GET /api/service/subscriptions, status %s, on every page is byte for byte the Prisma read', async (status) => {
    for (const query of PAGES) {
      const expected = await referenceSubscriptions(db, w.service.id, status, pageOf(query));
      const filter = status ? `status=${status}&` : '';
      const res = await api().get(`/api/service/subscriptions?${filter}${query}`);
      expect(res.status).toBe(200);
      expect(res.text, query).toBe(JSON.stringify(expected));
      for (const [name, reader] of paths()) {
        expect(JSON.stringify(await listSubscriptions(reader, scope(), status, pageOf(query))), `${name} ${query}`).toBe(res.text);
        expect(await listSubscriptionsJson(reader, scope(), status, pageOf(query)), `${name} ${query}, as JSON text`).toBe(res.text);
      }
    }
  });

  it('GET /api/service/users/:id and /subscriptions/:userId are the Prisma reads, and 404 where those found nothing', async () => {
    const ids = [...seeded.userIds, seeded.otherOnly, fakeId('usr'), 'not-an-id'];
    for (const id of ids) {
      const user = await referenceUser(db, w.service.id, id);
      const sub = await referenceSubscription(db, w.service.id, id);
      const u = await api().get(`/api/service/users/${encodeURIComponent(id)}`);
      const s = await api().get(`/api/service/subscriptions/${encodeURIComponent(id)}`);
      expect([u.status, s.status], id).toEqual([user ? 200 : 404, sub ? 200 : 404]);
      if (user) expect(u.text).toBe(JSON.stringify(user));
      if (sub) expect(s.text).toBe(JSON.stringify(sub));
      for (const [name, reader] of paths()) {
        const found = await findLinkedUser(reader, scope(), id).then(userJson, () => null);
        expect(found, name).toEqual(user);
        expect(await getSubscription(reader, scope(), id).catch(() => null), name).toEqual(sub);
      }
    }
  });

  /**
   * Every page (3 rows) of each of the service's lists, on both paths, must be the plain offset's page,
   * read four times: from the last page down (the first read meets the anchors left before the latest
   * change: one still trusted across it would give a shifted page), then up twice (the walk up leaves
   * anchors at every page, the second reads from them), then at the offsets in between (from an anchor,
   * walking the rest). Anchors are kept on PostgreSQL only (src/service-api/page-anchors.ts).
   */
  async function expectPagesFromAnchors(serviceId: string): Promise<void> {
    const service = { id: serviceId, organizationId: '' };
    const anchors = anchorsFor(srv.deps.database);
    expect(anchors !== null).toBe(factory.name !== 'sqlite');
    const limit = 3;
    const offsets = (rows: number, pass: string) => {
      const up = Array.from({ length: Math.floor(rows / limit) + 1 }, (_, i) => i * limit);
      if (pass === 'down') return up.reverse();
      return pass === 'between' ? up.flatMap((o) => [o + 1, o + 2]) : up;
    };
    for (const [name, reader] of paths()) {
      for (const pass of ['down', 'up', 'up again', 'between']) {
        const users = await db.serviceUser.count({ where: { serviceId } });
        for (const offset of offsets(users, pass)) {
          const page = { limit, offset };
          expect(await listUsers(reader, service, page), `${name}, ${pass}, users at ${String(offset)}`).toEqual(await referenceUsers(db, serviceId, page));
        }
        // The anchors' key for the list is page-anchors.ts's ListScope.key, spelled out.
        if (anchors && users > limit) expect(anchors.near(`users\n${serviceId}`, limit + 1), 'an anchor is kept').not.toBeNull();
        for (const status of [undefined, ...STATUSES]) {
          const subs = await db.subscription.count({ where: { serviceId, ...(status ? { status } : {}) } });
          for (const offset of offsets(subs, pass)) {
            const page = { limit, offset };
            expect(await listSubscriptions(reader, service, status, page), `${name}, ${pass}, ${status ?? 'all'} at ${String(offset)}`).toEqual(
              await referenceSubscriptions(db, serviceId, status, page),
            );
          }
        }
      }
    }
  }

  /** Every total the lists can report for the service, on both paths, is the count of its rows; and every page is right. */
  async function expectExactTotals(serviceId: string): Promise<void> {
    await expectPagesFromAnchors(serviceId);
    const first = { limit: 1, offset: 0 };
    for (const [name, reader] of paths()) {
      const users = await listUsers(reader, { id: serviceId, organizationId: '' }, first);
      expect(users.total, name).toBe(await db.serviceUser.count({ where: { serviceId } }));
      for (const status of [undefined, ...STATUSES]) {
        const subs = await listSubscriptions(reader, { id: serviceId, organizationId: '' }, status, first);
        expect(subs.total, `${name} ${status ?? 'all'}`).toBe(await db.subscription.count({ where: { serviceId, ...(status ? { status } : {}) } }));
      }
    }
  }

  it('totals stay exact through every way links and subscriptions are written and removed, cascades included', async () => {
    const admin = await registerAdmin(srv.url);
    const a = await serviceWorld(srv.url, admin);
    const b = await serviceWorld(srv.url, admin, { org: a.org });
    await expectExactTotals(a.service.id);
    // The Service API: provisioning links; a subscription per user, then status changes and a removal.
    const made: ApiUser[] = [];
    for (let i = 0; i < 6; i++) made.push((await a.api.post<ApiUser>('/api/service/users', { email: `tally${i}@example.com` })).body);
    for (const u of made) expect((await a.api.post('/api/service/subscriptions', { user_id: u.id, plan_id: a.planId })).status).toBe(200);
    await a.api.patch(`/api/service/subscriptions/${made[0]?.id ?? ''}`, { status: 'cancelled' });
    await a.api.patch(`/api/service/subscriptions/${made[1]?.id ?? ''}`, { status: 'past_due' });
    await a.api.patch(`/api/service/subscriptions/${made[1]?.id ?? ''}`, { current_period_end: '2030-01-01T00:00:00Z' });
    expect((await a.api.delete(`/api/service/subscriptions/${made[2]?.id ?? ''}`)).status).toBe(204);
    await expectExactTotals(a.service.id);
    // Sign-ins: several links in one statement (on SQLite's direct connection), then the same links
    // again, which only stamp their last login.
    const at = new Date();
    const signIns = made.slice(0, 4).map((u) => ({ serviceId: b.service.id, userId: u.id, at }));
    await runBatch(db, srv.deps.database.direct, [linkAndStamp(signIns)]);
    await runBatch(db, srv.deps.database.direct, [linkAndStamp(signIns.map((l) => ({ ...l, at: new Date(at.getTime() + 1000) })))]);
    await expectExactTotals(b.service.id);
    // Removing a user through the Service API (link, subscription, and the user it owned alone).
    expect((await a.api.delete(`/api/service/users/${made[3]?.id ?? ''}`)).status).toBe(204);
    // Rows written many at a time, and the cascades from a deleted user and a deleted plan.
    const orgId = (await db.service.findUniqueOrThrow({ where: { id: a.service.id } })).organizationId;
    const bulk = Array.from({ length: 25 }, (_, i) => ({ id: newId('usr'), organizationId: orgId, email: `bulk${i}@example.com` }));
    await db.user.createMany({ data: bulk });
    await db.serviceUser.createMany({
      data: bulk.map((u) => ({ id: newId('su'), serviceId: a.service.id, userId: u.id, persistentNameId: newPersistentNameId() })),
    });
    const subs = bulk.map((u, i) => ({
      id: newId('sub'),
      serviceId: a.service.id,
      userId: u.id,
      planId: a.planId,
      status: STATUSES[i % 4] ?? 'active',
      currentPeriodEnd: at,
    }));
    await db.subscription.createMany({ data: subs });
    await db.user.delete({ where: { id: made[0]?.id ?? '' } });
    await db.user.deleteMany({ where: { id: { in: bulk.slice(0, 5).map((u) => u.id) } } });
    await expectExactTotals(a.service.id);
    await expectExactTotals(b.service.id);
    await db.plan.delete({ where: { id: a.planId } });
    await expectExactTotals(a.service.id);
    await db.service.delete({ where: { id: b.service.id } });
    expect(await db.serviceListCount.count({ where: { serviceId: b.service.id } })).toBe(0);
    await expectExactTotals(a.service.id);
  });

  it('concurrent status changes that cross each other between the same counters all succeed and stay counted', async () => {
    const admin = await registerAdmin(srv.url);
    const c = await serviceWorld(srv.url, admin);
    const orgId = (await db.service.findUniqueOrThrow({ where: { id: c.service.id } })).organizationId;
    const statusOf = (i: number, round: number) => ((i + round) % 2 ? 'active' : 'cancelled');
    const users = (
      await linkedSubscribers(
        db,
        c,
        Array.from({ length: 12 }, (_, i) => ({ status: statusOf(i, 0) })),
      )
    ).map((id) => ({ id }));
    const service = { id: c.service.id, organizationId: orgId };
    for (let round = 1; round <= 3; round++) {
      const flips = users.map((u, i) => updateSubscription(srv.deps.database, systemActor('test'), service, u.id, { status: statusOf(i, round) }));
      expect((await Promise.allSettled(flips)).filter((r) => r.status === 'rejected')).toEqual([]);
      await expectExactTotals(c.service.id);
    }
  });
});
