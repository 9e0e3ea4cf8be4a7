// Admin sessions: a short JWT access token (15 min, HS256 via jose) bound to a server-side session,
// and an opaque rotating refresh token stored as a hash. Reusing a spent refresh token revokes the
// whole session; logout revokes it at once, and every access token checks the session is alive.
import { createHash } from 'node:crypto';
import type { Db } from '../db/client.ts';
import { unauthorized } from '../http/errors.ts';
import { hashToken, newId, newToken } from '../security/random.ts';
import { onFirstUse } from '../lazy.ts';

export const ACCESS_TTL_SECONDS = 15 * 60;
const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
const ISSUER = 'tessera-admin';

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
}
export interface AccessClaims {
  accountId: string;
  sessionId: string;
}

/**
 * jose, loaded by the first admin token signed or checked rather than at start-up: its modules took
 * 40-80 ms of the time to listen, and a server that only answers SPs and backends never needs them.
 */
const loadJose = onFirstUse(() => import('jose'));

export function jwtKey(secret: string): Uint8Array {
  return createHash('sha256').update(`tessera/admin-jwt/${secret}`).digest();
}

async function signAccess(key: Uint8Array, accountId: string, sessionId: string): Promise<string> {
  const { SignJWT } = await loadJose();
  return new SignJWT({ sid: sessionId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setSubject(accountId)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TTL_SECONDS}s`)
    .sign(key);
}

async function issueRefresh(db: Pick<Db, 'refreshToken'>, sessionId: string, expiresAt: Date): Promise<string> {
  const token = `rt_${newToken()}`;
  await db.refreshToken.create({ data: { id: newId('rt'), sessionId, tokenHash: hashToken(token), expiresAt } });
  return token;
}

export async function startSession(db: Db, key: Uint8Array, accountId: string): Promise<TokenPair> {
  const sessionId = newId('sess');
  const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
  const refresh = await db.$transaction(async (tx) => {
    await tx.adminSession.create({ data: { id: sessionId, accountId, expiresAt } });
    return issueRefresh(tx, sessionId, expiresAt);
  });
  return { access_token: await signAccess(key, accountId, sessionId), refresh_token: refresh, token_type: 'Bearer', expires_in: ACCESS_TTL_SECONDS };
}

const invalidRefresh = () => unauthorized('Invalid or expired refresh token');

export async function rotateRefresh(db: Db, key: Uint8Array, refreshToken: string): Promise<TokenPair> {
  const row = await db.refreshToken.findUnique({ where: { tokenHash: hashToken(refreshToken) }, include: { session: true } });
  if (!row) throw invalidRefresh();
  const now = new Date();
  if (row.usedAt) {
    // A spent token presented again: someone holds a copy. End the whole session.
    await db.adminSession.update({ where: { id: row.sessionId }, data: { revokedAt: now } });
    throw unauthorized('Refresh token reuse detected; the session has been revoked');
  }
  if (row.session.revokedAt || row.session.expiresAt <= now || row.expiresAt <= now) throw invalidRefresh();
  const next = await db.$transaction(async (tx) => {
    // Conditional spend: of two concurrent refreshes with one token, exactly one wins.
    const spent = await tx.refreshToken.updateMany({ where: { id: row.id, usedAt: null }, data: { usedAt: now } });
    if (spent.count !== 1) return null;
    return issueRefresh(tx, row.sessionId, row.session.expiresAt);
  });
  if (!next) {
    await db.adminSession.update({ where: { id: row.sessionId }, data: { revokedAt: now } });
    throw unauthorized('Refresh token reuse detected; the session has been revoked');
  }
  return {
    access_token: await signAccess(key, row.session.accountId, row.sessionId),
    refresh_token: next,
    token_type: 'Bearer',
    expires_in: ACCESS_TTL_SECONDS,
  };
}

/** Revokes the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
export async function endSession(db: Db, refreshToken: string): Promise<void> {
  const row = await db.refreshToken.findUnique({ where: { tokenHash: hashToken(refreshToken) } });
  if (row) await db.adminSession.updateMany({ where: { id: row.sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

export async function verifyAccess(db: Db, key: Uint8Array, token: string): Promise<AccessClaims> {
  let accountId: string;
  let sessionId: string;
  // Outside the try: a jose that cannot load is a server fault (500), not the caller's bad token (401).
  const { jwtVerify } = await loadJose();
  try {
    // jose checks `exp` only when present: a token without one would never expire, so it is required.
    const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') throw new Error('claims');
    accountId = payload.sub;
    sessionId = payload.sid;
  } catch {
    throw unauthorized('Invalid or expired access token');
  }
  const session = await db.adminSession.findUnique({ where: { id: sessionId }, select: { accountId: true, revokedAt: true, expiresAt: true } });
  if (!session || session.revokedAt || session.expiresAt <= new Date() || session.accountId !== accountId) {
    throw unauthorized('Invalid or expired access token');
  }
  return { accountId, sessionId };
}
