// The invalidation bus against a real Redis: messages cross instances, a publisher that loses its
// connection sends what it could not publish once it is back, and a subscriber that loses its
// connection drops everything it caches and trusts nothing until it is subscribed again (pub/sub keeps
// no messages for an absent subscriber).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { InvalidationBus, type Invalidation } from './invalidation.ts';
import { createLogger } from '../http/log.ts';

const redisUrl = process.env.TEST_REDIS_URL;

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Cuts an instance's connections (found by name) from the server side, as a Redis restart or a network blip would. */
async function killConnections(admin: Redis, name: string): Promise<void> {
  const list = String(await admin.client('LIST'));
  const ids = list
    .split('\n')
    .filter((l) => l.includes(` name=${name} `))
    .map((l) => /id=(\d+)/.exec(l)?.[1])
    .filter((x): x is string => !!x);
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) await admin.client('KILL', 'ID', id);
}

describe.runIf(redisUrl)('InvalidationBus over Redis', () => {
  const open: { bus: InvalidationBus; redis: Redis }[] = [];
  afterEach(() => {
    for (const o of open.splice(0)) {
      o.bus.stop();
      o.redis.disconnect();
    }
  });

  async function instance(name: string): Promise<{ bus: InvalidationBus; seen: Invalidation[]; redis: Redis }> {
    // The app's own client options; the subscriber inherits them (and the name, which lets the test find it).
    // Reconnecting after 300 ms leaves a window the test can see (ioredis starts at 50 ms).
    const redis = new Redis(redisUrl ?? '', {
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: true,
      connectionName: name,
      retryStrategy: () => 300,
    });
    await redis.connect();
    const bus = new InvalidationBus(redis, createLogger('silent'));
    const seen: Invalidation[] = [];
    bus.onInvalidate((m) => seen.push(m));
    await bus.start();
    open.push({ bus, redis });
    return { bus, seen, redis };
  }

  it('a change published on one instance is applied on the other by the time its sync() resolves', async () => {
    const a = await instance(`inv-a-${randomBytes(4).toString('hex')}`);
    const b = await instance(`inv-b-${randomBytes(4).toString('hex')}`);
    await a.bus.publish({ kind: 'key', id: 'k1' });
    expect(await b.bus.sync()).toBe(true);
    expect(b.seen).toContainEqual({ kind: 'key', id: 'k1' });
  });

  it('a change that could not be published is published again once Redis takes it', async () => {
    const name = `inv-retry-${randomBytes(4).toString('hex')}`;
    const a = await instance(name);
    const b = await instance(`inv-hear-${randomBytes(4).toString('hex')}`);
    const admin = new Redis(redisUrl ?? '');
    try {
      await killConnections(admin, name);
      await until(() => a.redis.status !== 'ready'); // reconnecting: a PUBLISH now fails at once
      await a.bus.publish({ kind: 'key', id: 'k-retried' }); // resolves: the failure is the bus's to handle
      expect(b.seen).not.toContainEqual({ kind: 'key', id: 'k-retried' });
      await until(async () => (await b.bus.sync()) && b.seen.some((m) => m.kind === 'key' && m.id === 'k-retried'));
    } finally {
      admin.disconnect();
    }
  });

  it('a subscriber that loses its connection drops everything, is not trusted until re-subscribed, then receives again', async () => {
    const name = `inv-lost-${randomBytes(4).toString('hex')}`;
    const b = await instance(name);
    const a = await instance(`inv-pub-${randomBytes(4).toString('hex')}`);
    const admin = new Redis(redisUrl ?? '');
    try {
      expect(await b.bus.sync()).toBe(true);
      const alls = () => b.seen.filter((m) => m.kind === 'all').length;
      await until(() => alls() >= 1); // start-up's own drop, once subscribed
      const before = alls();
      const mark = b.bus.mark();
      // Cut b's connections from the server side, as a Redis restart or a network blip would.
      await killConnections(admin, name);
      await until(() => alls() > before);
      expect(b.bus.unchangedSince(mark)).toBe(false); // a load under way must not be cached
      // Until the subscription is back nothing cached may be trusted; once it is, everything was dropped again.
      expect(await b.bus.sync()).toBe(false);
      await until(() => b.bus.sync());
      expect(alls()).toBeGreaterThanOrEqual(before + 2); // dropped when lost, and again once subscribed
      await a.bus.publish({ kind: 'service', id: 'svc_after' });
      expect(await b.bus.sync()).toBe(true);
      expect(b.seen).toContainEqual({ kind: 'service', id: 'svc_after' });
    } finally {
      admin.disconnect();
    }
  });
});
