// Ten recovery codes per user, shown once. Each is 80 random bits (16 base32 characters, in groups of
// four), so a plain SHA-256 is enough to store it (no dictionary to try) and a lookup by that hash is
// the comparison. Spending one is a conditional UPDATE: a code is accepted once.
import type { Db } from '../db/client.ts';
import { hashToken, newId, secureRandom } from '../security/random.ts';

export const RECOVERY_CODES = 10;
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // 32 symbols, no 0/o/1/l (the check below matches it)

function newCode(): string {
  const bytes = secureRandom(16);
  let out = '';
  for (const b of bytes) out += ALPHABET.charAt(b & 31);
  return out.match(/.{4}/g)?.join('-') ?? out;
}

/** The form a user may type: case, spaces and dashes ignored. */
function normalise(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

function digest(code: string): string {
  return hashToken(`recovery:${normalise(code)}`);
}

/** Replaces the user's codes with ten new ones and returns them (the only time they are visible). */
export async function regenerateRecoveryCodes(db: Db, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newCode);
  await db.$transaction(async (tx) => {
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ id: newId('rc'), userId, codeHash: digest(c) })) });
  });
  return codes;
}

/** True when `code` is one of the user's unused codes; it is then spent. */
export async function spendRecoveryCode(db: Db, userId: string, code: string): Promise<boolean> {
  const n = normalise(code);
  if (!/^[a-kmnp-z2-9]{16}$/.test(n)) return false;
  const spent = await db.recoveryCode.updateMany({ where: { userId, codeHash: digest(n), usedAt: null }, data: { usedAt: new Date() } });
  return spent.count === 1;
}
