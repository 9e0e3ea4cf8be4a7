// Whether a user has a second factor (TOTP or a WebAuthn credential), cached per instance. SSO with a
// session that passed only the password asks it every time (mfa/policy.ts: a user who has a factor is
// stepped up), and the answer changes only when a factor is enrolled or removed. Every such change
// publishes `factors:<user id>` on the invalidation bus (factorsChanged below), so this instance, and
// every other one (Redis pub/sub, or the primary's relay between workers), drops the entry at once.
// Like the SAML directory: a cached entry is trusted only after the bus's barrier (sync), a load that
// overlapped an invalidation is not kept, and the TTL is only a backstop.
import { LRUCache } from 'lru-cache';
import type { Database, Db } from '../db/client.ts';
import { sql } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import { count, runRead } from '../db/statements.ts';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 50_000;

export class FactorPresence {
  private cache: LRUCache<string, boolean> | undefined;
  /** Built on first use: lru-cache allocates its arrays for `max` entries up front (~15 ms at 50 000). */
  private get byUser(): LRUCache<string, boolean> {
    return (this.cache ??= new LRUCache<string, boolean>({ max: MAX_ENTRIES, ttl: TTL_MS }));
  }

  constructor(
    private readonly database: Database,
    private readonly bus: InvalidationBus,
  ) {
    bus.onInvalidate((m) => {
      // this.cache, not byUser: an invalidation does not build a cache that was never used.
      if (m.kind === 'all') this.cache?.clear();
      else if (m.kind === 'factors') this.cache?.delete(m.id);
    });
  }

  /** True when the user has TOTP or a WebAuthn credential (recovery codes only stand in for one). */
  async has(userId: string): Promise<boolean> {
    const trusted = await this.bus.sync();
    const hit = trusted ? this.byUser.get(userId) : undefined;
    if (hit !== undefined) return hit;
    const mark = this.bus.mark();
    const found = await hasSecondFactor(this.database, userId);
    if (trusted && this.bus.unchangedSince(mark)) this.byUser.set(userId, found);
    return found;
  }
}

/**
 * A factor that can pass the second step on its own: TOTP or a WebAuthn credential (recovery codes
 * only stand in for one). Read now, in one statement (on SQLite, the direct connection): what the cache
 * above loads, and what pages deciding on a user's own factors ask uncached.
 */
export async function hasSecondFactor(database: Database, userId: string): Promise<boolean> {
  const [row] = await runRead(
    database.prisma,
    database.direct,
    sql`SELECT (SELECT COUNT(*) FROM "totp_factors" WHERE "user_id" = ${userId}) + (SELECT COUNT(*) FROM "webauthn_credentials" WHERE "user_id" = ${userId}) AS "n"`,
  );
  return row !== undefined && count(row, 'n') > 0;
}

/**
 * Every instance forgets what it knew of the user's factors. Called after the change is committed:
 * enrollment (TOTP, passkey), removal on /account and the admin's reset.
 */
export function factorsChanged(bus: InvalidationBus, userId: string): Promise<void> {
  return bus.publish({ kind: 'factors', id: userId });
}

/**
 * Whether a factor was enrolled at or after `since` (an enrollment step's start). Adding a factor beside
 * another asks for re-authentication when the step starts; a step begun while the user had none was not
 * asked, so it may not finish beside a factor added meanwhile.
 */
export async function factorAddedSince(db: Db, userId: string, since: Date): Promise<boolean> {
  const where = { userId, createdAt: { gte: since } };
  return (await db.totpFactor.count({ where })) + (await db.webauthnCredential.count({ where })) > 0;
}
