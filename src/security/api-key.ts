// API key format: sk_{live|test}_{secret}; secret = 32 random bytes in base64url (43 chars, 256 bits)
// followed by a 6-character checksum (first 4 bytes of SHA-256 over "sk_{env}_{random}", base64url),
// so a mistyped or made-up key is refused without a database lookup. At rest: HMAC-SHA-256 with a key
// derived from TESSERA_SECRET.
import { createHash, hash, randomBytes } from 'node:crypto';
import { hmacHex } from './random.ts';

export type KeyEnvironment = 'live' | 'test';
const RANDOM_LEN = 43;
const CHECK_LEN = 6;
const KEY_SHAPE = /^sk_(live|test)_([A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})$/;

function checksum(body: string): string {
  return createHash('sha256').update(body).digest().subarray(0, 4).toString('base64url').slice(0, CHECK_LEN);
}

export function generateApiKey(environment: KeyEnvironment): { key: string; prefix: string } {
  const random = randomBytes(32).toString('base64url');
  const body = `sk_${environment}_${random}`;
  const key = body + checksum(body);
  return { key, prefix: random.slice(0, 12) };
}

/** True when the key has our shape and its checksum matches. No I/O. */
export function isWellFormedApiKey(key: string): boolean {
  const m = KEY_SHAPE.exec(key);
  if (!m || m[2]?.length !== RANDOM_LEN) return false;
  return checksum(`sk_${m[1]}_${m[2]}`) === m[3];
}

/**
 * An `Authorization` header that carries an API key (with or without `Bearer `): a client mistake worth
 * naming in the 401. Only the shape is looked at, never the key itself.
 */
export function isApiKeyInAuthorization(header: string): boolean {
  return /^(?:bearer\s+)?sk_(?:live|test)_/i.test(header);
}

/**
 * The in-process cache's key for a presented API key: SHA-256 (one call, no HMAC object). The key
 * itself carries 256 random bits, so a plain hash is enough to look it up in memory; what is stored in
 * the database stays the HMAC below, which a stolen database cannot reverse or test guesses against.
 */
export function apiKeyCacheKey(key: string): string {
  return hash('sha256', key, 'base64');
}

export function apiKeyHasher(secret: string): (key: string) => string {
  const derived = createHash('sha256').update(`tessera/api-key-hmac/${secret}`).digest();
  return (key) => hmacHex(derived, key);
}
