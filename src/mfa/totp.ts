// TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step either side) through otplib. The
// secret is sealed at rest (security/encryption.ts, bound to its owner's id: a directory user's here,
// an admin account's in auth/totp.ts). A code is accepted once: the step it matched must be above the
// stored last step, and raising that step is one conditional UPDATE, so of two requests carrying the
// same code only one changes the row.
import { generateSecret, generateURI, verify } from 'otplib';
import type { Db } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import { factorAddedSince, factorsChanged } from './presence.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { Sealer } from '../security/encryption.ts';

const PERIOD = 30;
const DIGITS = 6;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUri(issuer: string, label: string, secret: string): string {
  return generateURI({ issuer, label, secret, algorithm: 'sha1', digits: DIGITS, period: PERIOD });
}

const CODE = /^\d{6}$/;

/** The time step `code` matches (±1 step), or null. Only steps above `after` count. */
export async function matchingStep(secret: string, code: string, after?: number): Promise<number | null> {
  if (!CODE.test(code)) return null;
  const result = await verify({ secret, token: code, algorithm: 'sha1', digits: DIGITS, period: PERIOD, epochTolerance: PERIOD, afterTimeStep: after });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

// Owner ids carry their type's prefix (usr_, acct_), so one binding serves both kinds of owner.
export function sealTotpSecret(sealer: Sealer, ownerId: string, secret: string): string {
  return sealer.seal(secret, `totp:${ownerId}`);
}

export function openTotpSecret(sealer: Sealer, ownerId: string, sealed: string): string {
  return sealer.open(sealed, `totp:${ownerId}`);
}

/** The stored last step is below `step` (or unset): the claim's condition, for either owner's table. */
export const stepBelow = (step: bigint) => ({ OR: [{ lastTimeStep: null }, { lastTimeStep: { lt: step } }] });

/**
 * True when `code` matches `secret` at a step above `last` and `claim` (one conditional UPDATE raising
 * the stored step, `stepBelow`; it answers the number of rows changed) wins that step.
 */
export async function acceptOnce(secret: string, code: string, last: bigint | null, claim: (step: bigint) => Promise<number>): Promise<boolean> {
  const step = await matchingStep(secret, code.trim(), last === null ? undefined : Number(last));
  if (step === null) return false;
  return (await claim(BigInt(step))) === 1;
}

/** True when `code` is the user's current code and was not accepted before (then it never is again). */
export async function checkTotp(db: Db, sealer: Sealer, userId: string, code: string): Promise<boolean> {
  const factor = await db.totpFactor.findUnique({ where: { userId } });
  if (!factor) return false;
  return acceptOnce(openTotpSecret(sealer, userId, factor.secretSealed), code, factor.lastTimeStep, async (step) => {
    const claimed = await db.totpFactor.updateMany({ where: { userId, ...stepBelow(step) }, data: { lastTimeStep: step } });
    return claimed.count;
  });
}

/**
 * Confirms an enrollment begun at `since`: the code must match the new secret. The factor is created,
 * never replaced (one authenticator per user: replacing it is removing it, with its check, first), and
 * not beside a factor added since the step began (presence.ts, factorAddedSince): 'refused' then.
 */
export async function confirmTotp(
  db: Db,
  bus: InvalidationBus,
  sealer: Sealer,
  enrollment: { userId: string; secret: string; code: string; since: Date },
): Promise<'enrolled' | 'wrong_code' | 'refused'> {
  const { userId, secret } = enrollment;
  const step = await matchingStep(secret, enrollment.code.trim());
  if (step === null) return 'wrong_code';
  if (await factorAddedSince(db, userId, enrollment.since)) return 'refused';
  try {
    await db.totpFactor.create({ data: { userId, secretSealed: sealTotpSecret(sealer, userId, secret), lastTimeStep: BigInt(step) } });
  } catch (err) {
    if (isUniqueViolation(err)) return 'refused';
    throw err;
  }
  await factorsChanged(bus, userId);
  return 'enrolled';
}
