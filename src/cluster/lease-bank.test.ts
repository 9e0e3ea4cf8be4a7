// The leased rate limits of TESSERA_WORKERS without Redis, with the IPC channel replaced by direct calls
// (test/cluster/workers.test.ts runs the same through real worker processes).
import { describe, expect, it } from 'vitest';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { LeaseBank, chunkFor } from './lease-bank.ts';
import { LeaseClient, LeasedLimiter } from './leased-limiter.ts';
import type { ClusterMessage } from './messages.ts';

/** N workers' limiters for one limit, each talking to the same bank (answers arrive asynchronously, as over IPC). */
function cluster(workers: number, points: number) {
  const bank = new LeaseBank(workers);
  const messages = { leases: 0 };
  const limiters = Array.from({ length: workers }, () => {
    const client: LeaseClient = new LeaseClient((m: ClusterMessage) => {
      if (m.tessera === 'lease') {
        messages.leases++;
        const grant = bank.grant(m);
        setImmediate(() => {
          client.receive(grant);
        });
      } else if (m.tessera === 'lease-return') bank.giveBack(m);
      else if (m.tessera === 'lease-reset') bank.reset(m);
    });
    return new LeasedLimiter(client, 'svc-read', points, 60);
  });
  const stop = () => {
    bank.stop();
    for (const l of limiters) l.stop();
  };
  return { limiters, messages, stop };
}

const admitted = async (limiter: LeasedLimiter, key: string): Promise<boolean> =>
  limiter.consume(key).then(
    () => true,
    (err: unknown) => {
      if (err instanceof RateLimiterRes) return false;
      throw err;
    },
  );

describe('leased rate limits (cluster/lease-bank.ts, cluster/leased-limiter.ts)', () => {
  it('two workers taking turns admit exactly the limit, with a tenth of the messages of one per request', async () => {
    const { limiters, messages, stop } = cluster(2, 100);
    const results: boolean[] = [];
    for (let i = 0; i < 110; i++) results.push(await admitted(limiters[i % 2] as LeasedLimiter, 'key-a'));
    stop();
    expect(results.slice(0, 100).every(Boolean)).toBe(true);
    expect(results.slice(100).some(Boolean)).toBe(false);
    // 12-point chunks while plenty is left, single points near the end, one message per refusal.
    expect(messages.leases).toBeLessThan(45);
  });

  it('never admits more than the limit, however the requests are spread or raced', async () => {
    const { limiters, stop } = cluster(3, 100);
    const all = await Promise.all(Array.from({ length: 400 }, (_, i) => admitted(limiters[(i * 7) % 3] as LeasedLimiter, 'key-b')));
    stop();
    expect(all.filter(Boolean).length).toBeLessThanOrEqual(100);
    expect(all.filter(Boolean).length).toBeGreaterThan(90);
  });

  it('points leased by a worker that stopped serving a key go back to the bank and serve the other worker', async () => {
    const { limiters, stop } = cluster(2, 100);
    const [a, b] = limiters as [LeasedLimiter, LeasedLimiter];
    expect(await admitted(a, 'key-c')).toBe(true); // a leases a chunk and keeps 11 points
    let fromB = 0;
    while (await admitted(b, 'key-c')) fromB++;
    expect(fromB).toBe(100 - 12); // a's leftover is still leased
    await new Promise((r) => setTimeout(r, 600)); // a's idle lease goes back
    let more = 0;
    while (await admitted(b, 'key-c')) more++;
    stop();
    expect(more).toBe(11);
  });

  it('a refusal says when the window ends; a reset starts the key over on every worker', async () => {
    const { limiters, stop } = cluster(2, 10);
    const [a, b] = limiters as [LeasedLimiter, LeasedLimiter];
    for (let i = 0; i < 10; i++) expect(await admitted(i % 2 ? a : b, 'key-d')).toBe(true);
    const refusal = await a.consume('key-d').then(
      () => null,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(RateLimiterRes);
    expect((refusal as RateLimiterRes).msBeforeNext).toBeGreaterThan(50_000);
    await a.delete('key-d');
    expect(await admitted(b, 'key-d')).toBe(true);
    stop();
  });

  it('requests that waited for a refused grant are refused with it, not asked again one after another', async () => {
    const { limiters, messages, stop } = cluster(2, 10);
    const a = limiters[0] as LeasedLimiter;
    for (let i = 0; i < 10; i++) expect(await admitted(a, 'key-e')).toBe(true);
    const before = messages.leases;
    const burst = await Promise.all(Array.from({ length: 20 }, () => admitted(a, 'key-e')));
    stop();
    expect(burst.some(Boolean)).toBe(false);
    expect(messages.leases - before).toBe(1);
  });

  it('small limits are never leased in chunks', () => {
    expect(chunkFor(10, 2)).toBe(1);
    expect(chunkFor(100, 2)).toBe(12);
    expect(chunkFor(100_000, 2)).toBe(32);
  });
});
