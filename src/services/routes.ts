// /api/organizations/:org/services (docs/api.md, Services).
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { conflict, notFound, serviceLimitExceeded } from '../http/errors.ts';
import { Name, Slug, pageFrom, validate } from '../http/validate.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { newId, secureRandom } from '../security/random.ts';
import { requireOrgRole } from '../authz/roles.ts';
import { accountId } from '../auth/middleware.ts';
import { maxServicesFor, serviceUsage } from '../organizations/usage.ts';
import { lockOrganization } from '../organizations/lock.ts';
import { presentService, providerGrants } from './present.ts';
import { requireService } from './load.ts';
import { presentPlan } from '../plans/present.ts';

export const SERVICE_TYPES = ['web', 'mobile', 'desktop', 'cli', 'api'] as const;

const RedirectUri = z.string().max(2048).refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol !== 'javascript:' && u.protocol !== 'data:' && u.protocol !== 'file:' && !u.hash;
  } catch {
    return false;
  }
}, 'Redirect URIs must be absolute URLs without a fragment');
const Scopes = z.array(z.string().min(1).max(200)).max(100);
const Editable = {
  name: Name,
  redirect_uris: z.array(RedirectUri).max(50),
  github_scopes: Scopes,
  google_scopes: Scopes,
  microsoft_scopes: Scopes,
};
export const CreateService = z.strictObject({
  slug: Slug,
  name: Editable.name,
  service_type: z.enum(SERVICE_TYPES),
  redirect_uris: Editable.redirect_uris.optional(),
  github_scopes: Scopes.optional(),
  google_scopes: Scopes.optional(),
  microsoft_scopes: Scopes.optional(),
});
export const UpdateService = z.strictObject({
  name: Editable.name.optional(),
  redirect_uris: Editable.redirect_uris.optional(),
  github_scopes: Scopes.nullable().optional(),
  google_scopes: Scopes.nullable().optional(),
  microsoft_scopes: Scopes.nullable().optional(),
});

const json = (v: string[] | null | undefined) => (v === undefined ? undefined : v === null ? null : JSON.stringify(v));

class LimitReached extends Error { constructor(readonly max: number) { super('limit'); } }

export function serviceRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/services' });

  router.post('/', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const body = validate(CreateService, ctx.request.body);
    try {
      const service = await db.$transaction(async (tx) => {
        // Concurrent creates take turns here, so each counts the ones committed before it (lock.ts).
        const locked = await lockOrganization(tx, deps.database.dialect, access.org.id);
        if (!locked) throw notFound('Organization not found');
        const max = maxServicesFor(deps, locked);
        const count = await tx.service.count({ where: { organizationId: access.org.id } });
        if (count >= max) throw new LimitReached(max);
        return tx.service.create({
          data: {
            id: newId('svc'),
            organizationId: access.org.id,
            slug: body.slug,
            name: body.name,
            serviceType: body.service_type,
            clientId: secureRandom(16).toString('hex'),
            redirectUris: JSON.stringify(body.redirect_uris ?? []),
            githubScopes: json(body.github_scopes) ?? null,
            googleScopes: json(body.google_scopes) ?? null,
            microsoftScopes: json(body.microsoft_scopes) ?? null,
          },
        });
      });
      ctx.status = 201;
      ctx.body = { service: presentService(service), client_id: service.clientId };
    } catch (err) {
      if (err instanceof LimitReached) throw serviceLimitExceeded(err.max);
      if (isUniqueViolation(err)) throw conflict('A service with this slug already exists in the organization');
      throw err;
    }
  });

  router.get('/', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'member');
    const page = pageFrom(ctx.query);
    const services = await db.service.findMany({ where: { organizationId: access.org.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset });
    const usage = await serviceUsage(deps, access.org);
    ctx.body = { services: services.map(presentService), total: usage.current_services, usage };
  });

  router.get('/:service', async (ctx) => {
    const { service } = await requireService(db, accountId(ctx), ctx.params.org ?? '', ctx.params.service ?? '', 'member');
    const plans = await db.plan.findMany({ where: { serviceId: service.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    ctx.body = { service: presentService(service), provider_grants: providerGrants(service), plans: plans.map(presentPlan) };
  });

  router.patch('/:service', async (ctx) => {
    const { service } = await requireService(db, accountId(ctx), ctx.params.org ?? '', ctx.params.service ?? '', 'admin');
    const body = validate(UpdateService, ctx.request.body);
    const updated = await db.service.update({
      where: { id: service.id },
      data: {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.redirect_uris !== undefined ? { redirectUris: JSON.stringify(body.redirect_uris) } : {}),
        ...(body.github_scopes !== undefined ? { githubScopes: json(body.github_scopes) } : {}),
        ...(body.google_scopes !== undefined ? { googleScopes: json(body.google_scopes) } : {}),
        ...(body.microsoft_scopes !== undefined ? { microsoftScopes: json(body.microsoft_scopes) } : {}),
      },
    });
    await deps.invalidation.publish({ kind: 'service', id: service.id });
    ctx.body = { service: presentService(updated) };
  });

  router.delete('/:service', async (ctx) => {
    const { service } = await requireService(db, accountId(ctx), ctx.params.org ?? '', ctx.params.service ?? '', 'owner');
    // Foreign keys cascade to plans, subscriptions, API keys, SAML configuration and certificates.
    await db.service.delete({ where: { id: service.id } });
    await deps.invalidation.publish({ kind: 'service', id: service.id });
    ctx.status = 204;
  });

  return router;
}
