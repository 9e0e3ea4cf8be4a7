// End-user IdP sessions (hosted sign-in) and pending sign-in requests, both in the database so every
// instance sees them. The session cookie is per organization: HttpOnly; Secure; SameSite=None (it must
// ride along the SP's cross-site POST/redirect), 8 hours. A new session id is issued at every sign-in.
import type { Database, Db } from '../db/client.ts';
import { sql } from '../db/client.ts';
import { bool, date, dateOrNull, runRead, text } from '../db/statements.ts';
import type { AppContext } from '../http/context.ts';
import { hashToken, newId, newToken } from '../security/random.ts';
import type { RequestedContext } from './authn-context.ts';
import { parseStringArray, parseStringRecord } from '../http/present.ts';

export const SESSION_TTL_MS = 8 * 3600 * 1000;
const PENDING_TTL_MS = 10 * 60 * 1000;

export function sessionCookieName(orgId: string): string {
  return `tessera_sso_${hashToken(orgId).slice(0, 12)}`;
}

export function readCookie(ctx: AppContext, name: string): string | undefined {
  for (const part of (ctx.get('cookie') || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(
  ctx: AppContext,
  name: string,
  value: string,
  opts: { maxAgeSeconds: number; sameSite: 'None' | 'Strict' | 'Lax'; path?: string },
): void {
  ctx.append('Set-Cookie', `${name}=${value}; Path=${opts.path ?? '/'}; Max-Age=${opts.maxAgeSeconds}; HttpOnly; Secure; SameSite=${opts.sameSite}`);
}

export interface LiveSession {
  id: string;
  authnInstant: Date;
  /** When a second factor was verified in this session; null: password only. */
  mfaAt: Date | null;
  user: SessionUser;
}

export interface SessionUser {
  id: string;
  email: string;
  createdAt: Date;
  groups: string[];
  attributes: Record<string, string>;
}

/** The user as an assertion needs it, from the row's columns (groups and attributes are JSON text). */
export function sessionUser(row: { id: string; email: string; createdAt: Date; groups: string; attributes: string }): SessionUser {
  return { id: row.id, email: row.email, createdAt: row.createdAt, groups: parseStringArray(row.groups), attributes: parseStringRecord(row.attributes) };
}

/** The browser's live session with this organization, if any: one indexed read, session and user together. */
export async function currentSession(database: Database, ctx: AppContext, orgId: string): Promise<LiveSession | null> {
  const token = readCookie(ctx, sessionCookieName(orgId));
  if (!token || token.length > 128) return null;
  const [s] = await runRead(
    database.prisma,
    database.direct,
    sql`SELECT s."id", s."organization_id", s."authn_instant", s."expires_at", s."ended_at", s."mfa_at",
      u."id" AS "user_id", u."email", u."disabled", u."organization_id" AS "user_organization_id", u."created_at" AS "user_created_at",
      u."groups", u."attributes"
    FROM "idp_sessions" s JOIN "users" u ON u."id" = s."user_id" WHERE s."token_hash" = ${hashToken(token)}`,
  );
  if (!s) return null;
  const live =
    text(s, 'organization_id') === orgId &&
    text(s, 'user_organization_id') === orgId &&
    dateOrNull(s, 'ended_at') === null &&
    date(s, 'expires_at') > new Date() &&
    !bool(s, 'disabled');
  return live
    ? {
        id: text(s, 'id'),
        authnInstant: date(s, 'authn_instant'),
        mfaAt: dateOrNull(s, 'mfa_at'),
        user: sessionUser({
          id: text(s, 'user_id'),
          email: text(s, 'email'),
          createdAt: date(s, 'user_created_at'),
          groups: text(s, 'groups'),
          attributes: text(s, 'attributes'),
        }),
      }
    : null;
}

/** Starts a fresh session (never reusing any id the browser brought) and sets its cookie. */
export async function startSession(
  db: Db,
  ctx: AppContext,
  orgId: string,
  user: Parameters<typeof sessionUser>[0],
  mfaAt: Date | null = null,
): Promise<LiveSession> {
  const token = newToken();
  const now = new Date();
  const row = await db.idpSession.create({
    data: {
      id: newId('idps'),
      tokenHash: hashToken(token),
      organizationId: orgId,
      userId: user.id,
      authnInstant: now,
      mfaAt,
      expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
    },
  });
  setCookie(ctx, sessionCookieName(orgId), token, { maxAgeSeconds: SESSION_TTL_MS / 1000, sameSite: 'None' });
  return { id: row.id, authnInstant: now, mfaAt, user: sessionUser(user) };
}

export interface PendingInput {
  serviceId: string;
  requestId: string | null;
  relayState: string | undefined;
  forceAuthn: boolean;
  /** RequestedAuthnContext of the AuthnRequest (authn-context.ts), kept for after the sign-in. */
  requestedContext?: RequestedContext | undefined;
  /** The endpoint checkAcs chose; null: the default at the time of the Response (IdP-initiated). */
  acsUrl: string | null;
}

/** Stores a request waiting for sign-in; returns the opaque state for /login?state=. */
export async function storePending(db: Db, p: PendingInput): Promise<string> {
  const state = newToken(24);
  await db.samlPendingRequest.create({
    data: {
      id: newId('saml'),
      stateHash: hashToken(state),
      serviceId: p.serviceId,
      requestId: p.requestId,
      relayState: p.relayState ?? null,
      forceAuthn: p.forceAuthn,
      requestedAuthnContext: p.requestedContext ? JSON.stringify(p.requestedContext) : null,
      acsUrl: p.acsUrl,
      expiresAt: new Date(Date.now() + PENDING_TTL_MS),
    },
  });
  return state;
}

export async function findPending(db: Db, state: string) {
  if (!state || state.length > 128) return null;
  const p = await db.samlPendingRequest.findUnique({ where: { stateHash: hashToken(state) }, include: { service: { include: { organization: true } } } });
  if (!p || p.consumedAt || p.expiresAt <= new Date()) return null;
  return p;
}

/** Single use: true only for the one caller that consumes it. */
export async function consumePending(db: Db, id: string): Promise<boolean> {
  const r = await db.samlPendingRequest.updateMany({ where: { id, consumedAt: null, expiresAt: { gt: new Date() } }, data: { consumedAt: new Date() } });
  return r.count === 1;
}

/** A second factor passed in a live session (step-up): later Responses may state the MFA class. */
export async function markSessionMfa(db: Db, sessionId: string): Promise<Date | null> {
  const at = new Date();
  const r = await db.idpSession.updateMany({ where: { id: sessionId, endedAt: null, expiresAt: { gt: at } }, data: { mfaAt: at } });
  return r.count === 1 ? at : null;
}
