// A worker's side of the shared rate limits (TESSERA_WORKERS > 1 without Redis): points leased from the
// primary's bank (lease-bank.ts) and spent here, so most requests check their limit without leaving the
// process. Leftover points of a key that stops being used go back to the bank after LEASE_IDLE_MS, so
// another worker serving that key can use them.
import { RateLimiterRes } from 'rate-limiter-flexible';
import { primaryChannel, type ClusterMessage, type LeaseGrant } from './messages.ts';

/** How long the primary may take to answer before the request is refused (503, fail closed). */
const ANSWER_TIMEOUT_MS = 2000;
/** A key unused this long gives its leftover points back. */
const LEASE_IDLE_MS = 250;

interface Lease {
  /** Points leased and not yet spent. */
  left: number;
  /** The bank's points left when it answered (other workers' leases taken out). */
  remaining: number;
  resetAt: number;
  lastUsed: number;
  /** A grant on its way: concurrent requests for the key wait for it instead of asking again. */
  asking: Promise<void> | undefined;
  /** The last grant was 0 points: the requests that waited for it are refused with it. */
  refused: boolean;
}

/** The one IPC conversation of this worker with the bank, shared by every limiter. */
export class LeaseClient {
  private next = 0;
  private readonly waiting = new Map<string, (grant: LeaseGrant) => void>();

  constructor(private readonly send: (message: ClusterMessage) => void) {}

  /** The client of this process when it is a cluster worker; else undefined. */
  static ofThisProcess(): LeaseClient | undefined {
    const channel = primaryChannel();
    if (!channel) return undefined;
    const client = new LeaseClient(channel.send);
    channel.onMessage((message) => {
      client.receive(message);
    });
    return client;
  }

  ask(limiter: string, key: string, points: number, duration: number): Promise<LeaseGrant> {
    const id = String(this.next++);
    return new Promise<LeaseGrant>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the primary did not answer a rate-limit lease in time'));
      }, ANSWER_TIMEOUT_MS);
      this.waiting.set(id, (grant) => {
        clearTimeout(timer);
        resolve(grant);
      });
      this.send({ tessera: 'lease', id, limiter, key, points, duration });
    });
  }

  giveBack(limiter: string, key: string, points: number, resetAt: number): void {
    this.send({ tessera: 'lease-return', limiter, key, points, resetAt });
  }

  reset(limiter: string, key: string): void {
    this.send({ tessera: 'lease-reset', limiter, key });
  }

  receive(message: unknown): void {
    if (typeof message !== 'object' || message === null || !('tessera' in message) || message.tessera !== 'leased') return;
    const grant = message as LeaseGrant;
    const done = this.waiting.get(grant.id);
    this.waiting.delete(grant.id);
    done?.(grant);
  }
}

/** One limiter's keys, spent from leases; answers as rate-limiter-flexible's limiters do. */
export class LeasedLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly client: LeaseClient,
    private readonly name: string,
    private readonly points: number,
    private readonly duration: number,
  ) {
    this.sweeper = setInterval(() => {
      this.giveBackIdle();
    }, LEASE_IDLE_MS);
    this.sweeper.unref();
  }

  /** Resolves with what is left, or rejects with a RateLimiterRes when the key is out of points. */
  consume(key: string): Promise<RateLimiterRes> {
    const lease = this.leases.get(key);
    const now = Date.now();
    if (lease && lease.left > 0 && lease.resetAt > now) return Promise.resolve(this.spend(lease, now));
    return this.consumeAfterAsking(key);
  }

  delete(key: string): Promise<boolean> {
    this.leases.delete(key);
    this.client.reset(this.name, key);
    return Promise.resolve(true);
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private async consumeAfterAsking(key: string): Promise<RateLimiterRes> {
    for (;;) {
      let lease = this.leases.get(key);
      const now = Date.now();
      if (lease && lease.left > 0 && lease.resetAt > now) return this.spend(lease, now);
      if (lease?.asking) {
        await lease.asking;
        // The grant everyone waited for was a refusal: all of them are refused, not asked again in turn.
        if (lease.refused) this.refuse(lease.resetAt);
        continue;
      }
      lease ??= { left: 0, remaining: 0, resetAt: 0, lastUsed: now, asking: undefined, refused: false };
      this.leases.set(key, lease);
      const asked = lease;
      asked.asking = this.client.ask(this.name, key, this.points, this.duration).then((grant) => {
        asked.refused = grant.granted === 0;
        asked.left = grant.granted;
        asked.remaining = grant.remaining;
        asked.resetAt = grant.resetAt;
      });
      try {
        await asked.asking;
      } finally {
        asked.asking = undefined;
      }
      // Out of points. (Points granted but spent by requests that waited on this grant: ask again.)
      if (asked.refused) this.refuse(asked.resetAt);
    }
  }

  /** rate-limiter-flexible's contract, which Limiter relies on: a refusal rejects with a RateLimiterRes. */
  private refuse(resetAt: number): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw new RateLimiterRes(0, Math.max(0, resetAt - Date.now()), this.points, false);
  }

  private spend(lease: Lease, now: number): RateLimiterRes {
    lease.left--;
    lease.lastUsed = now;
    const remaining = lease.remaining + lease.left;
    return new RateLimiterRes(remaining, lease.resetAt - now, this.points - remaining, false);
  }

  private giveBackIdle(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases) {
      if (lease.asking) continue;
      if (lease.resetAt <= now) this.leases.delete(key);
      else if (now - lease.lastUsed >= LEASE_IDLE_MS) {
        if (lease.left > 0) this.client.giveBack(this.name, key, lease.left, lease.resetAt);
        this.leases.delete(key);
      }
    }
  }
}
