// Page anchors across changes (src/service-api/page-anchors.ts), PostgreSQL only: the only database
// that keeps them. A page read after a change to its list must be exactly the plain OFFSET's page,
// and the anchor left by the last read must be used when the change lets it be repaired (a change
// wholly before its key moves it, even past the page's start, one after it leaves it) and not used when
// it cannot be or should not be (a change that spans the key, a change whose record was pruned, more
// changes than a read follows, a backward read longer than the walk). Pages are read through HTTP;
// whether the read came from an anchor is the server's own count (PageAnchors.seeks).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { newId, newPersistentNameId } from '../../src/security/random.ts';
import { anchorsFor, pruneListChanges, type PageAnchors } from '../../src/service-api/page-anchors.ts';
import { databases } from '../helpers/databases.ts';
import { registerAdmin } from '../helpers/fixtures.ts';
import { Client } from '../helpers/http.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { linkedSubscribers, readClients, serviceWorld, type ServiceWorld } from '../helpers/service-api.ts';

const pgFactory = databases().find((d) => d.name === 'postgresql');
const LIMIT = 5;
const T0 = Date.UTC(2026, 0, 1);
const minute = (n: number) => new Date(T0 + n * 60_000);

describe.runIf(pgFactory)('page anchors across changes on postgresql', () => {
  let srv: TestServer;
  let db: Db;
  let w: ServiceWorld;
  let anchors: PageAnchors;
  let orgId: string;
  let api: () => Client;

  /** Links (and subscriptions, statuses alternating) for users created at the given minutes, in one statement each. */
  const link = (minutes: number[]): Promise<string[]> =>
    linkedSubscribers(
      db,
      w,
      minutes.map((m) => ({ status: m % 2 === 0 ? 'active' : 'cancelled', createdAt: minute(m) })),
    );

  /** Reads the page through HTTP, checks it against Prisma's, and says whether it came from an anchor. */
  async function read(list: 'users' | 'subscriptions' | 'active', offset: number): Promise<'seek' | 'walk'> {
    const before = anchors.seeks;
    const path = list === 'users' ? '/api/service/users' : `/api/service/subscriptions${list === 'active' ? '?status=active&' : '?'}`;
    const res = await api().get(`${path}${path.includes('?') ? '' : '?'}limit=${String(LIMIT)}&offset=${String(offset)}`);
    expect(res.status).toBe(200);
    const where = { serviceId: w.service.id, ...(list === 'active' ? { status: 'active' } : {}) };
    const order = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];
    const expected =
      list === 'users'
        ? (await db.serviceUser.findMany({ where, orderBy: order, skip: offset, take: LIMIT, select: { userId: true } })).map((r) => r.userId)
        : (await db.subscription.findMany({ where, orderBy: order, skip: offset, take: LIMIT, select: { userId: true } })).map((r) => r.userId);
    const body = res.body as { users?: { id: string }[]; subscriptions?: { user_id: string }[] };
    const got = list === 'users' ? (body.users ?? []).map((u) => u.id) : (body.subscriptions ?? []).map((s) => s.user_id);
    expect(got, `${list} at ${String(offset)}`).toEqual(expected);
    return anchors.seeks > before ? 'seek' : 'walk';
  }

  beforeAll(async () => {
    if (!pgFactory) return;
    srv = await startTestServer(pgFactory);
    db = srv.deps.db;
    const found = anchorsFor(srv.deps.database);
    if (!found) throw new Error('PostgreSQL keeps page anchors');
    anchors = found;
    const admin = await registerAdmin(srv.url);
    w = await serviceWorld(srv.url, admin);
    orgId = (await db.service.findUniqueOrThrow({ where: { id: w.service.id } })).organizationId;
    api = await readClients(srv.url, admin, w);
    // Forty rows, one a minute from minute 10 on (even minutes active, odd ones cancelled).
    await link(Array.from({ length: 40 }, (_, i) => 10 + i));
  });

  it('repairs an anchor across changes wholly before or after its key, and walks when it cannot', async () => {
    expect(await read('users', 20)).toBe('walk');
    // Added after every anchor's key: nothing before them moved.
    await link([1000]);
    expect(await read('users', 20)).toBe('seek');
    // Removed before the anchor: it moves back one.
    const early = await db.serviceUser.findFirstOrThrow({ where: { serviceId: w.service.id, createdAt: minute(13) } });
    await db.serviceUser.delete({ where: { id: early.id } });
    expect(await read('users', 20)).toBe('seek');
    // Added before the anchor (now at 21), read from offset 24: it moves forward one and is still at or before the page.
    await link([5]);
    expect(await read('users', 24)).toBe('seek');
    // One more before it, read at 20: the anchor made at 20 has moved to 22, past the page's start; the
    // page's first two rows are read backwards from its key, the rest forwards.
    await link([6]);
    expect(await read('users', 20)).toBe('seek');
    // Many more before it: the page lies wholly before the anchor's key, read backwards.
    await link([1, 2, 3, 4, 8, 9, 0]);
    expect(await read('users', 20)).toBe('seek');
    // One statement whose rows lie on both sides of the anchors' keys: their count before them is
    // unknown, so none is used (a repair by all or none of them would give a shifted page).
    await read('users', 24);
    await link([7, 2000]);
    expect(await read('users', 24)).toBe('walk');
    // A change whose record was pruned: the versions since the anchor are not all accounted for.
    await read('users', 24);
    const gone = await db.serviceUser.findFirstOrThrow({ where: { serviceId: w.service.id, createdAt: minute(14) } });
    await db.serviceUser.delete({ where: { id: gone.id } });
    await pruneListChanges(db, new Date(Date.now() + 60_000));
    expect(await read('users', 24)).toBe('walk');
    // The anchor that could not be used is gone; the walk left a fresh one, which is used.
    expect(await read('users', 24)).toBe('seek');
    expect(await read('users', 31)).toBe('seek');
  });

  it('walks rather than read backwards further than the walk, or follow more than 1 000 changes', async () => {
    await read('users', 20);
    // Thirty rows before the anchor at 20, in one statement: it is now at 50, and the page at 20 would be
    // read backwards past 25 rows, more than the 20 the plain OFFSET walks.
    await link(Array.from({ length: 30 }, (_, i) => -100 + i));
    expect(await read('users', 20)).toBe('walk');
    expect(await read('users', 20)).toBe('seek');
    // 1 001 changes after the anchor's key, one statement each: repairable, but past what a read follows.
    const users = Array.from({ length: 1001 }, () => ({ id: newId('usr'), organizationId: orgId, email: `${newId('usr')}@example.com` }));
    await db.user.createMany({ data: users });
    for (const [i, u] of users.entries()) {
      await db.serviceUser.create({
        data: { id: newId('su'), serviceId: w.service.id, userId: u.id, persistentNameId: newPersistentNameId(), createdAt: minute(5000 + i) },
      });
    }
    expect(await read('users', 20)).toBe('walk');
    expect(await read('users', 20)).toBe('seek');
  });

  it("follows the removal of an anchor's own row: an exclusive anchor moves back one, an inclusive one stays", async () => {
    await read('users', 30);
    const rowAt = async (offset: number) =>
      db.serviceUser.findFirstOrThrow({ where: { serviceId: w.service.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], skip: offset });
    // The page's last row is the key of the anchor after it (offset 35, exclusive: the rows up to and with it).
    await db.serviceUser.delete({ where: { id: (await rowAt(34)).id } });
    expect(await read('users', 35)).toBe('seek');
    // The page's first row is the key of the anchor at 30 (inclusive: the rows before it).
    await read('users', 30);
    await db.serviceUser.delete({ where: { id: (await rowAt(30)).id } });
    expect(await read('users', 30)).toBe('seek');
  });

  it('follows a subscription moving between statuses: out of the status list before the anchor, and neither in nor out of the whole list', async () => {
    expect(await read('active', 10)).toBe('walk');
    expect(await read('subscriptions', 10)).toBe('walk');
    const activeEarly = await db.subscription.findFirstOrThrow({ where: { serviceId: w.service.id, status: 'active' }, orderBy: { createdAt: 'asc' } });
    await db.subscription.update({ where: { id: activeEarly.id }, data: { status: 'cancelled' } });
    expect(await read('active', 10)).toBe('seek');
    expect(await read('subscriptions', 10)).toBe('seek');
    // A new status for the service: a counter row the anchors of the whole list were not made with,
    // whose changes they do not follow: not used, once. The status list is not concerned.
    await db.subscription.update({ where: { id: activeEarly.id }, data: { status: 'past_due' } });
    expect(await read('subscriptions', 10)).toBe('walk');
    expect(await read('subscriptions', 10)).toBe('seek');
    expect(await read('active', 10)).toBe('seek');
  });
});
