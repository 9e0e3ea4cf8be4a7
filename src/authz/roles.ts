// Who may do what in an organization. Every admin-plane route asks here, and only here.
import type { Db } from '../db/client.ts';
import { forbidden, notFound } from '../http/errors.ts';
import { Slug } from '../http/validate.ts';

export const ROLES = ['member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function atLeast(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export interface OrgAccess {
  org: { id: string; slug: string; name: string; maxServices: number | null; mfaPolicy: string; createdAt: Date; updatedAt: Date };
  role: Role;
  accountId: string;
}

/**
 * Loads the organization by slug for this account. A non-member (or a slug that does not exist) gets
 * the same 404, so existence never leaks; a member below `required` gets 403.
 */
export async function requireOrgRole(db: Db, accountId: string, slug: string, required: Role): Promise<OrgAccess> {
  // A string that cannot be a slug (too long, NUL bytes, …) is answered 404 without a query.
  const org = Slug.safeParse(slug).success ? await db.organization.findUnique({ where: { slug } }) : null;
  const membership = org ? await db.membership.findUnique({ where: { organizationId_accountId: { organizationId: org.id, accountId } } }) : null;
  if (!org || !membership || !isRole(membership.role)) throw notFound('Organization not found');
  if (!atLeast(membership.role, required)) throw forbidden(`This action requires the ${required} role`);
  return { org, role: membership.role, accountId };
}

/** Roles an actor may grant through an invitation: admins invite admins and members; owners anyone. */
export function mayInvite(actor: Role, invited: Role): boolean {
  return actor === 'owner' || (actor === 'admin' && invited !== 'owner');
}
