// The activity lists' `total` is exact (docs/api.md, Totals): for every filter shape and window, the
// total served over HTTP equals a COUNT of the matching rows, whether it came from the day counters
// plus the partial days at the window's edges (src/audit/totals.ts) or from the rows alone, on rows
// spread over several UTC days, and still after retention pruning cut a day in two.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createService, createTeam, type Team } from '../helpers/fixtures.ts';
import { pruneActivity, recordAudit, systemActor, type AuditAction, type SignInReason } from '../../src/audit/index.ts';
import { recordSignIn, signInStatements, type SignInActivity } from '../../src/audit/sign-ins.ts';
import { runBatch } from '../../src/db/statements.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Midnight UTC today: rows go on the five days before it, at these hours (the first and last at a day's edges). */
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const HOURS = [0, 3, 11.5, 17, 24 - 1 / 3_600_000];
const REASONS: (SignInReason | null)[] = [null, 'wrong_password', 'unknown_user'];

interface Shape {
  outcome?: string;
  reason?: string;
  service?: { q: string; id: string };
  user_id?: string;
  request_id?: string;
}

describe.each(databases())('activity list totals on $name', (factory) => {
  const srv = suiteServer(factory);
  let team: Team;
  let orgId: string;
  let services: { slug: string; id: string }[];

  const signIn = (i: number, at: Date): SignInActivity => {
    const reason = REASONS[i % 3] ?? null;
    return {
      organizationId: orgId,
      flow: i % 2 ? 'sso' : 'login',
      outcome: reason ? 'refused' : 'success',
      reason,
      userId: `usr_t${i % 4}`,
      email: null,
      serviceId: i % 5 === 0 ? null : (services[i % 2]?.id ?? null),
      binding: null,
      authnContext: null,
      ip: null,
      userAgent: null,
      requestId: `req_t${i}`,
      at,
    };
  };

  beforeAll(async () => {
    team = await createTeam(srv.url);
    services = [await createService(team.owner, team.org), await createService(team.owner, team.org)];
    orgId = (await team.owner.client.get<{ organization: { id: string } }>(`/api/organizations/${team.org}`)).body.organization.id;
    const db = srv.deps.db;
    let i = 0;
    for (let d = 1; d <= 5; d++) {
      // A batch per day the way the SSO group commit writes it: several rows of one counter key in one
      // multi-row upsert; and one row alone, the way refusals are written.
      const batch = HOURS.flatMap((h) => [0, 1, 2].map(() => signIn(i++, new Date(TODAY - d * DAY + h * HOUR))));
      await runBatch(db, null, signInStatements(batch));
      await recordSignIn(db, signIn(i++, new Date(TODAY - d * DAY + 5 * HOUR)));
      const actions: AuditAction[] = ['organization.updated', 'member.updated', 'organization.updated'];
      for (const [k, h] of HOURS.entries()) {
        await db.$transaction((tx) =>
          recordAudit(tx, systemActor(`test${k % 2}`), actions[k % 3] ?? 'organization.updated', orgId, orgId, undefined, new Date(TODAY - d * DAY + h * HOUR)),
        );
      }
    }
  });

  const iso = (ms: number) => new Date(ms).toISOString();
  /** Windows: none, edges inside days, at midnights (until is inclusive), within one day, across one midnight. */
  const windows = (): { since?: number; until?: number }[] => [
    {},
    { since: TODAY - 3 * DAY + 5 * HOUR },
    { until: TODAY - DAY + 7 * HOUR },
    { since: TODAY - 3 * DAY + 5 * HOUR, until: TODAY - DAY + 7 * HOUR },
    { since: TODAY - 4 * DAY, until: TODAY - 2 * DAY },
    { since: TODAY - 2 * DAY + 11.5 * HOUR, until: TODAY - 2 * DAY + 17 * HOUR },
    { since: TODAY - 3 * DAY + 20 * HOUR, until: TODAY - 2 * DAY + 4 * HOUR },
    { since: TODAY - 10 * DAY, until: TODAY + DAY },
  ];
  const windowQuery = (w: { since?: number; until?: number }) => [
    w.since === undefined ? '' : `since=${encodeURIComponent(iso(w.since))}`,
    w.until === undefined ? '' : `until=${encodeURIComponent(iso(w.until))}`,
  ];
  const createdAt = (w: { since?: number; until?: number }) => ({
    ...(w.since === undefined ? {} : { gte: new Date(w.since) }),
    ...(w.until === undefined ? {} : { lte: new Date(w.until) }),
  });

  const signInShapes = (): Shape[] => {
    const [a, b] = services as [{ slug: string; id: string }, { slug: string; id: string }];
    return [
      {},
      { outcome: 'refused' },
      { outcome: 'success' },
      { reason: 'wrong_password' },
      { service: { q: a.slug, id: a.id } },
      { service: { q: b.id, id: b.id } },
      { outcome: 'refused', service: { q: a.slug, id: a.id } },
      { reason: 'unknown_user', service: { q: b.slug, id: b.id } },
      { user_id: 'usr_t1' },
      { user_id: 'usr_t2', outcome: 'refused' },
      { request_id: 'req_t7' },
    ];
  };

  async function expectSignInTotalsExact(): Promise<number> {
    let checked = 0;
    for (const w of windows()) {
      for (const s of signInShapes()) {
        const q = [
          ...windowQuery(w),
          s.outcome ? `outcome=${s.outcome}` : '',
          s.reason ? `reason=${s.reason}` : '',
          s.service ? `service=${s.service.q}` : '',
          s.user_id ? `user_id=${s.user_id}` : '',
          s.request_id ? `request_id=${s.request_id}` : '',
        ].filter(Boolean);
        const res = await team.owner.client.get<{ total: number }>(`/api/organizations/${team.org}/sign-ins?${q.join('&')}`);
        expect(res.status, res.text).toBe(200);
        const rows = await srv.deps.db.signIn.count({
          where: {
            organizationId: orgId,
            outcome: s.outcome,
            reason: s.reason,
            serviceId: s.service?.id,
            userId: s.user_id,
            requestId: s.request_id,
            createdAt: createdAt(w),
          },
        });
        expect(res.body.total, q.join('&')).toBe(rows);
        checked += rows;
      }
    }
    return checked;
  }

  async function expectAuditTotalsExact(): Promise<number> {
    let checked = 0;
    for (const w of windows()) {
      for (const s of [
        {},
        { action: 'organization.updated' },
        { action: 'member.updated' },
        { actor: 'cli:test1' },
        { action: 'member.updated', actor: 'cli:test1' },
      ]) {
        const q = [...windowQuery(w), 'action' in s ? `action=${s.action}` : '', 'actor' in s ? `actor=${s.actor}` : ''].filter(Boolean);
        const res = await team.owner.client.get<{ total: number }>(`/api/organizations/${team.org}/audit-events?${q.join('&')}`);
        expect(res.status, res.text).toBe(200);
        const rows = await srv.deps.db.auditEvent.count({
          where: { organizationId: orgId, action: 'action' in s ? s.action : undefined, actorId: 'actor' in s ? s.actor : undefined, createdAt: createdAt(w) },
        });
        expect(res.body.total, q.join('&')).toBe(rows);
        checked += rows;
      }
    }
    return checked;
  }

  it('every sign-in and audit-event total equals the count of its rows, counter-covered filters or not', async () => {
    // Something was matched: a bug that zeroes totals and counts alike would not pass.
    expect(await expectSignInTotalsExact()).toBeGreaterThan(500);
    expect(await expectAuditTotalsExact()).toBeGreaterThan(100);
    // The counters are aggregated: one row per key, not per sign-in.
    expect(await srv.deps.db.signInCount.count({ where: { organizationId: orgId } })).toBeLessThan(
      await srv.deps.db.signIn.count({ where: { organizationId: orgId } }),
    );
  });

  it('stays exact after retention pruning cut a day in two, and leaves no empty or orphan counter', async () => {
    const now = new Date(TODAY + 10 * HOUR);
    const pruned = await pruneActivity(srv.deps.db, { auditRetentionDays: 4, signInRetentionDays: 3, webhookRetentionDays: 30 }, now);
    expect(pruned.signIns).toBeGreaterThan(0);
    expect(pruned.auditEvents).toBeGreaterThan(0);
    expect(await srv.deps.db.signIn.count({ where: { createdAt: { lt: new Date(now.getTime() - 3 * DAY) } } })).toBe(0);
    await expectSignInTotalsExact();
    await expectAuditTotalsExact();
    expect(await srv.deps.db.signInCount.count({ where: { count: { lte: 0 } } })).toBe(0);
    expect(await srv.deps.db.auditEventCount.count({ where: { count: { lte: 0 } } })).toBe(0);
    expect(await srv.deps.db.signInCount.count({ where: { day: { lt: new Date(TODAY - 3 * DAY) } } })).toBe(0);
    expect(await srv.deps.db.auditEventCount.count({ where: { day: { lt: new Date(TODAY - 4 * DAY) } } })).toBe(0);
  });

  it("deleting the organization deletes its sign-ins' counters with them; its audit log and counters stay until retention", async () => {
    expect(await srv.deps.db.signInCount.count({ where: { organizationId: orgId } })).toBeGreaterThan(0);
    const del = await team.owner.client.delete(`/api/organizations/${team.org}`);
    expect(del.status, del.text).toBe(204);
    expect(await srv.deps.db.signInCount.count({ where: { organizationId: orgId } })).toBe(0);
    const events = await srv.deps.db.auditEvent.count({ where: { organizationId: orgId } });
    const counted = await srv.deps.db.auditEventCount.aggregate({ _sum: { count: true }, where: { organizationId: orgId } });
    expect(counted._sum.count).toBe(events);
  });
});
