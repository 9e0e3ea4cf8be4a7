import { describe, expect, it } from 'vitest';
import { DEFAULT_ARGON2_COST, parseArgon2Cost } from './password-cost.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { loadConfig } from '../config/index.ts';

describe('argon2 cost (TESSERA_ARGON2)', () => {
  it('defaults to the library cost and reads the stored-hash notation', () => {
    expect(parseArgon2Cost(undefined)).toEqual({ ok: true, cost: DEFAULT_ARGON2_COST });
    expect(parseArgon2Cost(' m=19456,p=1,t=2 ')).toEqual({ ok: true, cost: { memoryCost: 19456, timeCost: 2, parallelism: 1 } });
    expect(parseArgon2Cost('t=3,m=65536,p=4')).toEqual({ ok: true, cost: DEFAULT_ARGON2_COST });
  });

  it.each([
    ['m=19455,t=2,p=1', 'minimum'],
    ['m=65536,t=1,p=4', 'minimum'],
    ['m=65536,t=3,p=0', 'out of range'],
    ['m=65536,t=3,p=17', 'out of range'],
    ['m=65536,t=3', 'must read'],
    ['m=65536,t=3,p=4,t=3', 'must read'],
    ['m=65536,t=3,p=4,x=1', 'must read'],
    ['m=65536,,t=3,p=4', 'must read'],
    ['m=64M,t=3,p=4', 'must read'],
  ])('refuses %s', (text, why) => {
    const parsed = parseArgon2Cost(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(why);
  });

  it('start-up refuses a weak setting with a message naming it', () => {
    expect(() => loadConfig({ TESSERA_ARGON2: 'm=4096,t=1,p=1' })).toThrow(/TESSERA_ARGON2/);
  });

  it('new hashes carry the configured cost and verify; a hash of another cost still verifies', async () => {
    // vitest.config.ts sets the suite's cost; the stored hash names it.
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await expect(verifyPassword(hash, 'correct horse battery')).resolves.toBe(true);
    await expect(verifyPassword(hash, 'correct horse battery!')).resolves.toBe(false);
    const argon2 = (await import('argon2')).default;
    const older = await argon2.hash('made before the change', { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 });
    await expect(verifyPassword(older, 'made before the change')).resolves.toBe(true);
  });
});
