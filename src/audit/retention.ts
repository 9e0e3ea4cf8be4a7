// Retention: audit events older than TESSERA_AUDIT_RETENTION_DAYS and sign-in activity older than
// TESSERA_SIGNIN_RETENTION_DAYS are deleted in the background, in bounded chunks so no statement holds
// the write lock (SQLite) or a long row lock set (PostgreSQL) for long. Every instance prunes; the
// deletes are idempotent, so two instances at once only share the work. This is the only code that
// deletes an audit event.
import type { Db } from '../db/client.ts';
import { sql } from '../db/sql.ts';
import type { Logger } from '../http/log.ts';

const DAY_MS = 86_400_000;
const CHUNK = 5_000;
/** Ten minutes after start, then hourly: retention is in days, so an hour late costs nothing. */
const FIRST_RUN_MS = 10 * 60_000;
const EVERY_MS = 3_600_000;

export interface Retention {
  auditRetentionDays: number;
  signInRetentionDays: number;
}

async function pruneTable(db: Db, table: 'audit_events' | 'sign_ins', before: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const n =
      table === 'audit_events'
        ? await db.$executeRaw(sql`DELETE FROM "audit_events" WHERE "id" IN (SELECT "id" FROM "audit_events" WHERE "created_at" < ${before} LIMIT ${CHUNK})`)
        : await db.$executeRaw(sql`DELETE FROM "sign_ins" WHERE "id" IN (SELECT "id" FROM "sign_ins" WHERE "created_at" < ${before} LIMIT ${CHUNK})`);
    total += n;
    if (n < CHUNK) return total;
  }
}

/** Deletes what is older than the retention periods, as of `now`; returns how many rows of each went. */
export async function pruneActivity(db: Db, retention: Retention, now = new Date()): Promise<{ auditEvents: number; signIns: number }> {
  const auditEvents = await pruneTable(db, 'audit_events', new Date(now.getTime() - retention.auditRetentionDays * DAY_MS));
  const signIns = await pruneTable(db, 'sign_ins', new Date(now.getTime() - retention.signInRetentionDays * DAY_MS));
  return { auditEvents, signIns };
}

/** The background pruning, started and stopped with the server; its timers never keep the process alive. */
export class ActivityPruner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly retention: Retention,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setTimeout(() => {
      this.tick();
      this.timer = setInterval(() => {
        this.tick();
      }, EVERY_MS).unref();
    }, FIRST_RUN_MS).unref();
  }

  private tick(): void {
    if (this.running) return;
    this.running = pruneActivity(this.db, this.retention)
      .then((n) => {
        if (n.auditEvents || n.signIns) this.logger.info({ pruned: n }, 'pruned audit events and sign-in activity past retention');
      })
      .catch((err: unknown) => {
        this.logger.warn({ err: { message: (err as Error).message } }, 'retention pruning failed; retried at the next run');
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Stops the timers and waits for a run in progress, so the database is not closed under it. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.running;
  }
}
