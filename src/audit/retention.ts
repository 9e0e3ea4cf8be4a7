// Retention: audit events older than TESSERA_AUDIT_RETENTION_DAYS, sign-in activity older than
// TESSERA_SIGNIN_RETENTION_DAYS and finished webhook events older than TESSERA_WEBHOOK_RETENTION_DAYS
// (src/webhooks/retention.ts) are deleted in the background, in bounded chunks so no statement holds
// the write lock (SQLite) or a long row lock set (PostgreSQL) for long; so are the Service API lists'
// change rows older than an hour (src/service-api/page-anchors.ts), in one statement, without a log
// line (they are an index's bookkeeping, not history). Every instance prunes; the
// deletes are idempotent, so two instances at once only share the work (a row deleted by one is not
// returned to the other, so it is uncounted once). This is the only code that deletes an audit event.
import type { Db } from '../db/client.ts';
import { limitParam, sql, type Row } from '../db/sql.ts';
import { signInKey, uncountAuditEvents, uncountSignIns } from './day-counts.ts';
import { DAY_MS, floorTo } from '../time-buckets.ts';
import type { Logger } from '../http/log.ts';
import { pruneWebhookChunk } from '../webhooks/retention.ts';
import { LIST_CHANGES_KEPT_MS, pruneListChanges } from '../service-api/page-anchors.ts';

const CHUNK = 5_000;
/** Ten minutes after start, then hourly: retention is in days, so an hour late costs nothing. */
const FIRST_RUN_MS = 10 * 60_000;
const EVERY_MS = 3_600_000;

export interface Retention {
  auditRetentionDays: number;
  signInRetentionDays: number;
  webhookRetentionDays: number;
}

const PRUNE_TX = { maxWait: 10_000, timeout: 60_000 };
const when = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const textOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * One chunk of the oldest rows before `before`, deleted, and taken out of their day counters in the
 * same transaction, so a list's total (day counters plus edge rows) is exact before, during and after.
 */
async function pruneChunk(db: Db, table: 'audit_events' | 'sign_ins', before: Date): Promise<number> {
  // The DELETE and a handful of set-based counter statements (day-counts.ts): the transaction, and the
  // write lock it holds on SQLite, lasts about as long as the DELETE of one chunk. The limits stay
  // generous for a slow disk; sign-ins wait for the lock meanwhile.
  return db.$transaction(async (tx) => {
    if (table === 'audit_events') {
      const rows = await tx.$queryRaw<
        Row[]
      >(sql`DELETE FROM "audit_events" WHERE "id" IN (SELECT "id" FROM "audit_events" WHERE "created_at" < ${before} LIMIT ${limitParam(CHUNK)})
        RETURNING "organization_id", "action", "created_at"`);
      const keys = rows.map((r) => ({ organizationId: String(r.organization_id), day: floorTo(DAY_MS, when(r.created_at)), action: String(r.action) }));
      for (const s of uncountAuditEvents(keys)) await tx.$executeRaw(s);
      return rows.length;
    }
    const rows = await tx.$queryRaw<
      Row[]
    >(sql`DELETE FROM "sign_ins" WHERE "id" IN (SELECT "id" FROM "sign_ins" WHERE "created_at" < ${before} LIMIT ${limitParam(CHUNK)})
      RETURNING "organization_id", "outcome", "reason", "service_id", "created_at"`);
    const keys = rows.map((r) =>
      signInKey({
        organizationId: String(r.organization_id),
        outcome: String(r.outcome),
        reason: textOf(r.reason),
        serviceId: textOf(r.service_id),
        at: when(r.created_at),
      }),
    );
    for (const s of uncountSignIns(keys)) await tx.$executeRaw(s);
    return rows.length;
  }, PRUNE_TX);
}

/** Runs `chunk` (one deletion of at most CHUNK rows) until one finds fewer; returns how many went in all. */
async function inChunks(chunk: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await chunk();
    total += n;
    if (n < CHUNK) return total;
  }
}

/**
 * Deletes what is older than the retention periods, as of `now`, and the Service API lists' changes
 * that page anchors no longer need (page-anchors.ts); returns how many rows of each went.
 */
export async function pruneActivity(
  db: Db,
  retention: Retention,
  now = new Date(),
): Promise<{ auditEvents: number; signIns: number; webhookEvents: number; listChanges: number }> {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
  // First, and in one statement: an hour of changes at most, rows nothing else reads for writing or
  // locks, so nothing waits on the DELETE; and a failure of the chunks below must not let it grow.
  const listChanges = await pruneListChanges(db, new Date(now.getTime() - LIST_CHANGES_KEPT_MS));
  const auditEvents = await inChunks(() => pruneChunk(db, 'audit_events', daysAgo(retention.auditRetentionDays)));
  const signIns = await inChunks(() => pruneChunk(db, 'sign_ins', daysAgo(retention.signInRetentionDays)));
  const webhookEvents = await inChunks(() => pruneWebhookChunk(db, daysAgo(retention.webhookRetentionDays), CHUNK));
  return { auditEvents, signIns, webhookEvents, listChanges };
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
        if (n.auditEvents || n.signIns || n.webhookEvents)
          this.logger.info({ pruned: n }, 'pruned audit events, sign-in activity and webhook events past retention');
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
