import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';
import { devEncryptionKey } from '../security/encryption.ts';

const SECRET = 'k3Jv9Qe7Lr2Xw8Zt5Np1Bm4Hc6Gf0Ys-';
const KEY = 'Wq4Rt8Yu2Io6Pa0Sd3Fg7Hj1Kl5Zx9Cv_';
const base = {
  DATABASE_URL: 'file:/tmp/tessera-config-test.db',
  NODE_ENV: 'production',
  TESSERA_SECRET: SECRET,
  TESSERA_ENCRYPTION_KEY: KEY,
  PUBLIC_URL: 'https://idp.example.com',
};

describe('production start-up refuses weak secrets with a message naming the setting', () => {
  it('starts with two distinct random values', () => {
    expect(loadConfig(base).warnings.join('\n')).not.toMatch(/SECRET|ENCRYPTION|PUBLIC_URL/);
  });

  it.each([
    ['no encryption key', { TESSERA_ENCRYPTION_KEY: undefined }, /TESSERA_ENCRYPTION_KEY is required/],
    ['a short encryption key', { TESSERA_ENCRYPTION_KEY: 'x' }, /TESSERA_ENCRYPTION_KEY must be at least 32 characters/],
    ['the published development key', { TESSERA_ENCRYPTION_KEY: devEncryptionKey() }, /development key/],
    ['a secret of one repeated character', { TESSERA_SECRET: 'a'.repeat(40) }, /TESSERA_SECRET is not random enough/],
    ['an encryption key of two characters', { TESSERA_ENCRYPTION_KEY: 'ab'.repeat(20) }, /TESSERA_ENCRYPTION_KEY is not random enough/],
    ['one value for both', { TESSERA_ENCRYPTION_KEY: SECRET }, /must be different/],
  ])('%s', (_name, change, message) => {
    expect(() => loadConfig({ ...base, ...change })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...change })).toThrow(message);
  });

  it('warns of a PUBLIC_URL that is not https; development accepts what production refuses', () => {
    expect(loadConfig({ ...base, PUBLIC_URL: 'http://idp.example.com' }).warnings.join('\n')).toMatch(/PUBLIC_URL is not https/);
    expect(() => loadConfig({ ...base, NODE_ENV: 'development', TESSERA_ENCRYPTION_KEY: 'x' })).not.toThrow();
  });
});
