// What second factors a directory user has, and removing them all (an admin's reset).
import type { Db, Tx } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import { factorsChanged } from './presence.ts';

export interface MfaSummary {
  totp: boolean;
  webauthn: number;
  recovery_codes_left: number;
}

export async function mfaSummaries(db: Db, userIds: string[]): Promise<Map<string, MfaSummary>> {
  const out = new Map<string, MfaSummary>(userIds.map((id) => [id, { totp: false, webauthn: 0, recovery_codes_left: 0 }]));
  if (userIds.length === 0) return out;
  const [totp, webauthn, codes] = await Promise.all([
    db.totpFactor.findMany({ where: { userId: { in: userIds } }, select: { userId: true } }),
    db.webauthnCredential.groupBy({ by: ['userId'], where: { userId: { in: userIds } }, _count: { _all: true } }),
    db.recoveryCode.groupBy({ by: ['userId'], where: { userId: { in: userIds }, usedAt: null }, _count: { _all: true } }),
  ]);
  for (const t of totp) {
    const s = out.get(t.userId);
    if (s) s.totp = true;
  }
  for (const w of webauthn) {
    const s = out.get(w.userId);
    if (s) s.webauthn = w._count._all;
  }
  for (const c of codes) {
    const s = out.get(c.userId);
    if (s) s.recovery_codes_left = c._count._all;
  }
  return out;
}

export async function mfaSummary(db: Db, userId: string): Promise<MfaSummary> {
  return (await mfaSummaries(db, [userId])).get(userId) ?? { totp: false, webauthn: 0, recovery_codes_left: 0 };
}

/** Every factor, recovery code, step in progress and lock of the user, in one transaction. */
export async function removeAllFactors(db: Db, bus: InvalidationBus, userId: string, alongside?: (tx: Tx) => Promise<void>): Promise<void> {
  await db.$transaction(async (tx) => {
    await alongside?.(tx); // the admin's audit event, in the same transaction
    await tx.totpFactor.deleteMany({ where: { userId } });
    await tx.webauthnCredential.deleteMany({ where: { userId } });
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.mfaChallenge.deleteMany({ where: { userId } });
    await tx.mfaLockout.deleteMany({ where: { userId } });
  });
  await factorsChanged(bus, userId);
}
