// A second-factor step in progress (mfa_challenges): made after the password of a sign-in, for a
// step-up of a live session, or for an enrollment on /account. The browser holds its token (a
// hidden field); the row holds whom it is for and what it may finish.
import type { Db } from '../db/client.ts';
import { hashToken, newId, newToken } from '../security/random.ts';

const TTL_MS = 10 * 60 * 1000;

export type ChallengePurpose = 'sign_in' | 'account';

export interface NewChallenge {
  userId: string;
  organizationId: string;
  purpose: ChallengePurpose;
  pendingId?: string | undefined;
  sessionId?: string | undefined;
}

export async function createChallenge(db: Db, c: NewChallenge): Promise<{ id: string; token: string }> {
  const token = newToken();
  const row = await db.mfaChallenge.create({
    data: {
      id: newId('mfa'),
      tokenHash: hashToken(token),
      userId: c.userId,
      organizationId: c.organizationId,
      purpose: c.purpose,
      pendingId: c.pendingId ?? null,
      sessionId: c.sessionId ?? null,
      expiresAt: new Date(Date.now() + TTL_MS),
    },
  });
  return { id: row.id, token };
}

/** The live step the token names, with its user; null when unknown, spent, expired or for another purpose. */
export async function findChallenge(db: Db, token: string, purpose: ChallengePurpose) {
  if (!token || token.length > 128) return null;
  const row = await db.mfaChallenge.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: { include: { organization: true } } } });
  if (!row || row.purpose !== purpose || row.consumedAt || row.expiresAt <= new Date() || row.user.disabled) return null;
  return row;
}

export type Challenge = NonNullable<Awaited<ReturnType<typeof findChallenge>>>;

/** Any step the token names, live or not: for its dead end's branding and way back only, never to go on. */
export async function staleChallenge(db: Db, token: string) {
  if (!token || token.length > 128) return null;
  const row = await db.mfaChallenge.findUnique({
    where: { tokenHash: hashToken(token) },
    select: { pendingId: true, user: { select: { organization: true } } },
  });
  return row && { pendingId: row.pendingId, organization: row.user.organization };
}

/** Single use: true only for the one caller that finishes the step. */
export async function consumeChallenge(db: Db, id: string): Promise<boolean> {
  const r = await db.mfaChallenge.updateMany({ where: { id, consumedAt: null, expiresAt: { gt: new Date() } }, data: { consumedAt: new Date() } });
  return r.count === 1;
}
