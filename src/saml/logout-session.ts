// Which IdP sessions a verified LogoutRequest may end, and ending them. A session matches only when
// one of its sign-ins to THIS service carried exactly this SessionIndex and this NameID, and, when the
// browser brings this organization's session cookie, when it is that very session: so a LogoutRequest
// naming another user, another service's SessionIndex or another browser's session ends nothing.
import type { Db, Tx } from '../db/client.ts';
import type { AppContext } from '../http/context.ts';
import { hashToken, safeEqual } from '../security/random.ts';
import { readCookie, sessionCookieName, setCookie } from './session.ts';
import type { LogoutRequestData, ResolvedService } from './pipeline/types.ts';

/** A service still to be told about the logout: one LogoutRequest per NameID it was given. */
export interface Participant {
  serviceId: string;
  nameId: string;
  sessionIndexes: string[];
}

export interface SessionMatch {
  /** Live sessions to end now. */
  live: string[];
  /** True when the principal and SessionIndex were recognised (live or already ended). */
  known: boolean;
}

export async function matchLogoutSessions(db: Db, ctx: AppContext, target: ResolvedService, req: LogoutRequestData): Promise<SessionMatch> {
  const rows = await db.idpSessionService.findMany({
    where: { serviceId: target.service.id, sessionIndex: { in: req.sessionIndexes } },
    include: { session: true },
  });
  const cookie = readCookie(ctx, sessionCookieName(target.org.id));
  // An emptied cookie (after a logout) counts as none.
  const cookieHash = cookie ? hashToken(cookie) : undefined;
  const now = Date.now();
  const matched = rows.filter(
    (r) => r.nameId === req.nameId && r.session.organizationId === target.org.id && (cookieHash === undefined || safeEqual(r.session.tokenHash, cookieHash)),
  );
  const live = matched.filter((r) => !r.session.endedAt && r.session.expiresAt.getTime() > now).map((r) => r.sessionId);
  return { live: [...new Set(live)], known: matched.length > 0 };
}

/** Ends the sessions; returns false when another request ended them first (it runs the logout). */
export async function endSessions(tx: Tx, sessionIds: string[]): Promise<boolean> {
  const ended = await tx.idpSession.updateMany({ where: { id: { in: sessionIds }, endedAt: null }, data: { endedAt: new Date() } });
  return ended.count > 0;
}

/** The other services of the organization these sessions signed into that publish an SLO URL. */
export async function participantsOf(tx: Tx, sessionIds: string[], initiator: ResolvedService): Promise<Participant[]> {
  const rows = await tx.idpSessionService.findMany({
    where: { sessionId: { in: sessionIds }, serviceId: { not: initiator.service.id }, service: { organizationId: initiator.org.id } },
    include: { service: { include: { samlConfig: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const byKey = new Map<string, Participant>();
  for (const r of rows) {
    if (!r.service.samlConfig?.enabled || !r.service.samlConfig.sloUrl) continue;
    // Transient NameIDs differ per sign-in, so the grouping is per service and NameID.
    const key = JSON.stringify([r.serviceId, r.nameId]);
    const p = byKey.get(key) ?? { serviceId: r.serviceId, nameId: r.nameId, sessionIndexes: [] };
    p.sessionIndexes.push(r.sessionIndex);
    byKey.set(key, p);
  }
  return [...byKey.values()];
}

export function clearSessionCookie(ctx: AppContext, orgId: string): void {
  setCookie(ctx, sessionCookieName(orgId), '', { maxAgeSeconds: 0, sameSite: 'None' });
}
