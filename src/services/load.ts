import type { Db } from '../db/client.ts';
import { notFound } from '../http/errors.ts';
import { Slug } from '../http/validate.ts';
import { requireOrgRole, type OrgAccess, type Role } from '../authz/roles.ts';

/** The organization (with the role check) and one of its services by slug; 404 for either missing. */
export async function requireService(db: Db, accountId: string, orgSlug: string, serviceSlug: string, required: Role) {
  const access: OrgAccess = await requireOrgRole(db, accountId, orgSlug, required);
  const service = Slug.safeParse(serviceSlug).success
    ? await db.service.findUnique({ where: { organizationId_slug: { organizationId: access.org.id, slug: serviceSlug } } })
    : null;
  if (!service) throw notFound('Service not found');
  return { access, service };
}
