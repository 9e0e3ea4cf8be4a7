// Webhook event retention (docs/operations.md, Retention): finished events past
// TESSERA_WEBHOOK_RETENTION_DAYS go with their deliveries; younger ones, and older ones that still have
// a pending delivery, stay.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, registerAdmin } from '../helpers/fixtures.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { pruneActivity } from '../../src/audit/index.ts';

const DAY = 86_400_000;
const RETENTION = { auditRetentionDays: 400, signInRetentionDays: 90, webhookRetentionDays: 30 };

describe('webhook retention setting', () => {
  it('defaults to 30 days; anything but a positive integer is refused', () => {
    const base = { TESSERA_SECRET: 'x'.repeat(40), DATABASE_URL: 'file:./data/retention-test.db' };
    expect(loadConfig(base)).toMatchObject({ webhookRetentionDays: 30 });
    expect(loadConfig({ ...base, TESSERA_WEBHOOK_RETENTION_DAYS: '7' })).toMatchObject({ webhookRetentionDays: 7 });
    for (const bad of ['0', '-1', '1.5', 'forever']) expect(() => loadConfig({ ...base, TESSERA_WEBHOOK_RETENTION_DAYS: bad })).toThrow(ConfigError);
  });
});

describe.each(databases())('webhook event retention on $name', (factory) => {
  const srv = suiteServer(factory);
  let orgId: string;
  const hook = `whk_retention${String(Date.now())}`;
  const now = new Date();
  const at = (days: number) => new Date(now.getTime() - days * DAY);
  /** An event id as the outbox makes them: its creation time in milliseconds, then random characters. */
  const eventId = (days: number, tag: string) => `evt_${at(days).getTime().toString(16).padStart(12, '0')}${tag.padEnd(22, 'x')}`;

  beforeAll(async () => {
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    orgId = (await admin.client.get<{ organization: { id: string } }>(`/api/organizations/${org}`)).body.organization.id;
    await srv.deps.db.webhook.create({
      data: { id: hook, organizationId: orgId, url: 'https://hooks.example.com/in', events: '["*"]', secret: 'sealed-not-used' },
    });
  });

  const addEvent = async (days: number, tag: string, status: 'succeeded' | 'failed' | 'pending') => {
    const id = eventId(days, tag);
    const createdAt = at(days);
    await srv.deps.db.webhookEvent.create({ data: { id, organizationId: orgId, type: 'user.signed_in', payload: '{}', createdAt } });
    await srv.deps.db.webhookDelivery.create({
      data: {
        id: `dlv_${tag}`,
        webhookId: hook,
        eventId: id,
        status,
        attempts: 1,
        // A pending delivery's next attempt an hour away: the server's own delivery worker must not
        // attempt it (and write its outcome over the test's) while the test runs.
        nextAttemptAt: status === 'pending' ? new Date(now.getTime() + 3600_000) : null,
        createdAt,
        updatedAt: createdAt,
      },
    });
    return id;
  };

  it('deletes finished events past retention with their deliveries, keeps young and still pending ones', async () => {
    const oldDone = await addEvent(31, 'olddone', 'succeeded');
    const oldFailed = await addEvent(45, 'oldfailed', 'failed');
    const oldPending = await addEvent(40, 'oldpending', 'pending');
    const young = await addEvent(29, 'young', 'succeeded');
    const db = srv.deps.db;

    expect(await pruneActivity(db, RETENTION, now)).toMatchObject({ webhookEvents: 2 });
    const left = await db.webhookEvent.findMany({ where: { organizationId: orgId }, select: { id: true } });
    expect(left.map((e) => e.id).sort()).toEqual([oldPending, young].sort());
    // The deliveries went with their events (the foreign key cascades on both databases).
    expect(await db.webhookDelivery.count({ where: { eventId: { in: [oldDone, oldFailed] } } })).toBe(0);
    expect(await db.webhookDelivery.count({ where: { webhookId: hook } })).toBe(2);

    // Once its delivery has finished, the old event goes at the next run; a second run finds nothing.
    await db.webhookDelivery.updateMany({ where: { eventId: oldPending }, data: { status: 'failed', nextAttemptAt: null } });
    expect(await pruneActivity(db, RETENTION, now)).toMatchObject({ webhookEvents: 1 });
    expect(await pruneActivity(db, RETENTION, now)).toMatchObject({ webhookEvents: 0 });
    expect((await db.webhookEvent.findMany({ where: { organizationId: orgId }, select: { id: true } })).map((e) => e.id)).toEqual([young]);
  });
});
