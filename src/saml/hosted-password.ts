// The password step of a hosted sign-in, shared by the SAML sign-in page (login-page.ts) and /account
// (mfa/account-routes.ts): the per-IP and per-email limits, the check, and every attempt that fails
// recorded as a row of the organization's sign-in activity with a warn line of the same reason
// (docs/api.md, Sign-in activity). What comes after a right password is the caller's.
import type { Deps } from '../deps.ts';
import type { AppContext } from '../http/context.ts';
import type { User } from '../db/models.ts';
import { clientIp } from '../http/client-ip.ts';
import { isRateLimitError } from '../http/rate-limit.ts';
import { upgradeHash, verifyPassword } from '../security/passwords.ts';
import { recordHostedAttempt } from '../audit/sign-ins.ts';

export type PasswordRefusal = 'unknown_user' | 'user_disabled' | 'wrong_password';
export type PasswordCheck = { ok: true; user: User } | { ok: false; reason: PasswordRefusal; user: User | null };

/**
 * Checks `password` for `email` in the organization. Over a limit, the attempt is recorded and the 429
 * thrown. A refused attempt is recorded and returned with its reason: the pages say the same for each,
 * only the activity tells the admin which (a disabled user first, whatever the password). A right
 * password resets the email's limit and replaces a hash of another argon2 cost (security/passwords.ts).
 */
export async function checkHostedPassword(
  deps: Deps,
  ctx: AppContext,
  who: { organizationId: string; serviceId: string | null; email: string },
  password: string,
): Promise<PasswordCheck> {
  const { db, logger, limits } = deps;
  const record = (reason: 'rate_limited' | PasswordRefusal, userId: string | null) => recordHostedAttempt(db, logger, ctx, { ...who, userId }, reason);
  try {
    await limits.ssoLoginIp.consume(clientIp(ctx, deps.config.trustProxy));
    await limits.ssoLoginEmail.consume(`${who.organizationId}:${who.email}`);
  } catch (err) {
    if (isRateLimitError(err)) await record('rate_limited', null);
    throw err;
  }
  const user = who.email ? await db.user.findUnique({ where: { organizationId_email: { organizationId: who.organizationId, email: who.email } } }) : null;
  const ok = await verifyPassword(user?.passwordHash, password);
  if (!user || !ok || user.disabled) {
    const reason = !user ? 'unknown_user' : user.disabled ? 'user_disabled' : 'wrong_password';
    await record(reason, user?.id ?? null);
    return { ok: false, reason, user };
  }
  await limits.ssoLoginEmail.reset(`${who.organizationId}:${who.email}`);
  const old = user.passwordHash;
  if (old) upgradeHash(old, password, (fresh) => db.user.updateMany({ where: { id: user.id, passwordHash: old }, data: { passwordHash: fresh } }), logger);
  return { ok: true, user };
}
