// GET …/audit-events filters and their 400s, and retention pruning (docs/operations.md, Retention):
// rows past TESSERA_AUDIT_RETENTION_DAYS / TESSERA_SIGNIN_RETENTION_DAYS go, younger ones stay.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createService, createTeam, type Team } from '../helpers/fixtures.ts';
import { expectError } from '../helpers/admin-plane.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { pruneActivity, recordAudit, systemActor } from '../../src/audit/index.ts';
import { recordSignIn } from '../../src/audit/sign-ins.ts';

type Events = { events: { id: string; action: string; actor: { id: string; email?: string }; created_at: string }[]; total: number };
const DAY = 86_400_000;

describe('retention settings', () => {
  it('default to 400 days of audit events and 90 of sign-in activity; anything but a positive integer is refused', () => {
    const base = { TESSERA_SECRET: 'x'.repeat(40), DATABASE_URL: 'file:./data/retention-test.db' };
    expect(loadConfig(base)).toMatchObject({ auditRetentionDays: 400, signInRetentionDays: 90, webhookRetentionDays: 30 });
    expect(loadConfig({ ...base, TESSERA_AUDIT_RETENTION_DAYS: '30', TESSERA_SIGNIN_RETENTION_DAYS: '7' })).toMatchObject({
      auditRetentionDays: 30,
      signInRetentionDays: 7,
    });
    for (const bad of ['0', '-1', '1.5', 'forever']) {
      expect(() => loadConfig({ ...base, TESSERA_SIGNIN_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, TESSERA_AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
    }
  });
});

describe.each(databases())('audit-event filters and retention on $name', (factory) => {
  const srv = suiteServer(factory);
  let team: Team;
  let orgId: string;
  const events = async (query: string) => {
    const res = await team.owner.client.get<Events>(`/api/organizations/${team.org}/audit-events?${query}`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    team = await createTeam(srv.url);
    await createService(team.admin, team.org);
    await createService(team.owner, team.org);
    orgId = (await team.owner.client.get<{ organization: { id: string } }>(`/api/organizations/${team.org}`)).body.organization.id;
  });

  it('filters by action, by actor id or email, and by time; newest first', async () => {
    const all = await events('limit=100');
    // organization.created, two invitations created and accepted, two services.
    expect(all.events.map((e) => e.action).sort()).toEqual(
      [
        'organization.created',
        'invitation.created',
        'invitation.accepted',
        'invitation.created',
        'invitation.accepted',
        'service.created',
        'service.created',
      ].sort(),
    );
    expect(all.events[0]?.action).toBe('service.created');
    expect((await events('action=service.created')).total).toBe(2);
    const byAdmin = await events(`actor=${team.admin.accountId}`);
    expect(byAdmin.events.map((e) => e.action).sort()).toEqual(['invitation.accepted', 'service.created']);
    expect((await events(`actor=${encodeURIComponent(team.admin.email.toUpperCase())}`)).total).toBe(2);
    expect((await events(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).total).toBe(0);
    const oldest = all.events.at(-1)?.created_at ?? '';
    expect((await events(`until=${encodeURIComponent(oldest)}`)).events.map((e) => e.action)).toContain('organization.created');
    expect((await events('limit=1&offset=1')).events[0]?.id).toBe(all.events[1]?.id);
  });

  it.each([
    ['action=organization.exploded', 'action'],
    ['since=last-week', 'since'],
    ['since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', 'since'],
    ['actor=', 'actor'],
    ['action=service.created&action=plan.created', 'action'],
    ['offset=-1', 'offset'],
    ['sort=asc', 'sort'],
  ])('a bad filter (%s) is 400 with details', async (query, field) => {
    const body = expectError(await team.owner.client.get(`/api/organizations/${team.org}/audit-events?${query}`), 400, 'BAD_REQUEST');
    expect(body.details?.map((d) => d.field)).toContain(field);
  });

  it('pruning removes audit events and sign-ins past their retention, and keeps the rest', async () => {
    const db = srv.deps.db;
    const now = new Date();
    const at = (days: number) => new Date(now.getTime() - days * DAY);
    // Written the way the app writes them (with their day counters), only dated in the past.
    const event = (days: number) => db.$transaction((tx) => recordAudit(tx, systemActor('test'), 'organization.updated', orgId, orgId, undefined, at(days)));
    const signIn = (days: number) =>
      recordSignIn(db, {
        organizationId: orgId,
        flow: 'login',
        outcome: 'refused',
        reason: 'wrong_password',
        userId: null,
        email: null,
        serviceId: null,
        binding: null,
        authnContext: null,
        ip: null,
        userAgent: null,
        requestId: null,
        at: at(days),
      });
    for (const days of [401, 500, 399]) await event(days);
    for (const days of [91, 365, 89]) await signIn(days);
    const before = { audit: (await events('limit=1')).total, signIns: await db.signIn.count({ where: { organizationId: orgId } }) };

    const pruned = await pruneActivity(db, { auditRetentionDays: 400, signInRetentionDays: 90, webhookRetentionDays: 30 }, now);
    expect(pruned).toEqual({ auditEvents: 2, signIns: 2, webhookEvents: 0, listChanges: 0 });
    expect((await events('limit=1')).total).toBe(before.audit - 2);
    expect(await db.signIn.count({ where: { organizationId: orgId } })).toBe(before.signIns - 2);
    const oldestKept = await db.auditEvent.findFirst({ where: { organizationId: orgId }, orderBy: { createdAt: 'asc' } });
    expect(oldestKept?.createdAt.getTime()).toBe(at(399).getTime());
    // Idempotent: a second run (another instance) finds nothing more.
    expect(await pruneActivity(db, { auditRetentionDays: 400, signInRetentionDays: 90, webhookRetentionDays: 30 }, now)).toEqual({
      auditEvents: 0,
      signIns: 0,
      webhookEvents: 0,
      listChanges: 0,
    });
  });
});
