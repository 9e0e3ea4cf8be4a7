// The argon2id cost of new password hashes: TESSERA_ARGON2, written as the parameters appear in a stored
// hash ("m=<KiB>,p=<lanes>,t=<passes>", in any order), so an operator compares the setting with a hash
// at a glance. The default is the library's (m=65536,p=4,t=3: 64 MiB, about 0.35 s of CPU here). A host short of
// memory or CPU, or a test suite that hashes thousands of passwords, may go down to OWASP's minimum for
// argon2id (m=19456,p=1,t=2: 19 MiB, about 45 ms here), never below. A stored hash carries its own
// parameters, so changing the setting never locks anyone out: older hashes verify as before.

export interface Argon2Cost {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const DEFAULT_ARGON2_COST: Argon2Cost = { memoryCost: 65_536, timeCost: 3, parallelism: 4 };

/** OWASP Password Storage Cheat Sheet, argon2id's smallest configuration: 19 MiB, 2 passes. */
const FLOOR = { memoryCost: 19_456, timeCost: 2 };
const CEILING = { memoryCost: 4_194_304, timeCost: 64, parallelism: 16 };

/** The cost the text names, or the reason it is refused (the message start-up fails with). */
export function parseArgon2Cost(text: string | undefined): { ok: true; cost: Argon2Cost } | { ok: false; reason: string } {
  if (text === undefined || text.trim() === '') return { ok: true, cost: DEFAULT_ARGON2_COST };
  const values = new Map<string, number>();
  for (const part of text.trim().split(',')) {
    const kv = /^([mtp])=(\d{1,8})$/.exec(part.trim());
    if (!kv?.[1] || values.has(kv[1])) break;
    values.set(kv[1], Number(kv[2]));
  }
  const [m, t, p] = [values.get('m'), values.get('t'), values.get('p')];
  if (m === undefined || t === undefined || p === undefined || values.size !== text.split(',').length) {
    return { ok: false, reason: 'TESSERA_ARGON2 must read m=<KiB>,p=<lanes>,t=<passes>, e.g. m=65536,p=4,t=3' };
  }
  const cost = { memoryCost: m, timeCost: t, parallelism: p };
  if (cost.memoryCost < FLOOR.memoryCost || cost.timeCost < FLOOR.timeCost) {
    return { ok: false, reason: `TESSERA_ARGON2 is below argon2id's minimum (m=${String(FLOOR.memoryCost)},t=${String(FLOOR.timeCost)})` };
  }
  if (cost.parallelism < 1 || cost.parallelism > CEILING.parallelism || cost.memoryCost > CEILING.memoryCost || cost.timeCost > CEILING.timeCost) {
    return {
      ok: false,
      reason: `TESSERA_ARGON2 is out of range (m ≤ ${String(CEILING.memoryCost)}, t ≤ ${String(CEILING.timeCost)}, 1 ≤ p ≤ ${String(CEILING.parallelism)})`,
    };
  }
  // argon2 needs at least 8 KiB per lane.
  if (cost.memoryCost < 8 * cost.parallelism) return { ok: false, reason: 'TESSERA_ARGON2 needs m ≥ 8 × p' };
  return { ok: true, cost };
}
