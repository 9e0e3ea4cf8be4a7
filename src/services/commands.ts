// The reads and writes behind /api/organizations/:org/services. Creating a service counts the
// organization's services under its row lock, so concurrent creates cannot pass the limit together.
import type { Deps } from '../deps.ts';
import type { Db } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { conflict, notFound, serviceLimitExceeded } from '../http/errors.ts';
import type { Page } from '../http/validate.ts';
import { newId, secureRandom } from '../security/random.ts';
import { lockOrganization, maxServicesFor, serviceUsage } from '../organizations/index.ts';
import type { CreateServiceInput, UpdateServiceInput } from './schemas.ts';
import { recordAudit, setsNothing, type Actor } from '../audit/index.ts';

/** Scope lists are stored in JSON text; null (no grant) and undefined (unchanged) pass through. */
const json = (v: string[] | null | undefined) => (v === undefined ? undefined : v === null ? null : JSON.stringify(v));

class LimitReached extends Error {
  constructor(readonly max: number) {
    super('limit');
  }
}

export async function createService(deps: Deps, actor: Actor, organizationId: string, input: CreateServiceInput) {
  try {
    return await deps.db.$transaction(async (tx) => {
      // Concurrent creates take turns here, so each counts the ones committed before it (lock.ts).
      const locked = await lockOrganization(tx, deps.database.dialect, organizationId);
      if (!locked) throw notFound('Organization not found');
      const max = maxServicesFor(deps, locked);
      const count = await tx.service.count({ where: { organizationId } });
      if (count >= max) throw new LimitReached(max);
      const created = await tx.service.create({
        data: {
          id: newId('svc'),
          organizationId,
          slug: input.slug,
          name: input.name,
          serviceType: input.service_type,
          clientId: secureRandom(16).toString('hex'),
          redirectUris: JSON.stringify(input.redirect_uris ?? []),
          githubScopes: json(input.github_scopes) ?? null,
          googleScopes: json(input.google_scopes) ?? null,
          microsoftScopes: json(input.microsoft_scopes) ?? null,
        },
      });
      await recordAudit(tx, actor, 'service.created', organizationId, created.id, { ...input, service_type: created.serviceType });
      return created;
    });
  } catch (err) {
    if (err instanceof LimitReached) throw serviceLimitExceeded(err.max);
    if (isUniqueViolation(err)) throw conflict('A service with this slug already exists in the organization', 'slug');
    throw err;
  }
}

/** A page of the organization's services, and its usage (whose count is the total). */
export async function listServices(deps: Deps, org: { id: string; maxServices: number | null }, page: Page) {
  const services = await deps.db.service.findMany({
    where: { organizationId: org.id },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: page.limit,
    skip: page.offset,
  });
  return { services, usage: await serviceUsage(deps, org) };
}

export async function updateService(deps: Deps, actor: Actor, serviceId: string, input: UpdateServiceInput) {
  if (setsNothing(input)) return deps.db.service.findUniqueOrThrow({ where: { id: serviceId } });
  const updated = await deps.db.$transaction(async (tx) => {
    const row = await tx.service.update({
      where: { id: serviceId },
      data: {
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.redirect_uris !== undefined ? { redirectUris: JSON.stringify(input.redirect_uris) } : {}),
        ...(input.github_scopes !== undefined ? { githubScopes: json(input.github_scopes) } : {}),
        ...(input.google_scopes !== undefined ? { googleScopes: json(input.google_scopes) } : {}),
        ...(input.microsoft_scopes !== undefined ? { microsoftScopes: json(input.microsoft_scopes) } : {}),
      },
    });
    await recordAudit(tx, actor, 'service.updated', row.organizationId, row.id, { ...input });
    return row;
  });
  await deps.invalidation.publish({ kind: 'service', id: serviceId });
  return updated;
}

export async function deleteService(deps: Deps, actor: Actor, serviceId: string): Promise<void> {
  // Foreign keys cascade to plans, subscriptions, API keys, SAML configuration and certificates.
  await deps.db.$transaction(async (tx) => {
    const row = await tx.service.delete({ where: { id: serviceId } });
    await recordAudit(tx, actor, 'service.deleted', row.organizationId, row.id, { slug: row.slug });
  });
  await deps.invalidation.publish({ kind: 'service', id: serviceId });
}

/** The service's plans, oldest first (for its detail view). */
export function servicePlans(db: Db, serviceId: string) {
  return db.plan.findMany({ where: { serviceId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}
