// X-API-Key authentication for the Service API. Keys are looked up by keyed hash; the result is
// cached in process because every backend request pays for it. Deletion invalidates the cache entry
// at once, and with REDIS_URL the invalidation is broadcast (src/db/invalidation.ts) so every instance
// drops it before the next request it serves. Entries also expire after a short TTL as a backstop;
// keys in steady use are read again in batches before they do (refreshSoonStale), off the request path.
import { LRUCache } from 'lru-cache';
import type { Database, Db } from '../db/client.ts';
import { join, sql } from '../db/client.ts';
import { date, dateOrNull, runBatch, runRead, text, type Row } from '../db/statements.ts';
import type { Logger } from '../http/log.ts';
import { GroupCommit } from '../db/group-commit.ts';
import { lastUsedStatements } from './last-used.ts';
import type { Invalidation, InvalidationBus } from '../db/invalidation.ts';
import { unauthorized } from '../http/errors.ts';
import { apiKeyCacheKey, apiKeyHasher, isWellFormedApiKey } from '../security/api-key.ts';
import { parseStringArray } from '../http/present.ts';
import { isPermission, type Permission } from '../api-keys/permissions.ts';

export interface KeyPrincipal {
  keyId: string;
  keyHash: string;
  permissions: ReadonlySet<Permission>;
  expiresAt: number | null;
  service: { id: string; organizationId: string; name: string; slug: string; serviceType: string; createdAt: Date };
}

/** `used`: served since its row was last read (what the refresh sweep renews; idle keys just expire). */
interface Entry {
  principal: KeyPrincipal | null;
  staleAt: number;
  lastUsedWritten: number;
  used: boolean;
}

const POSITIVE_TTL_MS = 48_000; // × 0.75–1.25: an entry lives at most 60 s
const NEGATIVE_TTL_MS = 8_000; // at most 10 s
const LAST_USED_EVERY_MS = 60_000;
const FLUSH_EVERY_MS = 5_000;
/**
 * Every FLUSH_EVERY_MS, the keys in use that go stale within this horizon are read again, together, off
 * the request path: a key in steady use never waits on the database for its TTL.
 */
const REFRESH_AHEAD_MS = 12_000;
const MAX_ENTRIES = 50_000;
/** Keys read together, this many hashes a statement at most. */
const MAX_BATCH = 256;

/**
 * The IN list padded to the next power of two (with repeats of its first hash), so SQLite prepares
 * at most nine statement texts for every batch size up to MAX_BATCH.
 */
function padded(hashes: string[]): string[] {
  let size = 1;
  while (size < hashes.length) size *= 2;
  const first = hashes[0] ?? '';
  return size === hashes.length ? hashes : [...hashes, ...Array<string>(size - hashes.length).fill(first)];
}

export const INVALID_KEY_MESSAGE = 'Invalid or missing API key';

export class ApiKeyAuth {
  readonly hash: (key: string) => string;
  /**
   * By apiKeyCacheKey(raw key), at most MAX_ENTRIES: when full, the least recently used key goes (one
   * reload later if it comes back), never the whole cache at once. Each entry expires with its own TTL
   * (`staleAt`); cacheKeyOf finds an entry from the stored HMAC (for revocation) and loses a key with
   * its entry.
   */
  private lru: LRUCache<string, Entry> | undefined;
  /** Built on first use: lru-cache allocates its arrays for `max` entries up front (~10 ms at 50 000). */
  private get cache(): LRUCache<string, Entry> {
    return (this.lru ??= new LRUCache<string, Entry>({
      max: this.maxEntries,
      dispose: (e, cacheKey, reason) => {
        if (reason !== 'set' && e.principal && this.cacheKeyOf.get(e.principal.keyHash) === cacheKey) this.cacheKeyOf.delete(e.principal.keyHash);
      },
    }));
  }
  private readonly cacheKeyOf = new Map<string, string>();
  /** Keys used since the last flush (id → time): written together, off the request path. */
  private readonly usedSince = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;
  /**
   * First-use lookups: the ones made in one turn of the event loop are read with one statement
   * (`key_hash IN (…)`, the same unique index), one row per key however many requests wait on it. A
   * batch is taken whole before its read starts, so a lookup never joins a read already under way: the
   * row is always read after the caller's `bus.mark()`, as loadEntry's invalidation check requires. A
   * batch that fails is read again key by key, so one key's failure stays its own.
   */
  private readonly lookups: GroupCommit<string, KeyPrincipal | null, Map<string, KeyPrincipal>>;
  private refreshing: Promise<void> | undefined;

  private readonly db: Db;
  constructor(
    private readonly database: Database,
    secret: string,
    private readonly logger: Logger,
    private readonly bus: InvalidationBus,
    private readonly maxEntries = MAX_ENTRIES,
  ) {
    this.db = database.prisma;
    this.hash = apiKeyHasher(secret);
    this.lookups = new GroupCommit(
      (hashes) => this.readRows([...new Set(hashes)]),
      (found, hashes) => hashes.map((h) => found.get(h) ?? null),
      undefined,
      MAX_BATCH,
    );
    bus.onInvalidate((m) => {
      this.applyInvalidation(m);
    });
  }

  start(): void {
    this.flushTimer = setInterval(() => {
      void this.flushLastUsed();
      this.refreshing ??= this.refreshSoonStale().finally(() => {
        this.refreshing = undefined;
      });
    }, FLUSH_EVERY_MS);
    this.flushTimer.unref();
  }

  /** Writes last_used_at for every key used since the last flush, each its own time: one transaction. */
  async flushLastUsed(): Promise<void> {
    if (this.usedSince.size === 0) return;
    const statements = lastUsedStatements(this.usedSince);
    this.usedSince.clear();
    try {
      await runBatch(this.db, this.database.direct, statements);
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'could not record api key use');
    }
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.refreshing;
    await this.flushLastUsed();
  }

  /**
   * The key's principal, or a 401. A fresh cache entry on a single instance (the common case) is
   * answered synchronously, without a promise; anything else reads the row (loadEntry).
   */
  authenticate(rawKey: string | undefined): KeyPrincipal | Promise<KeyPrincipal> {
    if (!rawKey || rawKey.length > 128) throw unauthorized(INVALID_KEY_MESSAGE);
    const cacheKey = apiKeyCacheKey(rawKey);
    const now = Date.now();
    const entry = this.cache.get(cacheKey);
    if (entry && !this.bus.shared && now <= entry.staleAt) return this.admit(entry, now);
    // A malformed key (bad shape or checksum) never reaches the database. A cached entry was stored
    // for a well-formed key with this very digest, so the checksum is only needed before a lookup.
    if (!entry && !isWellFormedApiKey(rawKey)) throw unauthorized(INVALID_KEY_MESSAGE);
    return this.loadEntry(rawKey, cacheKey, entry, now).then((e) => this.admit(e, now));
  }

  private async loadEntry(rawKey: string, cacheKey: string, cached: Entry | undefined, now: number): Promise<Entry> {
    let entry = cached;
    // On a shared deployment a cached entry counts only once the invalidations published before this
    // request have arrived; when that cannot be known (Redis away), the row is read again.
    let trusted = true;
    if (entry && this.bus.shared) {
      trusted = await this.bus.sync();
      entry = this.cache.get(cacheKey);
    }
    if (entry && trusted && now <= entry.staleAt) return entry;
    const mark = this.bus.mark();
    const principal = await this.lookups.submit(this.hash(rawKey));
    const ttl = jittered(principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS);
    const loaded = { principal, staleAt: now + ttl, lastUsedWritten: entry?.lastUsedWritten ?? 0, used: false };
    // An invalidation that arrived while loading may concern this very key: use the row, don't keep it.
    if (this.bus.unchangedSince(mark)) {
      this.cache.set(cacheKey, loaded, { ttl });
      if (loaded.principal) this.cacheKeyOf.set(loaded.principal.keyHash, cacheKey);
    }
    return loaded;
  }

  /** A known key: refused when revoked or expired; its use noted for last_used_at (once a minute). */
  private admit(entry: Entry, now: number): KeyPrincipal {
    const p = entry.principal;
    if (!p || (p.expiresAt !== null && p.expiresAt <= now)) throw unauthorized(INVALID_KEY_MESSAGE);
    entry.used = true;
    if (now - entry.lastUsedWritten > LAST_USED_EVERY_MS) {
      entry.lastUsedWritten = now;
      this.usedSince.set(p.keyId, now);
    }
    return p;
  }

  /** The rows of these key hashes (absent: no such key), MAX_BATCH hashes a statement. */
  private async readRows(hashes: string[]): Promise<Map<string, KeyPrincipal>> {
    const found = new Map<string, KeyPrincipal>();
    for (let i = 0; i < hashes.length; i += MAX_BATCH) {
      // A long list (a refresh of many keys) lets requests run between its statements.
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const rows = await runRead(
        this.db,
        this.database.direct,
        sql`SELECT k."key_hash", k."id", k."permissions", k."expires_at",
          s."id" AS "service_id", s."organization_id", s."name", s."slug", s."service_type", s."created_at"
        FROM "api_keys" k JOIN "services" s ON s."id" = k."service_id" WHERE k."key_hash" IN (${join(padded(hashes.slice(i, i + MAX_BATCH)))})`,
      );
      for (const row of rows) found.set(text(row, 'key_hash'), principalOf(row));
    }
    return found;
  }

  /**
   * Reads again, in batches, every key served since its row was last read whose entry goes stale within
   * `horizonMs`, and renews those entries in place (a key whose row is gone is dropped). The TTL stays
   * the backstop it was: each renewal is a fresh read of the row. Only entries still in the cache as
   * they were are renewed: an invalidation that arrives during the read removes every entry it
   * concerns, and a load after it makes a new principal, so a row read before a change can never
   * outlive that change's invalidation. (Unlike loadEntry, nothing here needs the bus's mark, and a
   * busy bus does not throw a whole sweep away.)
   */
  async refreshSoonStale(horizonMs = REFRESH_AHEAD_MS): Promise<void> {
    const now = Date.now();
    // Each with the principal it had, to know it unchanged after the read. A use from now on counts
    // towards the next sweep.
    const due: [string, KeyPrincipal][] = [];
    // Not this.cache: a cache never used is not built for a sweep.
    for (const [cacheKey, e] of this.lru ?? []) {
      if (e.principal && e.used && e.staleAt - now <= horizonMs) {
        due.push([cacheKey, e.principal]);
        e.used = false;
      }
    }
    if (due.length === 0) return;
    let found: Map<string, KeyPrincipal>;
    try {
      found = await this.readRows(due.map(([, p]) => p.keyHash));
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'could not refresh cached api keys');
      return;
    }
    for (const [cacheKey, seen] of due) {
      const entry = this.cache.get(cacheKey);
      if (!entry || entry.principal !== seen) continue;
      const principal = found.get(seen.keyHash);
      if (principal) {
        const ttl = jittered(POSITIVE_TTL_MS);
        entry.principal = principal;
        entry.staleAt = now + ttl;
        this.cache.set(cacheKey, entry, { ttl }); // the cache's own expiry moves with it
      } else {
        this.cache.delete(cacheKey);
        this.cacheKeyOf.delete(seen.keyHash);
      }
    }
  }

  /** A key was deleted: drop it here and on every other instance. */
  revoke(keyHash: string): Promise<void> {
    return this.bus.publish({ kind: 'key', id: keyHash });
  }

  private clearCache(): void {
    this.lru?.clear();
    this.cacheKeyOf.clear();
  }

  private applyInvalidation(m: Invalidation): void {
    if (m.kind === 'webhooks' || m.kind === 'factors') return; // nothing of a key depends on webhooks or second factors
    if (m.kind === 'all') {
      this.clearCache();
    } else if (m.kind === 'key') {
      const k = this.cacheKeyOf.get(m.id);
      if (k !== undefined) this.lru?.delete(k);
      this.cacheKeyOf.delete(m.id);
    } else {
      const matches = m.kind === 'service' ? (p: KeyPrincipal) => p.service.id === m.id : (p: KeyPrincipal) => p.service.organizationId === m.id;
      // Keys collected first: the cache is not changed while it is being walked (dispose drops cacheKeyOf).
      const gone = [...(this.lru?.entries() ?? [])].filter(([, e]) => e.principal !== null && matches(e.principal)).map(([k]) => k);
      for (const k of gone) this.lru?.delete(k);
    }
  }
}

/**
 * The TTL is only a backstop (invalidation is explicit); spread by ±25 % so keys cached together are
 * not all reloaded in the same second.
 */
function jittered(ms: number): number {
  return ms * (0.75 + Math.random() / 2);
}

/** A key row joined with its service (readRows' columns). */
function principalOf(row: Row): KeyPrincipal {
  return {
    keyId: text(row, 'id'),
    keyHash: text(row, 'key_hash'),
    permissions: new Set(parseStringArray(text(row, 'permissions')).filter(isPermission)),
    expiresAt: dateOrNull(row, 'expires_at')?.getTime() ?? null,
    service: {
      id: text(row, 'service_id'),
      organizationId: text(row, 'organization_id'),
      name: text(row, 'name'),
      slug: text(row, 'slug'),
      serviceType: text(row, 'service_type'),
      createdAt: date(row, 'created_at'),
    },
  };
}
