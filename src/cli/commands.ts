// The operations behind `tessera …`, written against the database directly (no server needed).
import type { Db } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId, newToken, secureRandom } from '../security/random.ts';
import { hashPassword } from '../security/passwords.ts';
import { apiKeyHasher } from '../security/api-key.ts';
import { Email, Name, Password, Slug, validate } from '../http/validate.ts';
import { RESERVED_ORG_SLUGS } from '../organizations/index.ts';
import { SERVICE_TYPES } from '../services/index.ts';
import { CreateApiKey, createApiKey } from '../api-keys/index.ts';
import { createPasswordLink } from '../users/index.ts';
import { createSealer, type Sealer } from '../security/encryption.ts';
import { recordAudit, systemActor } from '../audit/index.ts';
import { removeAccountTotp } from '../auth/index.ts';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Turns a uniqueness failure into a one-line CLI error (exit code 3); validation errors exit 2 (index.ts). */
export async function guard<T>(work: () => Promise<T>, conflictMessage = 'already exists'): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isUniqueViolation(err)) throw new CliError(conflictMessage, 3);
    throw err;
  }
}

export async function createAccount(db: Db, input: { email: string; name?: string; password?: string }) {
  const email = validate(Email, input.email, 'Invalid email');
  const generated = input.password === undefined;
  const password = input.password ?? newToken(18);
  validate(Password, password, 'Invalid password');
  const account = await guard(
    async () =>
      db.account.create({
        data: { id: newId('acct'), email, name: input.name ? validate(Name, input.name) : null, passwordHash: await hashPassword(password) },
      }),
    `an account with email ${email} already exists`,
  );
  return { account, password: generated ? password : undefined };
}

/** An admin who lost their authenticator app: the operator turns the account's TOTP off (audited as the system). */
export async function resetAccountTotp(db: Db, input: string) {
  const email = validate(Email, input, 'Invalid email');
  const account = await db.account.findUnique({ where: { email }, include: { totp: { select: { enabledAt: true } } } });
  if (!account) throw new CliError(`no account with email ${email}`, 2);
  if (!account.totp?.enabledAt) throw new CliError(`${email} has no TOTP to reset`, 2);
  await removeAccountTotp(db, systemActor('account reset-totp'), account.id);
  return account;
}

export async function createOrganization(db: Db, input: { slug: string; name: string; owner: string }) {
  const slug = validate(Slug, input.slug, 'Invalid slug');
  if (RESERVED_ORG_SLUGS.has(slug)) throw new CliError(`the slug "${slug}" is reserved`, 2);
  const owner = await db.account.findUnique({ where: { email: input.owner.trim().toLowerCase() } });
  if (!owner) throw new CliError(`no account with email ${input.owner}; create it first with: tessera account create --email ${input.owner}`, 2);
  return guard(
    () =>
      db.$transaction(async (tx) => {
        const org = await tx.organization.create({ data: { id: newId('org'), slug, name: validate(Name, input.name) } });
        await tx.membership.create({ data: { id: newId('mem'), organizationId: org.id, accountId: owner.id, role: 'owner' } });
        await recordAudit(tx, systemActor('org create'), 'organization.created', org.id, org.id, { slug, name: org.name });
        return org;
      }),
    `an organization with slug ${slug} already exists`,
  );
}

async function findOrg(db: Db, slug: string) {
  const org = await db.organization.findUnique({ where: { slug } });
  if (!org) throw new CliError(`no organization with slug ${slug}`, 2);
  return org;
}

async function findService(db: Db, orgSlug: string, serviceSlug: string) {
  const org = await findOrg(db, orgSlug);
  const service = await db.service.findUnique({ where: { organizationId_slug: { organizationId: org.id, slug: serviceSlug } } });
  if (!service) throw new CliError(`no service ${serviceSlug} in organization ${orgSlug}`, 2);
  return service;
}

export async function setMaxServices(db: Db, slug: string, value: string) {
  const org = await findOrg(db, slug);
  const max = value === 'default' ? null : Number(value);
  if (max !== null && (!Number.isInteger(max) || max < 0 || max > 100000))
    throw new CliError('max services must be an integer from 0 to 100000, or "default"', 2);
  return db.$transaction(async (tx) => {
    const updated = await tx.organization.update({ where: { id: org.id }, data: { maxServices: max } });
    await recordAudit(tx, systemActor('org set-max-services'), 'organization.updated', org.id, org.id, { max_services: max });
    return updated;
  });
}

export async function createServiceCli(db: Db, input: { org: string; slug: string; name: string; type: string }) {
  const org = await findOrg(db, input.org);
  const slug = validate(Slug, input.slug, 'Invalid slug');
  if (!(SERVICE_TYPES as readonly string[]).includes(input.type)) throw new CliError(`service type must be one of ${SERVICE_TYPES.join(', ')}`, 2);
  const data = {
    id: newId('svc'),
    organizationId: org.id,
    slug,
    name: validate(Name, input.name),
    serviceType: input.type,
    clientId: secureRandom(16).toString('hex'),
  };
  return guard(
    () =>
      db.$transaction(async (tx) => {
        const created = await tx.service.create({ data });
        await recordAudit(tx, systemActor('service create'), 'service.created', org.id, created.id, { slug, name: data.name, service_type: data.serviceType });
        return created;
      }),
    `a service with slug ${slug} already exists in ${input.org}`,
  );
}

export async function createApiKeyCli(
  db: Db,
  secret: string,
  input: { org: string; service: string; name: string; permissions: string[]; expiresInDays?: number; environment?: string },
) {
  const service = await findService(db, input.org, input.service);
  const body = validate(
    CreateApiKey,
    {
      name: input.name,
      permissions: input.permissions,
      ...(input.expiresInDays !== undefined ? { expires_in_days: input.expiresInDays } : {}),
      ...(input.environment !== undefined ? { environment: input.environment } : {}),
    },
    'Invalid API key',
  );
  return createApiKey(db, systemActor('api-key create'), apiKeyHasher(secret), service, body);
}

export async function passwordLinkCli(db: Db, publicUrl: string, input: { org: string; email: string }) {
  const org = await findOrg(db, input.org);
  const user = await db.user.findUnique({ where: { organizationId_email: { organizationId: org.id, email: input.email.trim().toLowerCase() } } });
  if (!user) throw new CliError(`no user ${input.email} in organization ${input.org}`, 2);
  return createPasswordLink(db, systemActor('user password-link'), publicUrl, user);
}

/** One sealed value: re-sealed with the new key, or null when it already opens with it. */
function reseal(oldSealer: Sealer, newSealer: Sealer, sealed: string, boundTo: string, what: string): string | null {
  let plain: string;
  try {
    plain = oldSealer.open(sealed, boundTo);
  } catch {
    try {
      newSealer.open(sealed, boundTo);
      return null;
    } catch {
      throw new CliError(`${what} ${boundTo} opens with neither the old nor the new key; nothing was changed`, 1);
    }
  }
  return newSealer.seal(plain, boundTo);
}

/**
 * Re-encrypts every SAML private key, webhook secret and TOTP secret from the old TESSERA_ENCRYPTION_KEY (given in
 * `oldKey`) to the current one, in one transaction: either every row is re-sealed or none is. Values
 * that already open with the new key are left alone, so an interrupted rotation can simply be run again.
 */
export async function rotateEncryptionKey(db: Db, oldKey: string | undefined, newKey: string | undefined) {
  if (!newKey) throw new CliError('set TESSERA_ENCRYPTION_KEY to the new key', 2);
  const oldSealer = createSealer(oldKey);
  const newSealer = createSealer(newKey);
  const certs = await db.samlCertificate.findMany({ select: { id: true, encryptedPrivateKey: true } });
  const updates: { id: string; sealed: string }[] = [];
  let already = 0;
  for (const c of certs) {
    const sealed = reseal(oldSealer, newSealer, c.encryptedPrivateKey, c.id, 'certificate');
    if (sealed === null) already++;
    else updates.push({ id: c.id, sealed });
  }
  const hooks = await db.webhook.findMany({ select: { id: true, secret: true, previousSecret: true } });
  const hookUpdates = hooks.map((w) => ({
    id: w.id,
    secret: reseal(oldSealer, newSealer, w.secret, w.id, 'webhook'),
    // A sealed value is never empty: present or not is a null check, not a comparison of secrets.
    previousSecret: w.previousSecret ? reseal(oldSealer, newSealer, w.previousSecret, w.id, 'webhook') : null,
  }));
  // TOTP secrets of directory users and admin accounts, sealed bound to `totp:<owner id>` (mfa/totp.ts).
  const totp = (await db.totpFactor.findMany({ select: { userId: true, secretSealed: true } })).map((f) => ({
    id: f.userId,
    sealed: reseal(oldSealer, newSealer, f.secretSealed, `totp:${f.userId}`, 'TOTP secret of'),
  }));
  const accountTotp = (await db.accountTotp.findMany({ select: { accountId: true, secretSealed: true } })).map((f) => ({
    id: f.accountId,
    sealed: reseal(oldSealer, newSealer, f.secretSealed, `totp:${f.accountId}`, 'TOTP secret of'),
  }));
  await db.$transaction([
    ...totp.flatMap((u) => (u.sealed ? [db.totpFactor.update({ where: { userId: u.id }, data: { secretSealed: u.sealed } })] : [])),
    ...accountTotp.flatMap((u) => (u.sealed ? [db.accountTotp.update({ where: { accountId: u.id }, data: { secretSealed: u.sealed } })] : [])),
    ...updates.map((u) => db.samlCertificate.update({ where: { id: u.id }, data: { encryptedPrivateKey: u.sealed } })),
    ...hookUpdates
      .filter((u) => Boolean(u.secret ?? u.previousSecret))
      .map((u) =>
        db.webhook.update({
          where: { id: u.id },
          data: { ...(u.secret ? { secret: u.secret } : {}), ...(u.previousSecret ? { previousSecret: u.previousSecret } : {}) },
        }),
      ),
  ]);
  const totpSecrets = [...totp, ...accountTotp].filter((u) => u.sealed !== null).length;
  return { rotated: updates.length, already, webhooks: hookUpdates.filter((u) => Boolean(u.secret)).length, totpSecrets };
}
