// The delivery worker, one per instance, started with the server. It claims due deliveries with a
// lease so that, with several instances on one database, each attempt is made by one instance only:
//  - PostgreSQL: one UPDATE whose subquery takes the due rows FOR UPDATE SKIP LOCKED and sets their
//    lease (claimed_until): an instance never waits for, nor takes, rows another is claiming;
//  - SQLite: the same lease, set by a conditional UPDATE per row (one writer at a time anyway).
// A lease outlives an attempt (10 s) by far; if the instance dies mid-attempt, the lease runs out and
// another instance (or this one, restarted) makes the attempt again: delivery is at-least-once.
// The worker wakes shortly after something was enqueued in this process (outbox.ts) and polls
// otherwise, which also picks up what other instances enqueued and retries that fall due.
import type { Deps } from '../deps.ts';
import { sql } from '../db/sql.ts';
import { secureRandom } from '../security/random.ts';
import { attemptDelivery, type AttemptResult } from './deliver.ts';
import { outboxSignal } from './outbox.ts';

const POLL_MS = 1000;
const LEASE_MS = 60_000;
const BATCH = 10;
/** After a local enqueue, looks at once and again a little later (the enqueuing transaction may still be open). */
const WAKE_DELAYS_MS = [15, 200];

type WorkerDeps = Pick<Deps, 'db' | 'database' | 'config' | 'logger' | 'webhooks'>;

/** Exponential-ish schedule with ±20 % jitter, so receivers that failed together are not retried together. */
function retryDelayMs(schedule: number[], attempts: number): number | null {
  const seconds = schedule[attempts - 1];
  if (seconds === undefined) return null;
  const jitter = 0.8 + (secureRandom(2).readUInt16BE(0) / 65_535) * 0.4;
  return Math.round(seconds * 1000 * jitter);
}

export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private readonly wakeTimers = new Set<NodeJS.Timeout>();
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private readonly onSignal = () => {
    for (const ms of WAKE_DELAYS_MS) this.wakeIn(ms);
  };

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    outboxSignal.on('enqueued', this.onSignal);
    this.timer = setInterval(() => {
      this.wake();
    }, POLL_MS);
    this.timer.unref();
    this.wake();
  }

  /** Stops claiming; waits (up to `graceMs`) for attempts in flight to record their outcome. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    outboxSignal.off('enqueued', this.onSignal);
    clearInterval(this.timer);
    for (const t of this.wakeTimers) clearTimeout(t);
    this.wakeTimers.clear();
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  private wakeIn(ms: number): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.wakeTimers.delete(t);
      this.wake();
    }, ms);
    t.unref();
    this.wakeTimers.add(t);
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) => {
        this.deps.logger.error(
          { err: { message: err instanceof Error ? err.message : String(err) } },
          'webhook delivery worker failed; retrying at the next poll',
        );
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const until = new Date(Date.now() + LEASE_MS);
      const ids = await this.claim(until);
      await Promise.all(ids.map((id) => this.attempt(id, until)));
      if (ids.length < BATCH) return;
    }
  }

  /** Takes up to BATCH due deliveries for this instance until `until`; returns their ids. */
  private async claim(until: Date): Promise<string[]> {
    const { db, database } = this.deps;
    const now = new Date();
    if (database.dialect === 'postgresql') {
      const rows = await db.$queryRaw<{ id: string }[]>(sql`UPDATE "webhook_deliveries" SET "claimed_until" = ${until}
        WHERE "id" IN (
          SELECT "id" FROM "webhook_deliveries"
          WHERE "status" = 'pending' AND "next_attempt_at" <= ${now} AND ("claimed_until" IS NULL OR "claimed_until" < ${now})
          ORDER BY "next_attempt_at" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
        RETURNING "id"`);
      return rows.map((r) => r.id);
    }
    const due = { status: 'pending', nextAttemptAt: { lte: now }, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] };
    const candidates = await db.webhookDelivery.findMany({ where: due, select: { id: true }, orderBy: { nextAttemptAt: 'asc' }, take: BATCH });
    const claimed: string[] = [];
    for (const { id } of candidates) {
      const { count } = await db.webhookDelivery.updateMany({ where: { id, ...due }, data: { claimedUntil: until } });
      if (count === 1) claimed.push(id);
    }
    return claimed;
  }

  private async attempt(id: string, until: Date): Promise<void> {
    const { db, config, webhooks, logger } = this.deps;
    const result = await attemptDelivery(db, webhooks.sealer, config.webhooksAllowPrivate, id);
    if (!result) return;
    await this.record(id, until, result);
    const line = { webhookId: result.webhookId, deliveryId: id, eventId: result.eventId, type: result.type, status: result.status };
    if (result.ok) logger.info(line, 'webhook delivered');
    else logger.warn({ ...line, error: result.error }, 'webhook attempt failed');
  }

  /** The outcome, written only while this instance still holds the lease it claimed with. */
  private async record(id: string, until: Date, result: AttemptResult): Promise<void> {
    const { db, config } = this.deps;
    const now = new Date();
    const current = await db.webhookDelivery.findUnique({ where: { id }, select: { attempts: true } });
    if (!current) return;
    const attempts = current.attempts + 1;
    const delay = result.ok || result.error === 'webhook disabled' ? null : retryDelayMs(config.webhookRetrySchedule, attempts);
    const status = result.ok ? 'succeeded' : delay === null ? 'failed' : 'pending';
    await db.webhookDelivery.updateMany({
      where: { id, claimedUntil: until },
      data: {
        status,
        attempts,
        nextAttemptAt: delay === null ? null : new Date(now.getTime() + delay),
        lastAttemptAt: now,
        lastResponseStatus: result.status,
        lastError: result.error,
        claimedUntil: null,
        updatedAt: now,
      },
    });
    if (delay !== null && delay < POLL_MS) this.wakeIn(delay);
  }
}
