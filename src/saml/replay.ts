// Seen request IDs per service, shared by every instance: in Redis (SET NX PX) when REDIS_URL is set,
// else in the database, where a primary-key insert does nothing for a repeat. Database inserts of
// requests arriving together are group-committed: one multi-row INSERT … ON CONFLICT DO NOTHING
// RETURNING tells each request whether its ID was new. Redis down → refuse (fail closed).
import type { Deps } from '../deps.ts';
import type { Database } from '../db/client.ts';
import { sql, join } from '../db/client.ts';
import { byKey, runBatch, text, type Row } from '../db/statements.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { serviceUnavailable } from '../http/errors.ts';

interface Seen {
  key: string;
  expiresAt: Date;
}

/** The first occurrence of each key in the batch: only it can be new. */
function firstOf(batch: Seen[]): Map<string, Seen> {
  const first = new Map<string, Seen>();
  for (const s of batch) if (!first.has(s.key)) first.set(s.key, s);
  return first;
}

/** Inserts the batch's keys; returns the rows of the keys that were new. */
async function insertSeen(database: Database, batch: Seen[]): Promise<Row[]> {
  const [rows = []] = await runBatch(database.prisma, database.direct, [
    sql`INSERT INTO "saml_replay_cache" ("key", "expires_at")
    VALUES ${join([...firstOf(batch).entries()].sort(byKey).map(([, s]) => sql`(${s.key}, ${s.expiresAt})`))}
    ON CONFLICT ("key") DO NOTHING RETURNING "key"`,
  ]);
  return rows;
}

/** true for each key inserted now; false for a key already there (or repeated earlier in the batch). */
function newlySeen(rows: Row[], batch: Seen[]): boolean[] {
  const first = firstOf(batch);
  const inserted = new Set(rows.map((r) => text(r, 'key')));
  return batch.map((s) => first.get(s.key) === s && inserted.has(s.key));
}

export class ReplayCache {
  private lastPurge = 0;
  private readonly group: GroupCommit<Seen, boolean, Row[]>;
  constructor(
    private readonly deps: Deps,
    onBatch?: (size: number) => void,
  ) {
    this.group = new GroupCommit((batch) => insertSeen(deps.database, batch), newlySeen, onBatch);
  }

  /**
   * Records the ID: true when it is new, false when it was seen before (until `expiresAt`); the
   * pipeline's check-replay step turns false into the refusal.
   */
  async remember(serviceId: string, requestId: string, expiresAt: Date): Promise<boolean> {
    const key = `${serviceId}:${requestId}`;
    const { redis, db, logger } = this.deps;
    if (redis) {
      let set: string | null;
      try {
        set = await redis.set(`tessera:replay:${key}`, '1', 'PX', Math.max(1000, expiresAt.getTime() - Date.now()), 'NX');
      } catch (err) {
        logger.error({ err: { message: (err as Error).message } }, 'replay cache (Redis) unavailable: refusing SAML request (fail closed)');
        throw serviceUnavailable('Replay protection is unavailable; try again shortly');
      }
      return set === 'OK';
    }
    // An expired entry for the same ID is refused too: the IssueInstant window refuses such a request anyway.
    if (!(await this.group.submit({ key, expiresAt }))) return false;
    if (Date.now() - this.lastPurge > 60_000) {
      this.lastPurge = Date.now();
      void db.samlReplay.deleteMany({ where: { expiresAt: { lt: new Date() } } }).catch(() => undefined);
    }
    return true;
  }
}
