// /api/organizations (docs/api.md, Organizations): organizations and their members.
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { conflict, notFound } from '../http/errors.ts';
import { Name, Slug, pageFrom, validate } from '../http/validate.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { requireOrgRole, ROLES, type Role } from '../authz/roles.ts';
import { accountId } from '../auth/middleware.ts';
import { presentMember, presentOrganization } from './present.ts';
import { serviceUsage } from './usage.ts';
import { lockOrganization } from './lock.ts';
import type { Tx } from '../db/client.ts';

export const RESERVED_ORG_SLUGS = new Set(['api', 'admin', 'saml', 'login', 'static', 'assets', 'health', 'metrics', 'docs', 'www']);

export const CreateOrg = z.strictObject({ slug: Slug.refine((s) => !RESERVED_ORG_SLUGS.has(s), 'This slug is reserved'), name: Name });
export const UpdateOrg = z.strictObject({ name: Name.optional() });
export const UpdateMember = z.strictObject({ role: z.enum(ROLES) });

export function organizationRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations' });

  router.post('/', async (ctx) => {
    const body = validate(CreateOrg, ctx.request.body);
    const me = accountId(ctx);
    try {
      const org = await db.$transaction(async (tx) => {
        const created = await tx.organization.create({ data: { id: newId('org'), slug: body.slug, name: body.name } });
        await tx.membership.create({ data: { id: newId('mem'), organizationId: created.id, accountId: me, role: 'owner' } });
        return created;
      });
      ctx.status = 201;
      ctx.body = { organization: { ...presentOrganization(org), role: 'owner' } };
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('An organization with this slug already exists');
      throw err;
    }
  });

  router.get('/', async (ctx) => {
    const page = pageFrom(ctx.query);
    const where = { accountId: accountId(ctx) };
    const [memberships, total] = await Promise.all([
      db.membership.findMany({ where, include: { organization: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
      db.membership.count({ where }),
    ]);
    ctx.body = { organizations: memberships.map((m) => ({ ...presentOrganization(m.organization), role: m.role })), total };
  });

  router.get('/:org', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'member');
    ctx.body = { organization: { ...presentOrganization(access.org), role: access.role }, usage: await serviceUsage(deps, access.org) };
  });

  router.patch('/:org', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const body = validate(UpdateOrg, ctx.request.body);
    const org = await db.organization.update({ where: { id: access.org.id }, data: { ...(body.name !== undefined ? { name: body.name } : {}) } });
    await deps.invalidation.publish({ kind: 'org', id: org.id });
    ctx.body = { organization: { ...presentOrganization(org), role: access.role } };
  });

  router.delete('/:org', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'owner');
    // Foreign keys cascade to services, plans, keys, users, subscriptions, SAML and sessions.
    await db.organization.delete({ where: { id: access.org.id } });
    await deps.invalidation.publish({ kind: 'org', id: access.org.id });
    ctx.status = 204;
  });

  router.get('/:org/members', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'member');
    const page = pageFrom(ctx.query);
    const where = { organizationId: access.org.id };
    const [rows, total] = await Promise.all([
      db.membership.findMany({ where, include: { account: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
      db.membership.count({ where }),
    ]);
    ctx.body = { members: rows.map(presentMember), total };
  });

  router.patch('/:org/members/:accountId', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'owner');
    const body = validate(UpdateMember, ctx.request.body);
    const member = await changeRole(deps, access.org.id, ctx.params.accountId ?? '', body.role);
    ctx.body = { member: presentMember(member) };
  });

  router.delete('/:org/members/:accountId', async (ctx) => {
    const me = accountId(ctx);
    const target = ctx.params.accountId ?? '';
    // Anyone may leave; removing someone else needs the owner role.
    const access = await requireOrgRole(db, me, ctx.params.org ?? '', target === me ? 'member' : 'owner');
    await removeMember(deps, access.org.id, target);
    ctx.status = 204;
  });

  return router;
}

class LastOwner extends Error {}

/**
 * Two owners demoting or removing each other at once would each count two owners and leave none: the
 * organization row lock makes the second wait for the first and count again (lock.ts).
 */
async function lockForOwnerCheck(deps: Deps, tx: Tx, organizationId: string): Promise<void> {
  if (!(await lockOrganization(tx, deps.database.dialect, organizationId))) throw notFound('Organization not found');
}

async function changeRole(deps: Deps, organizationId: string, targetId: string, role: Role) {
  try {
    return await deps.db.$transaction(async (tx) => {
      await lockForOwnerCheck(deps, tx, organizationId);
      const member = looksLikeId(targetId, 'acct') ? await tx.membership.findUnique({ where: { organizationId_accountId: { organizationId, accountId: targetId } } }) : null;
      if (!member) throw notFound('Member not found');
      if (member.role === 'owner' && role !== 'owner') {
        const owners = await tx.membership.count({ where: { organizationId, role: 'owner' } });
        if (owners <= 1) throw new LastOwner();
      }
      return tx.membership.update({ where: { id: member.id }, data: { role }, include: { account: true } });
    });
  } catch (err) {
    if (err instanceof LastOwner) throw conflict('An organization must keep at least one owner');
    throw err;
  }
}

async function removeMember(deps: Deps, organizationId: string, targetId: string): Promise<void> {
  try {
    await deps.db.$transaction(async (tx) => {
      await lockForOwnerCheck(deps, tx, organizationId);
      const member = looksLikeId(targetId, 'acct') ? await tx.membership.findUnique({ where: { organizationId_accountId: { organizationId, accountId: targetId } } }) : null;
      if (!member) throw notFound('Member not found');
      if (member.role === 'owner') {
        const owners = await tx.membership.count({ where: { organizationId, role: 'owner' } });
        if (owners <= 1) throw new LastOwner();
      }
      await tx.membership.delete({ where: { id: member.id } });
    });
  } catch (err) {
    if (err instanceof LastOwner) throw conflict('An organization must keep at least one owner');
    throw err;
  }
}

