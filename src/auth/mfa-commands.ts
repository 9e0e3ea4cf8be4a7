// The TOTP of admin accounts (docs/api.md, "Admin accounts: TOTP"): enrolling, confirming, disabling,
// and the second step of a sign-in. Enabling and disabling are recorded in the audit log of every
// organization the account belongs to, since each of them relies on that admin's sign-in.
import type { Deps } from '../deps.ts';
import type { Db, Tx } from '../db/client.ts';
import type { Sealer } from '../security/encryption.ts';
import { AppError, badRequest, conflict, unauthorized } from '../http/errors.ts';
import { verifyPassword } from '../security/passwords.ts';
import { recordAudit, type Actor } from '../audit/index.ts';
import { checkAccountCode, confirmEnrollment, removeTotp, startEnrollment, assertAccountNotLocked } from './totp.ts';
import { issueMfaToken, liveMfaToken, MFA_TOKEN_TTL_SECONDS, spendMfaToken } from './mfa-token.ts';
import { startSession, type TokenPair } from './sessions.ts';
import type { LoginTotpInput } from './schemas.ts';

/**
 * The answer to a right password of an account with TOTP: a 401 (so a client unaware of MFA sees a
 * failed sign-in, never a 200 without tokens) carrying the handle for POST /api/auth/login/totp.
 */
export async function mfaRequired(db: Db, accountId: string): Promise<AppError> {
  const token = await issueMfaToken(db, accountId);
  return new AppError(401, 'UNAUTHORIZED', 'This account needs a TOTP code: send it with mfa_token to POST /api/auth/login/totp', {
    extra: { mfa_required: true, mfa_methods: ['totp'], mfa_token: token, mfa_token_expires_in: MFA_TOKEN_TTL_SECONDS },
  });
}

const wrongCode = () =>
  badRequest('Wrong or already used code', [{ field: 'code', message: 'Wrong or already used code: wait for the next one and try again' }]);

/** The second step of a sign-in: the handle, then the code (lockout counted), then the handle is spent. */
export async function completeSignIn(deps: Deps, sealer: Sealer, key: Uint8Array, ip: string, input: LoginTotpInput): Promise<TokenPair> {
  const { db, limits } = deps;
  await limits.loginIp.consume(ip);
  const handle = await liveMfaToken(db, input.mfa_token);
  if (!(await checkAccountCode(db, sealer, handle.accountId, input.code))) throw unauthorized('Wrong or already used code');
  await spendMfaToken(db, handle.id);
  return startSession(db, key, handle.accountId);
}

/** The signed-in account, after its current password (counted against the email's sign-in limit). */
async function reauthenticate(deps: Deps, accountId: string, password: string) {
  const account = await deps.db.account.findUnique({ where: { id: accountId }, include: { totp: true } });
  if (!account) throw unauthorized();
  await deps.limits.loginEmail.consume(account.email);
  if (!(await verifyPassword(account.passwordHash, password))) throw badRequest('Wrong password', [{ field: 'password', message: 'Wrong password' }]);
  await deps.limits.loginEmail.reset(account.email);
  return account;
}

/**
 * One event per organization of the account, in the transaction of the change. In organization order:
 * each event updates its organization's day counter (audit/day-counts.ts), whose row lock lasts until
 * commit, so two of these at once must take the counters in the same order or deadlock on PostgreSQL.
 */
async function auditEverywhere(tx: Tx, actor: Actor, action: 'account.totp_enabled' | 'account.totp_disabled', accountId: string) {
  const memberships = await tx.membership.findMany({ where: { accountId }, select: { organizationId: true }, orderBy: { organizationId: 'asc' } });
  for (const m of memberships) await recordAudit(tx, actor, action, m.organizationId, accountId);
}

/** POST /api/auth/mfa/totp: a new secret, not active until confirmed. */
export async function beginTotp(deps: Deps, sealer: Sealer, accountId: string, password: string) {
  const account = await reauthenticate(deps, accountId, password);
  if (account.totp?.enabledAt) throw conflict('TOTP is already enabled for this account; disable it first to enroll a new authenticator');
  return startEnrollment(deps.db, sealer, account);
}

/** POST /api/auth/mfa/totp/confirm: the first code activates the pending secret. */
export async function confirmTotp(deps: Deps, sealer: Sealer, actor: Actor, code: string): Promise<Date> {
  const { db } = deps;
  const pending = await db.accountTotp.findUnique({ where: { accountId: actor.id } });
  if (pending?.enabledAt) throw conflict('TOTP is already enabled for this account');
  if (!pending) throw conflict('No TOTP enrollment in progress: start one with POST /api/auth/mfa/totp');
  const enabledAt = await confirmEnrollment(db, sealer, actor.id, pending.secretSealed, code, (tx) =>
    auditEverywhere(tx, actor, 'account.totp_enabled', actor.id),
  );
  if (!enabledAt) throw wrongCode();
  return enabledAt;
}

/** DELETE /api/auth/mfa/totp: the current password and a current code, then the factor is gone. */
export async function disableTotp(deps: Deps, sealer: Sealer, actor: Actor, input: { password: string; code: string }): Promise<void> {
  const { db } = deps;
  const factor = await db.accountTotp.findUnique({ where: { accountId: actor.id }, select: { enabledAt: true } });
  if (!factor?.enabledAt) throw conflict('TOTP is not enabled for this account');
  await assertAccountNotLocked(db, actor.id);
  await reauthenticate(deps, actor.id, input.password);
  if (!(await checkAccountCode(db, sealer, actor.id, input.code))) throw wrongCode();
  await removeAccountTotp(db, actor, actor.id);
}

/** Turns the account's TOTP off, audited; also `tessera account reset-totp` for a lost authenticator. */
export async function removeAccountTotp(db: Db, actor: Actor, accountId: string): Promise<void> {
  await removeTotp(db, accountId, (tx) => auditEverywhere(tx, actor, 'account.totp_disabled', accountId));
}
