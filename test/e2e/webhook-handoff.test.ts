// Sign-ins' deliveries handed to the worker at insert (src/webhooks/outbox.ts, worker.ts): written
// already claimed by the server whose worker takes them, attempted without a claim, and, when the
// hand-off is lost (the process stopped before the attempt), attempted by a poll once the lease ran
// out, exactly as after a crash. Real database, real worker and sender thread, a real receiver that
// verifies every delivery with the `standardwebhooks` package.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databases, type TestDatabase } from '../helpers/databases.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import { loadConfig } from '../../src/config/index.ts';
import { openDatabase, type Database } from '../../src/db/client.ts';
import { migrate } from '../../src/db/migrate.ts';
import { sql } from '../../src/db/sql.ts';
import { runBatch, runRead } from '../../src/db/statements.ts';
import { InvalidationBus } from '../../src/db/invalidation.ts';
import { createLogger } from '../../src/http/log.ts';
import { newId } from '../../src/security/random.ts';
import { newWebhookSecret } from '../../src/security/webhook-signature.ts';
import { createWebhookRuntime } from '../../src/webhooks/runtime.ts';
import { outboxStatements, type OutboxWrites } from '../../src/webhooks/outbox.ts';
import { DeliveryWorker } from '../../src/webhooks/worker.ts';
import type { OutboxEvent } from '../../src/webhooks/events.ts';

const KEY = 'handoff-test-encryption-key-0123456789';

describe.each(databases())('webhook deliveries handed over at insert on $name', (factory) => {
  let testDb: TestDatabase;
  let database: Database;
  let receiver: Receiver;
  let worker: DeliveryWorker | undefined;
  let org: { id: string; slug: string };

  beforeEach(async () => {
    testDb = await factory.create();
    await migrate(testDb.url);
    database = await openDatabase(testDb.url);
    receiver = await Receiver.start();
    org = await database.prisma.organization.create({ data: { id: newId('org'), slug: 'handoff', name: 'Hand-off' } });
    const webhookId = newId('whk');
    const secret = newWebhookSecret();
    const logger = createLogger('silent');
    const runtime = createWebhookRuntime(database.prisma, KEY, new InvalidationBus(undefined, logger), logger);
    await database.prisma.webhook.create({
      data: { id: webhookId, organizationId: org.id, url: receiver.url, events: '["*"]', secret: runtime.sealer.seal(secret, webhookId) },
    });
    receiver.secrets = [secret];
  });
  afterEach(async () => {
    await worker?.stop(1000);
    worker = undefined;
    await receiver.close();
    await database.close();
    await testDb.drop();
  });

  function startWorker(): DeliveryWorker {
    const logger = createLogger('silent');
    const config = loadConfig({ DATABASE_URL: testDb.url, TESSERA_SECRET: 'handoff-test-secret-0123456789abcdef', TESSERA_ENCRYPTION_KEY: KEY, TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    worker = new DeliveryWorker({ database, config, logger, webhooks: createWebhookRuntime(database.prisma, KEY, new InvalidationBus(undefined, logger), logger) });
    worker.start();
    return worker;
  }

  const signedIn = (n: number): OutboxEvent => ({
    organizationId: org.id,
    type: 'user.signed_in',
    data: { user: { id: `usr_${String(n)}`, email: `u${String(n)}@example.com` }, service: { id: 'svc_1', slug: 'app' }, session_index: `_s${String(n)}` },
  });

  /** What the sign-in batch does: the outbox statements in one transaction; their results. */
  const commit = (outbox: OutboxWrites) => runBatch(database.prisma, database.direct, outbox.statements);

  const deliveries = () =>
    runRead(database.prisma, database.direct, sql`SELECT "id", "status", "attempts", "claimed_until" FROM "webhook_deliveries" ORDER BY "id"`);

  it('with this server’s worker running, deliveries are written claimed and attempted once, without a claim', async () => {
    startWorker();
    const outbox = outboxStatements(database, [signedIn(1), signedIn(2)], new Date());
    const results = await commit(outbox);
    // Written claimed: no poll of this or another instance takes them while the lease runs.
    const written = await deliveries();
    expect(written).toHaveLength(2);
    for (const d of written) expect(d.claimed_until).not.toBeNull();
    outbox.committed(results);
    await receiver.waitFor(() => receiver.of('user.signed_in').length === 2, 'both deliveries');
    for (const hit of receiver.of('user.signed_in')) expect(hit.verifiedBy).toEqual([0]);
    await expect.poll(async () => (await deliveries()).map((d) => [d.status, Number(d.attempts), d.claimed_until])).toEqual([
      ['succeeded', 1, null],
      ['succeeded', 1, null],
    ]);
    await new Promise((r) => setTimeout(r, 1200)); // a poll meanwhile sends nothing again
    expect(receiver.of('user.signed_in')).toHaveLength(2);
  });

  it('without a worker for this database, deliveries are written unclaimed for any instance’s poll', async () => {
    const outbox = outboxStatements(database, [signedIn(1)], new Date());
    outbox.committed(await commit(outbox));
    const [d] = await deliveries();
    expect(d?.claimed_until).toBeNull();
    startWorker();
    await receiver.waitFor(() => receiver.of('user.signed_in').length === 1, 'the polled delivery');
  });

  it('a hand-off that never reached the worker leaves the delivery to its lease: attempted by a poll once it ran out', async () => {
    startWorker();
    const outbox = outboxStatements(database, [signedIn(1)], new Date());
    await commit(outbox); // committed, but the process "stopped" before handing over
    await new Promise((r) => setTimeout(r, 1500)); // polls come and go: the lease keeps them off
    expect(receiver.hits).toHaveLength(0);
    // The lease runs out (as 60 s after a crash).
    await runBatch(database.prisma, database.direct, [sql`UPDATE "webhook_deliveries" SET "claimed_until" = ${new Date(Date.now() - 1000)}`]);
    await receiver.waitFor(() => receiver.of('user.signed_in').length === 1, 'the delivery after its lease');
    await expect.poll(async () => (await deliveries())[0]?.status).toBe('succeeded');
  });

  it('a hand-off with too little of its lease left for an attempt is not attempted (the lease decides, not the hand-off)', async () => {
    startWorker();
    // Written 55 s ago: 5 s of a 60 s lease left, less than an attempt may take.
    const outbox = outboxStatements(database, [signedIn(1)], new Date(Date.now() - 55_000));
    outbox.committed(await commit(outbox));
    await new Promise((r) => setTimeout(r, 1500));
    expect(receiver.hits).toHaveLength(0);
    const [d] = await deliveries();
    expect(d).toMatchObject({ status: 'pending' });
    expect(Number(d?.attempts)).toBe(0);
  });
});
