// The webhook outbox across processes (docs/api.md, Webhooks: nothing is lost, nothing is doubled):
// an event committed by a process killed with SIGKILL before it could deliver is delivered after a
// restart; two instances on one PostgreSQL and one Redis make each attempt from one instance only.
// Receivers verify every delivery with the `standardwebhooks` package.
import { describe, expect, it } from 'vitest';
import { deferredCleanups } from '../helpers/suite.ts';
import { databases } from '../helpers/databases.ts';
import { freePort, startProcessServer } from '../helpers/process-server.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';

const redisUrl = process.env.TEST_REDIS_URL;
const pgFactory = databases().find((d) => d.name === 'postgresql');
/** Many short retries: the schedule never runs out while a receiver is down for a few seconds. */
const SCHEDULE = Array.from({ length: 30 }, () => '0.3').join(',');
const ENV = { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true', TESSERA_WEBHOOK_RETRY_SCHEDULE: SCHEDULE };

interface Delivery {
  event_id: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

async function deliveriesOf(admin: Admin, path: string): Promise<Delivery[]> {
  const res = await admin.client.get<{ deliveries: Delivery[] }>(`${path}/deliveries`);
  expect(res.status, res.text).toBe(200);
  return res.body.deliveries;
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(databases())('webhook outbox across a kill -9 on $name', (factory) => {
  const defer = deferredCleanups();

  it('an event committed before SIGKILL and not yet delivered is delivered after the restart', async () => {
    const db = await factory.create();
    defer(() => db.drop());
    const port = await freePort(); // the receiver is down: nothing can be delivered before the kill
    const first = await startProcessServer({ DATABASE_URL: db.url, ...ENV });
    // Killed by the test itself; killed here only if the test stopped before that.
    defer(async () => (first.child.exitCode === null && first.child.signalCode === null ? first.stop('SIGKILL') : null));
    const admin = await registerAdmin(first.url);
    const org = await createOrg(admin);
    const created = await admin.client.post<{ webhook: { id: string }; secret: string }>(`/api/organizations/${org}/webhooks`, {
      url: `http://127.0.0.1:${String(port)}/hook`,
      events: ['user.created'],
    });
    expect(created.status).toBe(201);
    const path = `/api/organizations/${org}/webhooks/${created.body.webhook.id}`;
    const email = uniqueEmail('outbox');
    expect((await admin.client.post(`/api/organizations/${org}/users`, { email })).status).toBe(201);
    // Committed, and attempted at least once against the closed port.
    await until(async () => (await deliveriesOf(admin, path)).some((d) => d.attempts > 0 && d.status === 'pending'), 'a failed first attempt');
    expect(await first.stop('SIGKILL')).toBeNull();

    const receiver = await Receiver.start(port);
    defer(() => receiver.close());
    receiver.secrets = [created.body.secret];
    const second = await startProcessServer({ DATABASE_URL: db.url, ...ENV });
    defer(() => second.stop());
    await receiver.waitFor(() => receiver.of('user.created').length > 0, 'the delivery after the restart', 20_000);
    const hit = receiver.of('user.created')[0];
    expect(hit?.verifiedBy).toEqual([0]);
    expect(hit?.data).toMatchObject({ user: { email } });
  }, 90_000);
});

describe.runIf(pgFactory && redisUrl)('two instances deliver each attempt once (PostgreSQL and Redis)', () => {
  const defer = deferredCleanups();

  it('N events, each failing once then succeeding, reach the receiver exactly twice each', async () => {
    if (!pgFactory || !redisUrl) return;
    const db = await pgFactory.create();
    defer(() => db.drop());
    const [a, b] = await Promise.all([
      startProcessServer({ DATABASE_URL: db.url, REDIS_URL: redisUrl, ...ENV }),
      startProcessServer({ DATABASE_URL: db.url, REDIS_URL: redisUrl, ...ENV }),
    ]);
    defer(() => Promise.all([a.stop(), b.stop()]));
    const receiver = await Receiver.start();
    defer(() => receiver.close());
    receiver.answer = (nth) => (nth === 0 ? 500 : 200);
    const admin = await registerAdmin(a.url);
    const org = await createOrg(admin);
    const created = await admin.client.post<{ secret: string }>(`/api/organizations/${org}/webhooks`, { url: receiver.url, events: ['user.created'] });
    expect(created.status).toBe(201);
    receiver.secrets = [created.body.secret];

    const N = 24;
    const onB = new Client(b.url).bearer(admin.accessToken);
    const emails: string[] = [];
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const email = uniqueEmail(`pair${String(i)}`);
        emails.push(email);
        const res = await (i % 2 ? onB : admin.client).post(`/api/organizations/${org}/users`, { email });
        expect(res.status, res.text).toBe(201);
      }),
    );
    await receiver.waitFor(
      () =>
        new Set(
          receiver
            .of('user.created')
            .filter((h) => h.verifiedBy.length === 1)
            .map((h) => h.id),
        ).size === N,
      'N events',
    );
    await receiver.waitFor(() => receiver.of('user.created').length >= 2 * N, 'two attempts of each');
    await new Promise((r) => setTimeout(r, 1500)); // anything doubled would arrive meanwhile
    const perEvent = new Map<string, number>();
    for (const h of receiver.of('user.created')) perEvent.set(h.id, (perEvent.get(h.id) ?? 0) + 1);
    expect(perEvent.size).toBe(N);
    expect([...perEvent.values()].every((n) => n === 2)).toBe(true);
    expect(new Set(receiver.of('user.created').map((h) => (h.data.user as { email: string }).email))).toEqual(new Set(emails));
    // Both instances took part: each logs one line per attempt it made.
    const attemptsBy = (out: string) => (out.match(/"msg":"webhook (delivered|attempt failed)"/g) ?? []).length;
    expect(attemptsBy(a.output()) + attemptsBy(b.output())).toBe(2 * N);
    expect(attemptsBy(a.output())).toBeGreaterThan(0);
    expect(attemptsBy(b.output())).toBeGreaterThan(0);
  }, 120_000);
});
