// Passwords: argon2id, by default with the library's cost (m=64 MiB, t=3, p=4; TESSERA_ARGON2 changes
// it for new hashes, password-cost.ts). A dummy hash of the same cost is verified when the account does
// not exist so that unknown emails and wrong passwords take the same time.
//
// Every hash and verify in the process goes through one bounded queue. Each argon2 call holds 64 MiB
// and a core for a few hundred milliseconds, so unbounded concurrency lets a flood of registrations or
// sign-ins (48 in parallel took RSS from 354 to 611 MiB and an admin login from 0.5 to 9 s) starve
// everything else. Here at most `concurrency` calls run, a bounded number wait, and the rest are
// refused at once with 503 and Retry-After. Two lanes: checks of a presented password (sign-ins) are
// served before new hashes (registration, setting a password), and new hashes may fill only part of
// the waiting room, so a registration flood can never keep a legitimate sign-in out.
import { availableParallelism } from 'node:os';
import argon2, { type HashOptions } from 'argon2';
import { AppError } from '../http/errors.ts';
import type { Logger } from '../http/log.ts';
import { parseArgon2Cost, type Argon2Cost } from './password-cost.ts';

type Lane = 'verify' | 'hash';

interface Job {
  run: () => void;
}

export interface PasswordQueueStats {
  running: number;
  waiting: number;
  /** The most that ever waited at once (tests assert the bound held). */
  peakWaiting: number;
  refused: number;
}

export const passwordBusy = () =>
  new AppError(503, 'SERVICE_UNAVAILABLE', 'The server is busy checking passwords; try again shortly', { headers: { 'Retry-After': '2' } });

export class PasswordQueue {
  private running = 0;
  private readonly lanes: Record<Lane, Job[]> = { verify: [], hash: [] };
  private peakWaiting = 0;
  private refused = 0;

  /**
   * @param maxWaiting   jobs that may wait, both lanes together
   * @param maxWaitingHash  of those, how many may be new hashes
   */
  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
    readonly maxWaitingHash: number,
  ) {}

  /** Runs `fn` when a slot is free; rejects at once with 503 when the lane's waiting room is full. */
  run<T>(lane: Lane, fn: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) return this.start(fn);
    const waiting = this.waiting();
    if (waiting >= this.maxWaiting || (lane === 'hash' && this.lanes.hash.length >= this.maxWaitingHash)) {
      this.refused++;
      return Promise.reject(passwordBusy());
    }
    return new Promise<T>((resolve, reject) => {
      this.lanes[lane].push({ run: () => void this.start(fn).then(resolve, reject) });
      this.peakWaiting = Math.max(this.peakWaiting, waiting + 1);
    });
  }

  stats(): PasswordQueueStats {
    return { running: this.running, waiting: this.waiting(), peakWaiting: this.peakWaiting, refused: this.refused };
  }

  /** Forgets the peak and refusal counts (tests measure one flood at a time). */
  resetStats(): void {
    this.peakWaiting = this.waiting();
    this.refused = 0;
  }

  private waiting(): number {
    return this.lanes.verify.length + this.lanes.hash.length;
  }

  private async start<T>(fn: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      (this.lanes.verify.shift() ?? this.lanes.hash.shift())?.run();
    }
  }
}

/**
 * The process's queue. One argon2id call with p=4 already spreads over up to four threads, so calls run
 * one at a time per spare core: on two cores, one call, which leaves the event loop a core of its own
 * (measured here: a login behind a registration flood answered in 2.3 s with two at a time). Workers of
 * one machine (TESSERA_WORKERS, cluster/primary.ts) share the spare cores instead of each taking them all.
 */
const workers = Math.max(1, Number(process.env.TESSERA_WORKER_COUNT ?? '1') || 1);
export const passwordQueue = new PasswordQueue(Math.max(1, Math.min(4, Math.floor((availableParallelism() - 1) / workers))), 24, 8);

let cost: Argon2Cost | undefined;

/** The configured cost, read once; start-up (config/index.ts) has already refused an invalid setting. */
function hashOptions(): HashOptions & { raw?: false } {
  if (!cost) {
    const parsed = parseArgon2Cost(process.env.TESSERA_ARGON2);
    if (!parsed.ok) throw new Error(parsed.reason);
    cost = parsed.cost;
  }
  return { type: argon2.argon2id, ...cost };
}

export async function hashPassword(password: string): Promise<string> {
  return passwordQueue.run('hash', () => argon2.hash(password, hashOptions()));
}

/**
 * After a successful sign-in with a hash made at another cost than the configured one: replaces it
 * with one at the configured cost, in the background. Accounts then converge on one cost, the one the
 * unknown-email dummy is made at, so the time a refused sign-in takes cannot tell whether the email
 * exists. `store` must replace the hash only if it is still `hash` (a password changed meanwhile
 * wins). A failure (a busy queue, the database) leaves the old hash, which still verifies.
 */
export function upgradeHash(hash: string, password: string, store: (fresh: string) => Promise<unknown>, logger: Logger): void {
  const { memoryCost, timeCost, parallelism } = hashOptions();
  if (!argon2.needsRehash(hash, { memoryCost, timeCost, parallelism })) return;
  void hashPassword(password)
    .then(store)
    .catch((err: unknown) => {
      logger.warn({ err: { message: err instanceof Error ? err.message : String(err) } }, 'password hash upgrade failed');
    });
}

let dummy: Promise<string> | undefined;

export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  if (!hash) {
    // Made once, outside the queue: it is the server's own constant, not a client's request.
    // A failed attempt is not kept: the next unknown email tries again.
    dummy ??= argon2.hash('tessera-timing-equaliser', hashOptions()).catch((err: unknown) => {
      dummy = undefined;
      throw err;
    });
    const equaliser = await dummy;
    await passwordQueue.run('verify', () => argon2.verify(equaliser, password).catch(() => false));
    return false;
  }
  return passwordQueue.run('verify', () => argon2.verify(hash, password).catch(() => false));
}
