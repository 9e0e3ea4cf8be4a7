// Keeps in-process copies of database rows (API keys, SAML service settings and signing keys) coherent
// across instances. A change is applied to this instance's caches at once and, with REDIS_URL, published
// on one pub/sub channel that every instance subscribes to. A publish that fails is sent again in the
// background until Redis takes it, so a blip on this instance's Redis connection does not leave other
// instances serving a revoked key for a whole cache TTL.
//
// Messages name what changed: `key:<hash>` (an API key was deleted), `service:<id>` (a service, its SAML
// configuration or certificates changed, or it was deleted), `org:<id>` (an organization changed or was
// deleted), `webhooks:<org id>` (an organization's webhooks changed), `factors:<user id>` (a user's
// second factors were added or removed), `all`.
//
// Workers of one process (TESSERA_WORKERS > 1) without Redis relay the same messages through their
// primary instead (cluster/worker-peer.ts): publish() resolves once every other worker applied it.
import type { Redis } from 'ioredis';
import type { WorkerPeer } from '../cluster/worker-peer.ts';
import type { Logger } from '../http/log.ts';

const CHANNEL = 'tessera:cache-invalidation';
const SYNC_WARNING_EVERY_MS = 10_000;
/**
 * How long one PUBLISH may take. A broken connection rejects at once (no offline queue), but a Redis
 * that accepts and does not answer (paused, overloaded, a half-open connection) would hold the
 * admin's request, and every retry behind it, indefinitely.
 */
const PUBLISH_TIMEOUT_MS = 1000;
/** Retries of undelivered invalidations: 250 ms, doubling, then every 2 s until they land. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2000;
/** Past this many undelivered messages they are replaced by one `all`: memory stays bounded. */
const MAX_UNDELIVERED = 1000;

export type Invalidation =
  | { kind: 'key'; id: string }
  | { kind: 'service'; id: string }
  | { kind: 'org'; id: string }
  | { kind: 'webhooks'; id: string }
  | { kind: 'factors'; id: string }
  | { kind: 'all' };

function encode(m: Invalidation): string {
  return m.kind === 'all' ? 'all' : `${m.kind}:${m.id}`;
}

function decode(text: string): Invalidation | null {
  if (text === 'all') return { kind: 'all' };
  const colon = text.indexOf(':');
  const kind = text.slice(0, colon);
  const id = text.slice(colon + 1);
  if (colon < 1 || !id) return null;
  return kind === 'key' || kind === 'service' || kind === 'org' || kind === 'webhooks' || kind === 'factors' ? { kind, id } : null;
}

export class InvalidationBus {
  private subscriber: Redis | undefined;
  private readonly handlers: ((m: Invalidation) => void)[] = [];
  /** Bumped by every invalidation: a load that started before one must not fill a cache with its result. */
  private generation = 0;
  private lastSyncWarning = 0;
  /** Subscribed and receiving: false from a lost connection until the subscription is back. */
  private live = false;
  /** Encoded messages whose PUBLISH failed, sent again in the background until Redis takes them. */
  private readonly undelivered = new Set<string>();
  private redelivering: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly redis: Redis | undefined,
    private readonly logger: Logger,
    /** The other workers of this process, when there are any and no Redis. */
    private readonly peer?: WorkerPeer,
  ) {}

  /** True when instances share invalidations over Redis: then a cached entry is trusted only after `sync()`. */
  get shared(): boolean {
    return this.redis !== undefined;
  }

  async start(): Promise<void> {
    this.peer?.onInvalidate((text) => {
      const m = decode(text);
      if (m) this.apply(m);
    });
    if (!this.redis) return;
    // The duplicate inherits lazyConnect/enableOfflineQueue:false from the main client, so it must be
    // connected explicitly before SUBSCRIBE (otherwise start-up fails with "Stream isn't writeable").
    this.subscriber = this.redis.duplicate({ lazyConnect: true });
    this.subscriber.on('error', (err: Error) => {
      this.logger.error({ err: { message: err.message } }, 'cache invalidation subscriber error');
    });
    this.subscriber.on('message', (_channel: string, text: string) => {
      const m = decode(text);
      if (m) this.apply(m);
    });
    // Messages published while the subscriber is away are lost for good (pub/sub keeps nothing): drop
    // everything cached when the connection goes, trust nothing until it is subscribed again, then drop
    // everything once more. ioredis re-subscribes right after 'ready'; a PING queued behind that
    // SUBSCRIBE answers only once it has taken effect.
    this.subscriber.on('close', () => {
      this.live = false;
      this.apply({ kind: 'all' });
    });
    this.subscriber.on('ready', () => {
      process.nextTick(() => {
        this.subscriber?.ping().then(
          () => {
            this.apply({ kind: 'all' });
            this.live = true;
          },
          () => undefined,
        ); // lost again: the next 'ready' tries again
      });
    });
    await this.subscriber.connect();
    await this.subscriber.subscribe(CHANNEL);
    this.live = true;
  }

  stop(): void {
    this.stopped = true;
    if (this.undelivered.size)
      this.logger.error(
        { undelivered: this.undelivered.size },
        'stopping with cache invalidations not yet broadcast; other instances drop those entries when their TTL ends',
      );
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.subscriber?.disconnect();
  }

  onInvalidate(handler: (m: Invalidation) => void): void {
    this.handlers.push(handler);
  }

  /** The current generation: pass it to `unchangedSince` after a load to know whether it may be cached. */
  mark(): number {
    return this.generation;
  }

  unchangedSince(mark: number): boolean {
    return this.generation === mark;
  }

  /**
   * Applies the change here, then tells every other instance. Resolves once Redis has it, or once the
   * first attempt failed (within PUBLISH_TIMEOUT_MS): the change itself is committed, so the caller's
   * answer does not depend on the broadcast. A failed broadcast is not dropped: other instances would
   * keep serving what changed (a revoked key) until their cache TTL ends, so it is sent again in the
   * background until it lands.
   */
  async publish(m: Invalidation): Promise<void> {
    this.apply(m);
    if (!this.redis) {
      if (this.peer && !(await this.peer.broadcast(encode(m)))) {
        this.logger.error('another worker did not confirm a cache invalidation in time; it drops the entry when its TTL ends');
      }
      return;
    }
    const text = encode(m);
    try {
      await this.send(text);
    } catch (err) {
      this.logger.error(
        { err: { message: (err as Error).message } },
        'could not broadcast a cache invalidation; retrying in the background until Redis takes it',
      );
      this.redeliverLater(text);
    }
  }

  /** One PUBLISH, bounded in time. A late answer to a PUBLISH given up on is harmless: a repeat drops nothing more. */
  private send(text: string): Promise<void> {
    const redis = this.redis;
    if (!redis) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Redis did not take the PUBLISH within ${PUBLISH_TIMEOUT_MS} ms`));
      }, PUBLISH_TIMEOUT_MS);
      redis.publish(CHANNEL, text).then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  private redeliverLater(text: string): void {
    if (this.stopped) return;
    if (this.undelivered.size >= MAX_UNDELIVERED && !this.undelivered.has(text)) {
      // Everything is dropped everywhere: coarser, but covers every message it replaces.
      this.undelivered.clear();
      this.undelivered.add(encode({ kind: 'all' }));
    } else {
      this.undelivered.add(text);
    }
    this.startRedelivery();
  }

  private startRedelivery(): void {
    this.redelivering ??= this.redeliver().finally(() => {
      this.redelivering = undefined;
      // A failure that arrived while the loop was ending found it still "running": start again.
      if (this.undelivered.size && !this.stopped) this.startRedelivery();
    });
  }

  /** Sends the undelivered messages again, backing off while Redis refuses, until none is left or the bus stops. */
  private async redeliver(): Promise<void> {
    let delay = RETRY_FIRST_MS;
    let attempts = 0;
    while (this.undelivered.size && !this.stopped) {
      await this.pause(delay);
      attempts++;
      try {
        for (const text of [...this.undelivered]) {
          // stop() may run during the awaits above; the type checker cannot see that.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
          if (this.stopped) return;
          await this.send(text);
          this.undelivered.delete(text);
        }
      } catch {
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
    if (!this.stopped) this.logger.info({ attempts }, 'delayed cache invalidations broadcast');
  }

  /** A timer that stop() cuts short, and that does not keep the process alive on its own. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
      this.retryTimer.unref();
    });
  }

  /**
   * A barrier before trusting a cached entry: Redis answers a PING on the subscriber connection only
   * after every message published before it, and ioredis emits them in order, so any invalidation
   * published before this call (e.g. by the instance that answered an admin's DELETE) is applied by
   * the time it resolves. Without it a warm instance could serve a revoked key or sign with a
   * replaced certificate until the message happened to arrive. False when Redis could not answer:
   * then no cached entry may be trusted.
   */
  async sync(): Promise<boolean> {
    if (!this.subscriber) return true;
    if (!this.live) return false;
    try {
      await this.subscriber.ping();
      return true;
    } catch (err) {
      // Redis is away: invalidations may be missed, so callers read the database instead of their
      // cache. Said once per interval, not once per request.
      const now = Date.now();
      if (now - this.lastSyncWarning > SYNC_WARNING_EVERY_MS) {
        this.lastSyncWarning = now;
        this.logger.warn({ err: { message: (err as Error).message } }, 'could not sync cache invalidations: reading from the database until Redis is back');
      }
      return false;
    }
  }

  private apply(m: Invalidation): void {
    this.generation++;
    for (const h of this.handlers) h(m);
  }
}
