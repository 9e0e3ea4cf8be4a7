// X-API-Key authentication for the Service API. Keys are looked up by keyed hash; the result is
// cached in process because every backend request pays for it. Deletion invalidates the cache entry
// at once, and with REDIS_URL the invalidation is broadcast so every instance drops it before the
// next request it serves. Entries also expire after a short TTL as a backstop.
import type { Redis } from 'ioredis';
import type { Db } from '../db/client.ts';
import type { Logger } from '../http/log.ts';
import { unauthorized } from '../http/errors.ts';
import { apiKeyHasher, isWellFormedApiKey } from '../security/api-key.ts';
import { parseStringArray } from '../http/present.ts';
import { isPermission, type Permission } from '../api-keys/permissions.ts';

export interface KeyPrincipal {
  keyId: string;
  keyHash: string;
  permissions: ReadonlySet<Permission>;
  expiresAt: number | null;
  service: { id: string; organizationId: string; name: string; slug: string; serviceType: string; createdAt: Date };
}

interface Entry { principal: KeyPrincipal | null; cachedAt: number; lastUsedWritten: number }

const CHANNEL = 'tessera:api-key-invalidation';
const POSITIVE_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 10_000;
const LAST_USED_EVERY_MS = 60_000;
const FLUSH_EVERY_MS = 5_000;
const MAX_ENTRIES = 50_000;

export const INVALID_KEY_MESSAGE = 'Invalid or missing API key';

export class ApiKeyAuth {
  readonly hash: (key: string) => string;
  private readonly cache = new Map<string, Entry>();
  private subscriber: Redis | undefined;
  /** Keys used since the last flush (id → time): written together, off the request path. */
  private readonly usedSince = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db, secret: string, private readonly logger: Logger, private readonly redis?: Redis) {
    this.hash = apiKeyHasher(secret);
  }

  /** Subscribes to invalidations from other instances (no-op without Redis). */
  async start(): Promise<void> {
    this.flushTimer = setInterval(() => void this.flushLastUsed(), FLUSH_EVERY_MS);
    this.flushTimer.unref();
    if (!this.redis) return;
    // The duplicate inherits lazyConnect/enableOfflineQueue:false from the main client, so it must be
    // connected explicitly before SUBSCRIBE (otherwise start-up fails with "Stream isn't writeable").
    this.subscriber = this.redis.duplicate({ lazyConnect: true });
    this.subscriber.on('error', (err: Error) => this.logger.error({ err: { message: err.message } }, 'api-key invalidation subscriber error'));
    this.subscriber.on('message', (_channel: string, message: string) => this.applyInvalidation(message));
    await this.subscriber.connect();
    await this.subscriber.subscribe(CHANNEL);
  }

  /** Writes last_used_at for every key used since the last flush: one statement per 500 keys. */
  async flushLastUsed(): Promise<void> {
    if (this.usedSince.size === 0) return;
    const ids = [...this.usedSince.keys()];
    const at = new Date(Math.max(...this.usedSince.values()));
    this.usedSince.clear();
    try {
      for (let i = 0; i < ids.length; i += 500) {
        await this.db.apiKey.updateMany({ where: { id: { in: ids.slice(i, i + 500) } }, data: { lastUsedAt: at } });
      }
    } catch (err) {
      this.logger.warn({ err: { message: (err as Error).message } }, 'could not record api key use');
    }
  }

  async stop(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.flushLastUsed();
    if (this.subscriber) this.subscriber.disconnect();
  }

  async authenticate(rawKey: string | undefined): Promise<KeyPrincipal> {
    if (!rawKey || rawKey.length > 128) throw unauthorized(INVALID_KEY_MESSAGE);
    const keyHash = this.hash(rawKey);
    const now = Date.now();
    let entry = this.cache.get(keyHash);
    // A malformed key (bad shape or checksum) never reaches the database. A cached entry was stored
    // for a well-formed key with this very HMAC, so the checksum is only needed before a lookup.
    if (!entry && !isWellFormedApiKey(rawKey)) throw unauthorized(INVALID_KEY_MESSAGE);
    if (entry && this.subscriber) {
      await this.syncInvalidations();
      entry = this.cache.get(keyHash);
    }
    if (!entry || now - entry.cachedAt > (entry.principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS)) {
      entry = { principal: await this.load(keyHash), cachedAt: now, lastUsedWritten: entry?.lastUsedWritten ?? 0 };
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      this.cache.set(keyHash, entry);
    }
    const p = entry.principal;
    if (!p || (p.expiresAt !== null && p.expiresAt <= now)) throw unauthorized(INVALID_KEY_MESSAGE);
    if (now - entry.lastUsedWritten > LAST_USED_EVERY_MS) {
      entry.lastUsedWritten = now;
      this.usedSince.set(p.keyId, now);
    }
    return p;
  }

  private async load(keyHash: string): Promise<KeyPrincipal | null> {
    const row = await this.db.apiKey.findUnique({ where: { keyHash }, include: { service: true } });
    if (!row) return null;
    return {
      keyId: row.id,
      keyHash,
      permissions: new Set(parseStringArray(row.permissions).filter(isPermission)),
      expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
      service: {
        id: row.service.id,
        organizationId: row.service.organizationId,
        name: row.service.name,
        slug: row.service.slug,
        serviceType: row.service.serviceType,
        createdAt: row.service.createdAt,
      },
    };
  }

  /**
   * A barrier before trusting a cached entry: Redis answers a PING on the subscriber connection only
   * after every message published before it, and ioredis emits them in order, so any invalidation
   * published before this request (e.g. by the instance that answered the DELETE) is applied by now.
   * Without it a warm instance could serve a revoked key until the message happened to arrive.
   */
  private async syncInvalidations(): Promise<void> {
    try {
      await this.subscriber?.ping();
    } catch (err) {
      // Redis is down: the rate limiter refuses the request anyway (fail closed); the TTL remains the backstop.
      this.logger.warn({ err: { message: (err as Error).message } }, 'could not sync api-key invalidations');
    }
  }

  /** A key was deleted: drop it here and on every other instance. */
  async revoke(keyHash: string): Promise<void> {
    await this.broadcast(`key:${keyHash}`);
  }

  /** The service changed (renamed, deleted): drop every cached key of it. */
  invalidateService(serviceId: string): void {
    void this.broadcast(`service:${serviceId}`);
  }

  invalidateAll(): void {
    void this.broadcast('all');
  }

  private async broadcast(message: string): Promise<void> {
    this.applyInvalidation(message);
    if (!this.redis) return;
    try {
      await this.redis.publish(CHANNEL, message);
    } catch (err) {
      this.logger.error({ err: { message: (err as Error).message } }, 'could not broadcast api-key invalidation; other instances drop it within 60 s');
    }
  }

  private applyInvalidation(message: string): void {
    if (message === 'all') {
      this.cache.clear();
    } else if (message.startsWith('key:')) {
      this.cache.delete(message.slice(4));
    } else if (message.startsWith('service:')) {
      const id = message.slice(8);
      for (const [k, e] of this.cache) if (e.principal?.service.id === id) this.cache.delete(k);
    }
  }
}
