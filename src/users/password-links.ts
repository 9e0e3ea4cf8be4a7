// Single-use links to the hosted /password page, where a directory user sets a password: issued by an
// admin (purpose "set", 24 h) or asked for on /password/forgot (purpose "reset", 30 min, mailed only).
// Saving a password through either ends every IdP session of the user, in the same transaction.
import type { Db } from '../db/client.ts';
import { hashToken, newId, newToken } from '../security/random.ts';
import { hashPassword } from '../security/passwords.ts';
import { recordAudit, type Actor } from '../audit/index.ts';

export const SET_LINK_TTL_MS = 24 * 3600 * 1000;
export const RESET_LINK_TTL_MS = 30 * 60 * 1000;

export interface LinkOptions {
  purpose: 'set' | 'reset';
  /** The sign-in request a reset started from, for the way back once the password is saved. */
  pendingRequestId?: string | null;
}

/**
 * A single-use link to the hosted /password page. `actor` is whoever asked: an admin or the CLI (an
 * audit event is written with the link), or null for the user's own self-service reset, which belongs
 * to no admin's audit trail.
 */
export async function createPasswordLink(
  db: Db,
  actor: Actor | null,
  publicUrl: string,
  user: { id: string; organizationId: string; email: string },
  opts: LinkOptions = { purpose: 'set' },
): Promise<{ url: string; expires_at: string }> {
  const token = `pwl_${newToken()}`;
  const expiresAt = new Date(Date.now() + (opts.purpose === 'reset' ? RESET_LINK_TTL_MS : SET_LINK_TTL_MS));
  await db.$transaction(async (tx) => {
    const link = await tx.passwordLink.create({
      data: {
        id: newId('pwl'),
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt,
        purpose: opts.purpose,
        pendingRequestId: opts.pendingRequestId ?? null,
      },
    });
    if (actor) {
      await recordAudit(tx, actor, 'user.password_link.created', user.organizationId, user.id, { email: user.email, expires_at: link.expiresAt.toISOString() });
    }
  });
  return { url: `${publicUrl}/password?token=${encodeURIComponent(token)}`, expires_at: expiresAt.toISOString() };
}

/**
 * The link and whether it can still be used. A spent or expired link is returned too (its
 * organization's page and support link are the way back); an unknown token is null.
 */
export async function findLink(db: Db, token: string) {
  if (!token || token.length > 256) return null;
  const link = await db.passwordLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: { include: { organization: true } } } });
  if (!link) return null;
  return { link, usable: !link.usedAt && link.expiresAt > new Date() && !link.user.disabled };
}

/**
 * Spends the link, sets the password and ends the user's IdP sessions in one transaction: whoever held
 * a session (the reason for a reset, often) is signed out everywhere. False when the link was spent.
 */
export async function usePasswordLink(db: Db, linkId: string, userId: string, password: string): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    const now = new Date();
    const spent = await tx.passwordLink.updateMany({ where: { id: linkId, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
    if (spent.count !== 1) return false;
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    // Any other outstanding links for this user die with this one.
    await tx.passwordLink.updateMany({ where: { userId, usedAt: null }, data: { usedAt: now } });
    await tx.idpSession.updateMany({ where: { userId, endedAt: null }, data: { endedAt: now } });
    return true;
  });
}
