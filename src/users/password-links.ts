// Single-use links (24 h) to the hosted /password page, where a directory user sets a password.
import type { Db } from '../db/client.ts';
import { hashToken, newId, newToken } from '../security/random.ts';
import { hashPassword } from '../security/passwords.ts';
import { recordAudit, type Actor } from '../audit/index.ts';

const LINK_TTL_MS = 24 * 3600 * 1000;

export async function createPasswordLink(
  db: Db,
  actor: Actor,
  publicUrl: string,
  user: { id: string; organizationId: string; email: string },
): Promise<{ url: string; expires_at: string }> {
  const token = `pwl_${newToken()}`;
  const expiresAt = new Date(Date.now() + LINK_TTL_MS);
  await db.$transaction(async (tx) => {
    const link = await tx.passwordLink.create({ data: { id: newId('pwl'), userId: user.id, tokenHash: hashToken(token), expiresAt } });
    await recordAudit(tx, actor, 'user.password_link.created', user.organizationId, user.id, { email: user.email, expires_at: link.expiresAt.toISOString() });
  });
  return { url: `${publicUrl}/password?token=${encodeURIComponent(token)}`, expires_at: expiresAt.toISOString() };
}

/** The link when it is unused and unexpired, else null. */
export async function findUsableLink(db: Db, token: string) {
  if (!token || token.length > 256) return null;
  const link = await db.passwordLink.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!link || link.usedAt || link.expiresAt <= new Date() || link.user.disabled) return null;
  return link;
}

/** Spends the link and sets the password in one transaction; false when the link was already spent. */
export async function usePasswordLink(db: Db, linkId: string, userId: string, password: string): Promise<boolean> {
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    const spent = await tx.passwordLink.updateMany({ where: { id: linkId, usedAt: null, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
    if (spent.count !== 1) return false;
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    // Any other outstanding links for this user die with this one.
    await tx.passwordLink.updateMany({ where: { userId, usedAt: null }, data: { usedAt: new Date() } });
    return true;
  });
}
