// The only place random identifiers and tokens are made, and secrets compared.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type IdPrefix = 'org' | 'svc' | 'plan' | 'key' | 'usr' | 'sub' | 'cert' | 'acct' | 'mem' | 'inv' | 'sess' | 'rt' | 'pwl' | 'su' | 'evt' | 'saml' | 'idps' | 'sss';

/** `prefix_` + 20 random bytes in base64url (160 bits): opaque, URL-safe, unguessable. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBytes(20).toString('base64url')}`;
}

const ID_SHAPE = /^[a-z]{2,5}_[A-Za-z0-9_-]{10,64}$/;
/** A path ID that cannot be one of ours is answered 404 without a query. */
export function looksLikeId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_SHAPE.test(value);
}

/** A bearer-style secret token (refresh tokens, invitations, password links): 256 bits. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens are stored as SHA-256: they carry 256 bits of entropy, so no key stretching is needed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function hmacHex(key: string | Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
