// The only place random identifiers and tokens are made, and secrets compared.
import { createHash, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

export type IdPrefix =
  | 'org'
  | 'svc'
  | 'plan'
  | 'key'
  | 'usr'
  | 'sub'
  | 'cert'
  | 'acct'
  | 'mem'
  | 'inv'
  | 'sess'
  | 'rt'
  | 'pwl'
  | 'su'
  | 'evt'
  | 'saml'
  | 'idps'
  | 'sss'
  | 'aud'
  | 'sgn'
  | 'mfa'
  | 'wac'
  | 'rc'
  | 'whk'
  | 'dlv';

// Random bytes come from the CSPRNG in 8 KiB refills handed out once each (as Node does for
// randomUUID): an SSO needs about ten identifiers, and a randomBytes() call per identifier costs a
// system call and ~5 µs here, against ~0.2 µs from the pool.
const POOL_BYTES = 8192;
let pool = Buffer.alloc(0);
let offset = 0;

/** `n` fresh random bytes (a copy: nothing else ever sees them). */
export function secureRandom(n: number): Buffer {
  if (n > POOL_BYTES / 4) return randomFillSync(Buffer.alloc(n));
  if (offset + n > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}

/**
 * The id of a request that came without a sane X-Request-Id: an RFC 9562 version-7 UUID, 48 bits of
 * milliseconds then 74 random bits. Time-ordered because every sign-in stores it in the activity's
 * (organization_id, request_id) index: a random UUID put each new entry on a random page of it, one
 * more page written per sign-in (docs/benchmarks.md, Looked at again on 2026-12-06).
 */
export function newRequestId(): string {
  const b = secureRandom(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f); // version 7
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f); // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** `prefix_` + 20 random bytes in base64url (160 bits): opaque, URL-safe, unguessable. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${secureRandom(20).toString('base64url')}`;
}

/**
 * The same shape for rows written on every sign-in and never shown to anyone (login events, the
 * session's services): 48 bits of milliseconds in hex, then 128 random bits. Ids that grow with time
 * are appended at the right edge of the primary-key index instead of landing on a random page of it,
 * so a batch of inserts dirties one page there instead of one page per row.
 */
export function newSortableId(prefix: IdPrefix): string {
  return `${prefix}_${sortableToken()}`;
}

/** The time part of a sortable id: 48 bits of milliseconds, in hex. */
const timePart = (ms: number): string => ms.toString(16).padStart(12, '0');

/** 48 bits of milliseconds (hex) then 128 random bits (base64url): unguessable, and growing with time. */
export function sortableToken(): string {
  return `${timePart(Date.now())}${secureRandom(16).toString('base64url')}`;
}

/**
 * The smallest sortable id made at `at` or later (every one made before sorts below it), so that "older
 * than" is a range of the primary key. Times before 1970 have no such bound: callers check.
 */
export function firstSortableIdAt(prefix: IdPrefix, at: Date): string {
  return `${prefix}_${timePart(at.getTime())}`;
}

const ID_SHAPE = /^[a-z]{2,5}_[A-Za-z0-9_-]{10,64}$/;
/** A path ID that cannot be one of ours is answered 404 without a query. */
export function looksLikeId(value: string, prefix: IdPrefix): boolean {
  return value.startsWith(`${prefix}_`) && ID_SHAPE.test(value);
}

/** A bearer-style secret token (refresh tokens, invitations, password links): 256 bits. */
export function newToken(bytes = 32): string {
  return secureRandom(bytes).toString('base64url');
}

/** A persistent SAML NameID: opaque, stable per (user, service) once stored, never derived from the user. */
export function newPersistentNameId(): string {
  return `tsr-${newToken(24)}`;
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
