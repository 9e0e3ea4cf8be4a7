// An admin account's TOTP factor (CONTRACT §15, docs/api.md "Admin accounts: TOTP"): the same
// algorithm, single use of each code, sealing and lockout as a directory user's factor (mfa/totp.ts,
// mfa/lockout.ts), over the account's own tables.
import type { Db, Tx } from '../db/client.ts';
import type { Sealer } from '../security/encryption.ts';
import { acceptOnce, matchingStep, newTotpSecret, openTotpSecret, otpauthUri, sealTotpSecret, stepBelow } from '../mfa/totp.ts';
import { assertRowNotLocked, recordRowFailure, releaseRowAttempt, reserveRowAttempt, type LockoutRow } from '../mfa/lockout.ts';

const ISSUER = 'Tessera admin';

/** The account's lockout row (account_mfa_lockouts). */
function lockoutRow(db: Db, accountId: string): LockoutRow {
  return {
    read: () => db.accountMfaLockout.findUnique({ where: { accountId }, select: { lockedUntil: true, failures: true } }),
    ensure: async (now) => {
      await db.accountMfaLockout.upsert({ where: { accountId }, create: { accountId, failures: 0, windowStart: now }, update: {} });
    },
    update: async (where, data) => {
      await db.accountMfaLockout.updateMany({ where: { accountId, ...where }, data });
    },
    clearUnlocked: async () => {
      await db.accountMfaLockout.deleteMany({ where: { accountId, lockedUntil: null } });
    },
  };
}

export const assertAccountNotLocked = (db: Db, accountId: string) => assertRowNotLocked(lockoutRow(db, accountId));

/** A new secret waiting for its first code; replaces an earlier unconfirmed one. Not active yet. */
export async function startEnrollment(db: Db, sealer: Sealer, account: { id: string; email: string }) {
  const secret = newTotpSecret();
  const secretSealed = sealTotpSecret(sealer, account.id, secret);
  await db.accountTotp.upsert({
    where: { accountId: account.id },
    create: { accountId: account.id, secretSealed },
    update: { secretSealed, lastTimeStep: null, enabledAt: null, createdAt: new Date() },
  });
  return { secret, otpauthUri: otpauthUri(ISSUER, account.email, secret) };
}

/**
 * Activates the pending enrollment when `code` matches its secret; `alongside` runs in the same
 * transaction (the audit events). The matched step is stored, so the confirming code cannot sign in.
 * The time it was enabled; null when the code does not match, or when another request activated it first.
 */
export async function confirmEnrollment(db: Db, sealer: Sealer, accountId: string, secretSealed: string, code: string, alongside: (tx: Tx) => Promise<void>) {
  const step = await matchingStep(openTotpSecret(sealer, accountId, secretSealed), code.trim());
  if (step === null) return null;
  const enabledAt = new Date();
  return db.$transaction(async (tx) => {
    const done = await tx.accountTotp.updateMany({ where: { accountId, secretSealed, enabledAt: null }, data: { enabledAt, lastTimeStep: BigInt(step) } });
    if (done.count !== 1) return null;
    await alongside(tx);
    return enabledAt;
  });
}

/**
 * True when `code` is the account's current code and was never accepted before. Refused (429) while
 * locked; a wrong code counts toward the lockout.
 */
export async function checkAccountCode(db: Db, sealer: Sealer, accountId: string, code: string): Promise<boolean> {
  const lockout = lockoutRow(db, accountId);
  await reserveRowAttempt(lockout);
  const factor = await db.accountTotp.findUnique({ where: { accountId } });
  if (!factor?.enabledAt) return false;
  const ok = await acceptOnce(openTotpSecret(sealer, accountId, factor.secretSealed), code, factor.lastTimeStep, async (step) => {
    const claimed = await db.accountTotp.updateMany({ where: { accountId, enabledAt: { not: null }, ...stepBelow(step) }, data: { lastTimeStep: step } });
    return claimed.count;
  });
  if (ok) await releaseRowAttempt(lockout);
  else await recordRowFailure(lockout);
  return ok;
}

/** Removes the factor with its pending sign-ins and lockout; `alongside` runs in the same transaction. */
export async function removeTotp(db: Db, accountId: string, alongside: (tx: Tx) => Promise<void>): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.accountTotp.deleteMany({ where: { accountId } });
    await tx.accountMfaToken.deleteMany({ where: { accountId } });
    await tx.accountMfaLockout.deleteMany({ where: { accountId } });
    await alongside(tx);
  });
}
