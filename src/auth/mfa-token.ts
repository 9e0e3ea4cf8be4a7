// The handle between the two steps of an admin sign-in with TOTP: issued when the password passed,
// good for five minutes, spent by the one code that completes the sign-in. Stored hashed like refresh
// tokens; a wrong code leaves it usable (the lockout, not the handle, bounds guessing).
import type { Db } from '../db/client.ts';
import { unauthorized } from '../http/errors.ts';
import { hashToken, newId, newToken } from '../security/random.ts';

export const MFA_TOKEN_TTL_SECONDS = 5 * 60;

export async function issueMfaToken(db: Db, accountId: string): Promise<string> {
  const token = `mfat_${newToken()}`;
  const now = Date.now();
  await db.$transaction([
    // The account's dead handles go as new ones come: the table holds a few rows per account at most.
    db.accountMfaToken.deleteMany({ where: { accountId, OR: [{ expiresAt: { lte: new Date(now) } }, { consumedAt: { not: null } }] } }),
    db.accountMfaToken.create({
      data: { id: newId('mfa'), tokenHash: hashToken(token), accountId, expiresAt: new Date(now + MFA_TOKEN_TTL_SECONDS * 1000) },
    }),
  ]);
  return token;
}

const invalid = () => unauthorized('Invalid or expired mfa_token: sign in again with your email and password');

/** The live handle's row, or 401. */
export async function liveMfaToken(db: Db, token: string): Promise<{ id: string; accountId: string }> {
  const row = await db.accountMfaToken.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { id: true, accountId: true, expiresAt: true, consumedAt: true },
  });
  if (!row || row.consumedAt || row.expiresAt <= new Date()) throw invalid();
  return row;
}

/** Spends the handle; of two requests spending it, one wins and the other gets 401. */
export async function spendMfaToken(db: Db, id: string): Promise<void> {
  const now = new Date();
  const spent = await db.accountMfaToken.updateMany({ where: { id, consumedAt: null, expiresAt: { gt: now } }, data: { consumedAt: now } });
  if (spent.count !== 1) throw invalid();
}
