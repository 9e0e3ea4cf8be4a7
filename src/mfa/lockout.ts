// The second-factor lockout (CONTRACT §11): 10 failed codes within 15 minutes lock the second-factor
// step for 15 minutes, apart from the password limits. Kept in the database (one row per owner,
// changed by single UPDATE statements), so every instance sees the same count and lock with or
// without Redis; failures are rare, so the write costs nothing on the sign-in path. One rule, two
// owners: directory users (mfa_lockouts) and admin accounts (account_mfa_lockouts, auth/totp.ts).
import type { Db } from '../db/client.ts';
import { rateLimited } from '../http/errors.ts';
import { isUniqueViolation } from '../db/errors.ts';

export const MAX_FAILURES = 10;
export const WINDOW_MS = 15 * 60 * 1000;
export const LOCK_MS = 15 * 60 * 1000;

/** The conditions and changes the rule needs; both tables have these columns under these names. */
export interface LockoutFilter {
  OR?: ({ windowStart: { lt: Date } } | { lockedUntil: { lte: Date } })[];
  failures?: { gte: number };
  lockedUntil?: null;
}
export interface LockoutChange {
  failures?: number | { increment: number };
  windowStart?: Date;
  lockedUntil?: Date | null;
}

/** One owner's lockout row, whichever table holds it. */
export interface LockoutRow {
  read(): Promise<{ lockedUntil: Date | null; failures: number } | null>;
  /** Creates the row (count 0, window from `now`) unless it exists. */
  ensure(now: Date): Promise<void>;
  update(where: LockoutFilter, data: LockoutChange): Promise<void>;
  /** Deletes the row unless it holds a lock. */
  clearUnlocked(): Promise<void>;
}

/** Throws 429 (Retry-After) while the owner's second-factor step is locked. */
export async function assertRowNotLocked(row: LockoutRow): Promise<void> {
  const until = (await row.read())?.lockedUntil;
  if (!until || until <= new Date()) return;
  const seconds = Math.ceil((until.getTime() - Date.now()) / 1000);
  throw rateLimited(seconds, `Too many wrong codes: the second-factor step is locked for ${Math.ceil(seconds / 60)} more minute(s)`);
}

/**
 * Takes one attempt before its code is checked, counted as a failure at once (a success then clears the
 * row): checking the lock first and counting afterwards would let a burst of parallel guesses all pass
 * the check before any of them was counted. Throws 429 while locked, or when this attempt is past the
 * limit (which then sets the lock).
 */
export async function reserveRowAttempt(row: LockoutRow): Promise<void> {
  await assertRowNotLocked(row);
  const now = new Date();
  const windowFrom = new Date(now.getTime() - WINDOW_MS);
  // Parallel attempts may all find no row: one creates it, the others' unique violation means it exists.
  await row.ensure(now).catch((err: unknown) => {
    if (!isUniqueViolation(err)) throw err;
  });
  // A window that ended (or a lock that ran out) starts over; otherwise one more attempt, atomically.
  await row.update({ OR: [{ windowStart: { lt: windowFrom } }, { lockedUntil: { lte: now } }] }, { failures: 0, windowStart: now, lockedUntil: null });
  await row.update({}, { failures: { increment: 1 } });
  if (((await row.read())?.failures ?? 0) <= MAX_FAILURES) return;
  await lockIfAtLimit(row, now);
  await assertRowNotLocked(row);
}

/**
 * A reserved attempt passed: only its own count is taken back. (Clearing the row instead would also
 * clear the attempts racing it, which would then never count.)
 */
export async function releaseRowAttempt(row: LockoutRow): Promise<void> {
  await row.update({}, { failures: { increment: -1 } });
}

/** A reserved attempt failed (it is counted already): the tenth failure in a window sets the lock. */
export async function recordRowFailure(row: LockoutRow): Promise<void> {
  await lockIfAtLimit(row, new Date());
}

async function lockIfAtLimit(row: LockoutRow, now: Date): Promise<void> {
  await row.update({ failures: { gte: MAX_FAILURES }, lockedUntil: null }, { lockedUntil: new Date(now.getTime() + LOCK_MS) });
}

/** A directory user's row (mfa_lockouts). */
function userRow(db: Db, userId: string): LockoutRow {
  return {
    read: () => db.mfaLockout.findUnique({ where: { userId }, select: { lockedUntil: true, failures: true } }),
    ensure: async (now) => {
      await db.mfaLockout.upsert({ where: { userId }, create: { userId, failures: 0, windowStart: now }, update: {} });
    },
    update: async (where, data) => {
      await db.mfaLockout.updateMany({ where: { userId, ...where }, data });
    },
    clearUnlocked: async () => {
      await db.mfaLockout.deleteMany({ where: { userId, lockedUntil: null } });
    },
  };
}

export const assertNotLocked = (db: Db, userId: string) => assertRowNotLocked(userRow(db, userId));
/** Before a code is checked (reserveRowAttempt). */
export const reserveAttempt = (db: Db, userId: string) => reserveRowAttempt(userRow(db, userId));
export const recordFailure = (db: Db, userId: string) => recordRowFailure(userRow(db, userId));
/** A second factor passed: the count starts over. */
export const clearFailures = (db: Db, userId: string) => userRow(db, userId).clearUnlocked();
