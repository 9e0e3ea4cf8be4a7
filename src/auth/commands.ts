// Admin accounts: creating one, signing in, and reading the signed-in one.
import type { Deps } from '../deps.ts';
import type { Db } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, unauthorized } from '../http/errors.ts';
import { hashPassword, upgradeHash, verifyPassword } from '../security/passwords.ts';
import { newId } from '../security/random.ts';
import { startSession, type TokenPair } from './sessions.ts';
import type { LoginInput, RegisterInput } from './schemas.ts';
import { mfaRequired } from './mfa-commands.ts';

/** The new account and its first session. */
export async function register(db: Db, key: Uint8Array, input: RegisterInput) {
  const passwordHash = await hashPassword(input.password);
  let account;
  try {
    account = await db.account.create({ data: { id: newId('acct'), email: input.email, name: input.name ?? null, passwordHash } });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('An account with this email already exists', 'email');
    throw err;
  }
  return { account, tokens: await startSession(db, key, account.id) };
}

/**
 * A new session for the right email and password. Both limits are counted before the password is
 * checked; a success clears the email's count. One message for every failure. An account with TOTP
 * gets no session here but a 401 carrying the handle for its code (mfa-commands.ts).
 */
export async function signIn(deps: Deps, key: Uint8Array, ip: string, input: LoginInput): Promise<TokenPair> {
  const { db, limits } = deps;
  const email = input.email.trim().toLowerCase();
  await limits.loginIp.consume(ip);
  await limits.loginEmail.consume(email);
  const account = await db.account.findUnique({ where: { email }, include: { totp: { select: { enabledAt: true } } } });
  const ok = await verifyPassword(account?.passwordHash, input.password);
  if (!account || !ok) throw unauthorized('Invalid email or password');
  await limits.loginEmail.reset(email);
  const old = account.passwordHash;
  upgradeHash(
    old,
    input.password,
    (fresh) => db.account.updateMany({ where: { id: account.id, passwordHash: old }, data: { passwordHash: fresh } }),
    deps.logger,
  );
  if (account.totp?.enabledAt) throw await mfaRequired(db, account.id);
  return startSession(db, key, account.id);
}

/** The signed-in account with its memberships (oldest first); 401 when the account is gone. */
export async function signedInAccount(db: Db, id: string) {
  const account = await db.account.findUnique({
    where: { id },
    include: { memberships: { include: { organization: true }, orderBy: { createdAt: 'asc' } }, totp: { select: { enabledAt: true } } },
  });
  if (!account) throw unauthorized();
  return account;
}
