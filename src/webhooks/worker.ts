// The delivery worker, one per instance, started with the server. It claims due deliveries with a
// lease so that, with several instances on one database, each attempt is made by one instance only:
//  - one UPDATE sets the lease (claimed_until) of up to BATCH due rows; on PostgreSQL its subquery takes
//    them FOR UPDATE SKIP LOCKED: an instance never waits for, nor takes, rows another is claiming;
//  - SQLite: the same statement, on the direct connection like the sign-in record (claims.ts).
// A lease outlives an attempt (10 s) by far; if the instance dies mid-attempt, the lease runs out and
// another instance (or this one, restarted) makes the attempt again: delivery is at-least-once.
// The worker wakes shortly after something was enqueued in this process (outbox.ts) and polls
// otherwise, which also picks up what other instances enqueued and retries that fall due. Under a
// stream of sign-ins (one signal per group commit) the wake-ups are coalesced: at most one pending
// wake-up of each delay, and a round never starts straight after another one that was not full, so
// a round takes what ~WAKE_DELAYS_MS[0] of sign-ins enqueued. Its fixed costs (the claim, the read,
// the outcomes' commit; in the sender thread, the URL check) are then paid once for tens of
// deliveries rather than for one or two (docs/benchmarks.md, SSO with a webhook). The signatures and the HTTP exchanges are made
// by the sender thread (sender.ts), off the thread that answers sign-ins.
import type { Deps } from '../deps.ts';
import { secureRandom } from '../security/random.ts';
import { ATTEMPT_TIMEOUT_MS, DeliveryRound, MAX_ANSWER_BYTES, prepareAttempt, resultOf, type AttemptResult } from './deliver.ts';
import { DeliverySender, SenderLost } from './sender.ts';
import { outboxSignal } from './outbox.ts';
import { claimDue, loadClaimed, writeOutcomes, type ClaimedDelivery, type Outcome } from './claims.ts';
import { sql } from '../db/sql.ts';
import { runRead } from '../db/statements.ts';

const POLL_MS = 1000;
const LEASE_MS = 60_000;
const BATCH = 50;
/** After a local enqueue, looks shortly and again a little later (the enqueuing transaction may still be open). */
const WAKE_DELAYS_MS = [50, 250];

type WorkerDeps = Pick<Deps, 'database' | 'config' | 'logger' | 'webhooks'>;

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
  /** The delays (WAKE_DELAYS_MS) with a wake-up pending: a signal adds none that is already there. */
  private readonly pendingDelays = new Set<number>();
  private running: Promise<void> | undefined;
  /** The current round's finished attempts whose outcome is not written yet (see drain and stop). */
  private finished: Outcome[] = [];
  private again = false;
  private stopped = false;
  private readonly onSignal = () => {
    for (const ms of WAKE_DELAYS_MS) {
      if (this.pendingDelays.has(ms)) continue;
      this.pendingDelays.add(ms);
      this.wakeIn(ms, () => this.pendingDelays.delete(ms));
    }
  };

  /**
   * The per-attempt lines, without pino's redaction: they carry only the fixed fields of `attempt`
   * (ids, type, status, the error text), none named like a secret, so redaction by key censors
   * nothing in them, and it costs ~130 µs a line (its wildcard paths), more than the attempt's HTTP
   * exchange (docs/benchmarks.md, SSO with a webhook).
   */
  private readonly lines: WorkerDeps['logger'];
  private readonly sender: DeliverySender;

  constructor(private readonly deps: WorkerDeps) {
    this.lines = deps.logger.child({}, { redact: [] });
    this.sender = new DeliverySender(deps.logger);
  }

  start(): void {
    // The sender thread costs about 11 MiB of memory: started now where a webhook is enabled, so that
    // it is there before the first sign-in's event; elsewhere with the first delivery, if one ever comes.
    // A failure here (the query, or the thread's start) only leaves the start to the first round.
    void runRead(this.deps.database.prisma, this.deps.database.direct, sql`SELECT 1 AS "one" FROM "webhooks" WHERE "enabled" = TRUE LIMIT 1`)
      .then((rows) => {
        if (rows.length > 0 && !this.stopped) this.sender.start();
      })
      .catch(() => undefined);
    outboxSignal.on('enqueued', this.onSignal);
    this.timer = setInterval(() => {
      this.wake();
    }, POLL_MS);
    this.timer.unref();
    this.wake();
  }

  /**
   * Stops claiming; waits (up to `graceMs`) for attempts in flight to record their outcome, then stops
   * the sender thread: exchanges still in flight then are abandoned, and their deliveries attempted
   * again once their lease runs out (at least once, as after a crash).
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    outboxSignal.off('enqueued', this.onSignal);
    clearInterval(this.timer);
    for (const t of this.wakeTimers) clearTimeout(t);
    this.wakeTimers.clear();
    this.pendingDelays.clear();
    const grace = () => new Promise((r) => setTimeout(r, graceMs).unref());
    if (this.running) await Promise.race([this.running, grace()]);
    // Final: what it still owed fails at once, so the round ends (and a round that claimed meanwhile
    // sends nothing).
    await this.sender.close();
    if (this.running) await Promise.race([this.running, grace()]);
    // The attempts of a round that did finish must not be lost with the one still in flight: written
    // now, or they would be sent again once the lease ran out.
    await writeOutcomes(this.deps.database, this.finished.splice(0)).catch((err: unknown) => {
      this.deps.logger.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'webhook outcomes not written at shutdown');
    });
  }

  private wakeIn(ms: number, fired?: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.wakeTimers.delete(t);
      fired?.();
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
        // Woken during the round: the next one starts after the coalescing delay, not at once (a full
        // round already went on inside drain), so that it takes a batch rather than a sign-in or two.
        if (this.again) {
          this.again = false;
          this.onSignal();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const until = new Date(Date.now() + LEASE_MS);
      const ids = await claimDue(this.deps.database, until, BATCH);
      const claimed = await loadClaimed(this.deps.database, ids);
      const round = new DeliveryRound(this.deps.webhooks.sealer, this.deps.config.webhooksAllowPrivate);
      // The round's outcomes in one transaction: on SQLite each commit writes its pages to the WAL,
      // and one per attempt cost more than the attempts' own statements.
      // An attempt cut short by the shutdown leaves its delivery to the lease (retried after LEASE_MS),
      // not its round.
      await Promise.all(
        this.attempts(claimed, round).map(({ d, result }) =>
          result.then(
            (r) => this.finished.push(this.record(d, until, r)),
            (err: unknown) => {
              if (this.stopped) return;
              this.deps.logger.error({ deliveryId: d.id, err: { message: err instanceof Error ? err.message : String(err) } }, 'webhook attempt failed to run');
            },
          ),
        ),
      );
      const outcomes = this.finished.splice(0);
      await writeOutcomes(this.deps.database, outcomes);
      for (const o of outcomes) if (o.nextAttemptAt && o.nextAttemptAt.getTime() - Date.now() < POLL_MS) this.wakeIn(o.nextAttemptAt.getTime() - Date.now());
      if (ids.length < BATCH) return;
    }
  }

  /** Makes the round's attempts, one result per delivery: the requests and their opened secrets go to the sender thread, which signs them, in one message. */
  private attempts(claimed: ClaimedDelivery[], round: DeliveryRound): { d: ClaimedDelivery; result: Promise<AttemptResult> }[] {
    const prepared = claimed.map((d) => ({ d, p: prepareAttempt(d, round) }));
    const toSend = prepared.flatMap(({ d, p }) => ('request' in p ? [{ d, base: p.base, request: p.request }] : []));
    const answered = this.sender.send(
      toSend.map((s) => s.request),
      { allowPrivate: round.allowPrivate, maxBytes: MAX_ANSWER_BYTES, timeoutMs: ATTEMPT_TIMEOUT_MS },
    );
    // A lost thread's attempts count as failed and follow the retry schedule; those the shutdown cut
    // short are left to their lease (the rejection goes on).
    const sent = toSend.map(({ d, base }, i) => ({
      d,
      result: answered.then(
        (answers) => resultOf(base, answers[i] ?? { failed: true }),
        (err: unknown): AttemptResult => {
          if (err instanceof SenderLost) return { ...base, ok: false, status: null, error: `sending failed: ${err.message}` };
          throw err;
        },
      ),
    }));
    const unsent = prepared.flatMap(({ d, p }) => ('result' in p ? [{ d, result: Promise.resolve(p.result) }] : []));
    return [...unsent, ...sent];
  }

  /** Logs the attempt and says what it leaves on the delivery (written with the round's, only while this instance holds the lease). */
  private record(d: ClaimedDelivery, until: Date, result: AttemptResult): Outcome {
    const line = { webhookId: result.webhookId, deliveryId: d.id, eventId: result.eventId, type: result.type, status: result.status };
    if (result.ok) this.lines.info(line, 'webhook delivered');
    else this.lines.warn({ ...line, error: result.error }, 'webhook attempt failed');
    return this.outcome(d, until, result);
  }

  private outcome(d: ClaimedDelivery, until: Date, result: AttemptResult): Outcome {
    const now = new Date();
    // The lease kept every other writer of the row away since the claim, so the count read then is current.
    const attempts = d.attempts + 1;
    const delay = result.ok || result.error === 'webhook disabled' ? null : retryDelayMs(this.deps.config.webhookRetrySchedule, attempts);
    const status = result.ok ? 'succeeded' : delay === null ? 'failed' : 'pending';
    return {
      id: d.id,
      until,
      status,
      attempts,
      nextAttemptAt: delay === null ? null : new Date(now.getTime() + delay),
      at: now,
      responseStatus: result.status,
      error: result.error,
    };
  }
}
