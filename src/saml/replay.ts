// Seen request IDs per service, shared by every instance: in Redis (SET NX PX) when REDIS_URL is set,
// else in the database (a primary-key insert that fails for a repeat). Redis down → refuse (fail closed).
import type { Deps } from '../deps.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { badRequest, serviceUnavailable } from '../http/errors.ts';

export class ReplayCache {
  private lastPurge = 0;
  constructor(private readonly deps: Deps) {}

  /** Records the ID; throws 400 when it was seen before (until `expiresAt`). */
  async remember(serviceId: string, requestId: string, expiresAt: Date): Promise<void> {
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
      if (set !== 'OK') throw badRequest('This request was already used (replay)');
      return;
    }
    try {
      await db.samlReplay.create({ data: { key, expiresAt } });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const row = await db.samlReplay.findUnique({ where: { key } });
      if (row && row.expiresAt > new Date()) throw badRequest('This request was already used (replay)');
      // An expired entry for the same ID: the request is refused by the IssueInstant window anyway.
      throw badRequest('This request was already used (replay)');
    }
    if (Date.now() - this.lastPurge > 60_000) {
      this.lastPurge = Date.now();
      void db.samlReplay.deleteMany({ where: { expiresAt: { lt: new Date() } } }).catch(() => undefined);
    }
  }
}
