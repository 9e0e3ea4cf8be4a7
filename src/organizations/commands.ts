// The reads and writes behind /api/organizations and its members. A change of more than one row runs
// in one transaction; a change that checks an organization-wide invariant locks the organization row
// first (lock.ts).
import type { Deps } from '../deps.ts';
import type { Db, Tx } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound } from '../http/errors.ts';
import type { Page } from '../http/validate.ts';
import { looksLikeId, newId } from '../security/random.ts';
import type { Role } from '../authz/roles.ts';
import { lockOrganization } from './lock.ts';
import { recordAudit, setsNothing, type Actor } from '../audit/index.ts';
import type { CreateOrgInput, UpdateOrgInput } from './schemas.ts';

/** The organization and the creator's owner membership, together or not at all. */
export async function createOrganization(db: Db, actor: Actor, ownerId: string, input: CreateOrgInput) {
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.organization.create({ data: { id: newId('org'), slug: input.slug, name: input.name } });
      await tx.membership.create({ data: { id: newId('mem'), organizationId: created.id, accountId: ownerId, role: 'owner' } });
      await recordAudit(tx, actor, 'organization.created', created.id, created.id, { slug: created.slug, name: created.name });
      return created;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict('An organization with this slug already exists', 'slug');
    throw err;
  }
}

/** The account's memberships, each with its organization. */
export async function listMemberships(db: Db, accountId: string, page: Page) {
  const where = { accountId };
  const [memberships, total] = await Promise.all([
    db.membership.findMany({ where, include: { organization: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
    db.membership.count({ where }),
  ]);
  return { memberships, total };
}

const SETTINGS = {
  display_name: 'displayName',
  logo_url: 'logoUrl',
  primary_color: 'primaryColor',
  support_url: 'supportUrl',
  mfa_policy: 'mfaPolicy',
} as const;

/** Name, branding and the second-factor policy; a field left out stays, null clears a branding field. */
export async function renameOrganization(deps: Deps, actor: Actor, organizationId: string, input: UpdateOrgInput) {
  if (setsNothing(input)) return deps.db.organization.findUniqueOrThrow({ where: { id: organizationId } });
  const data: Record<string, string | null> = {};
  if (input.name !== undefined) data.name = input.name;
  for (const [field, column] of Object.entries(SETTINGS)) {
    const value = input[field as keyof typeof SETTINGS];
    if (value !== undefined) data[column] = value;
  }
  const org = await deps.db.$transaction(async (tx) => {
    const row = await tx.organization.update({ where: { id: organizationId }, data });
    await recordAudit(tx, actor, 'organization.updated', row.id, row.id, { ...input });
    return row;
  });
  await deps.invalidation.publish({ kind: 'org', id: org.id });
  return org;
}

export async function deleteOrganization(deps: Deps, actor: Actor, organizationId: string): Promise<void> {
  // Foreign keys cascade to services, plans, keys, users, subscriptions, SAML and sessions. Sign-in
  // activity goes with them (and its day counters); the audit log keeps the deletion's event until retention prunes it.
  await deps.db.$transaction(async (tx) => {
    const org = await tx.organization.delete({ where: { id: organizationId } });
    await tx.signIn.deleteMany({ where: { organizationId } });
    await tx.signInCount.deleteMany({ where: { organizationId } });
    await recordAudit(tx, actor, 'organization.deleted', organizationId, organizationId, { slug: org.slug });
  });
  await deps.invalidation.publish({ kind: 'org', id: organizationId });
}

export async function listMembers(db: Db, organizationId: string, page: Page) {
  const where = { organizationId };
  const [members, total] = await Promise.all([
    db.membership.findMany({ where, include: { account: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
    db.membership.count({ where }),
  ]);
  return { members, total };
}

class LastOwner extends Error {}

/**
 * Two owners demoting or removing each other at once would each count two owners and leave none: the
 * organization row lock makes the second wait for the first and count again (lock.ts).
 */
async function lockForOwnerCheck(deps: Deps, tx: Tx, organizationId: string): Promise<void> {
  if (!(await lockOrganization(tx, deps.database.dialect, organizationId))) throw notFound('Organization not found');
}

/** The membership of `targetId`, after the lock; 404 when there is none. */
async function lockedMember(deps: Deps, tx: Tx, organizationId: string, targetId: string) {
  await lockForOwnerCheck(deps, tx, organizationId);
  const member = looksLikeId(targetId, 'acct')
    ? await tx.membership.findUnique({ where: { organizationId_accountId: { organizationId, accountId: targetId } } })
    : null;
  if (!member) throw notFound('Member not found');
  return member;
}

async function keepingAnOwner<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LastOwner) throw conflict('An organization must keep at least one owner');
    throw err;
  }
}

async function refuseLastOwner(tx: Tx, organizationId: string): Promise<void> {
  const owners = await tx.membership.count({ where: { organizationId, role: 'owner' } });
  if (owners <= 1) throw new LastOwner();
}

export async function changeRole(deps: Deps, actor: Actor, organizationId: string, targetId: string, role: Role) {
  return keepingAnOwner(() =>
    deps.db.$transaction(async (tx) => {
      const member = await lockedMember(deps, tx, organizationId, targetId);
      if (member.role === 'owner' && role !== 'owner') await refuseLastOwner(tx, organizationId);
      const row = await tx.membership.update({ where: { id: member.id }, data: { role }, include: { account: true } });
      await recordAudit(tx, actor, 'member.updated', organizationId, row.accountId, { email: row.account.email, role });
      return row;
    }),
  );
}

export async function removeMember(deps: Deps, actor: Actor, organizationId: string, targetId: string): Promise<void> {
  await keepingAnOwner(() =>
    deps.db.$transaction(async (tx) => {
      const member = await lockedMember(deps, tx, organizationId, targetId);
      if (member.role === 'owner') await refuseLastOwner(tx, organizationId);
      await tx.membership.delete({ where: { id: member.id } });
      await recordAudit(tx, actor, 'member.removed', organizationId, member.accountId, { role: member.role });
    }),
  );
}
