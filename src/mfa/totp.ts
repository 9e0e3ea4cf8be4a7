// TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, one step either side) through otplib. The
// secret is sealed at rest (security/encryption.ts, bound to the user id). A code is accepted once: the
// step it matched must be above the stored last step, and raising that step is one conditional UPDATE,
// so of two requests carrying the same code only one changes the row.
import { generateSecret, generateURI, verify } from 'otplib';
import type { Db } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import { factorsChanged } from './presence.ts';
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

export function sealTotpSecret(sealer: Sealer, userId: string, secret: string): string {
  return sealer.seal(secret, `totp:${userId}`);
}

export function openTotpSecret(sealer: Sealer, userId: string, sealed: string): string {
  return sealer.open(sealed, `totp:${userId}`);
}

/** True when `code` is the user's current code and was not accepted before (then it never is again). */
export async function checkTotp(db: Db, sealer: Sealer, userId: string, code: string): Promise<boolean> {
  const factor = await db.totpFactor.findUnique({ where: { userId } });
  if (!factor) return false;
  const last = factor.lastTimeStep === null ? undefined : Number(factor.lastTimeStep);
  const step = await matchingStep(openTotpSecret(sealer, userId, factor.secretSealed), code.trim(), last);
  if (step === null) return false;
  const claimed = await db.totpFactor.updateMany({
    where: { userId, OR: [{ lastTimeStep: null }, { lastTimeStep: { lt: BigInt(step) } }] },
    data: { lastTimeStep: BigInt(step) },
  });
  return claimed.count === 1;
}

/** Confirms an enrollment: the code must match the new secret; the factor replaces any earlier one. */
export async function confirmTotp(db: Db, bus: InvalidationBus, sealer: Sealer, userId: string, secret: string, code: string): Promise<boolean> {
  const step = await matchingStep(secret, code.trim());
  if (step === null) return false;
  const secretSealed = sealTotpSecret(sealer, userId, secret);
  await db.totpFactor.upsert({
    where: { userId },
    create: { userId, secretSealed, lastTimeStep: BigInt(step) },
    update: { secretSealed, lastTimeStep: BigInt(step), createdAt: new Date() },
  });
  await factorsChanged(bus, userId);
  return true;
}
