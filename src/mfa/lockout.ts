// The second-factor lockout (CONTRACT §11): 10 failed codes within 15 minutes lock the user's
// second-factor step for 15 minutes, apart from the password limits. Kept in the database (one row
// per user, changed by single UPDATE statements), so every instance sees the same count and lock
// with or without Redis; failures are rare, so the write costs nothing on the sign-in path.
import type { Db } from '../db/client.ts';
import { rateLimited } from '../http/errors.ts';

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;
export const LOCK_MS = 15 * 60 * 1000;

/** Throws 429 (Retry-After) while the user's second-factor step is locked. */
export async function assertNotLocked(db: Db, userId: string): Promise<void> {
  const row = await db.mfaLockout.findUnique({ where: { userId } });
  const until = row?.lockedUntil;
  if (until && until > new Date()) throw rateLimited(Math.ceil((until.getTime() - Date.now()) / 1000));
}

/** Counts one failure; the tenth in a window sets the lock. */
export async function recordFailure(db: Db, userId: string): Promise<void> {
  const now = new Date();
  const windowFrom = new Date(now.getTime() - WINDOW_MS);
  await db.mfaLockout.upsert({ where: { userId }, create: { userId, failures: 0, windowStart: now }, update: {} });
  // A window that ended (or a lock that ran out) starts over; otherwise one more failure, atomically.
  await db.mfaLockout.updateMany({
    where: { userId, OR: [{ windowStart: { lt: windowFrom } }, { lockedUntil: { lte: now } }] },
    data: { failures: 0, windowStart: now, lockedUntil: null },
  });
  await db.mfaLockout.updateMany({ where: { userId }, data: { failures: { increment: 1 } } });
  await db.mfaLockout.updateMany({
    where: { userId, failures: { gte: MAX_FAILURES }, lockedUntil: null },
    data: { lockedUntil: new Date(now.getTime() + LOCK_MS) },
  });
}

/** A second factor passed: the count starts over. */
export async function clearFailures(db: Db, userId: string): Promise<void> {
  await db.mfaLockout.deleteMany({ where: { userId, lockedUntil: null } });
}
