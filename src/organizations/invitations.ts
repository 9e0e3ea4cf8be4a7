// Invitations (docs/api.md, Organizations): admins invite by email; the token is shown once and stored hashed.
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { conflict, forbidden, notFound } from '../http/errors.ts';
import { Email, pageFrom, validate } from '../http/validate.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { hashToken, looksLikeId, newId, newToken } from '../security/random.ts';
import { mayInvite, requireOrgRole, ROLES } from '../authz/roles.ts';
import { accountId } from '../auth/middleware.ts';
import { presentInvitation, presentOrganization } from './present.ts';

const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
export const CreateInvitation = z.strictObject({ email: Email, role: z.enum(ROLES) });
export const AcceptInvitation = z.strictObject({ token: z.string().min(1).max(256) });

export function invitationRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>();

  router.post('/api/organizations/:org/invitations', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const body = validate(CreateInvitation, ctx.request.body);
    if (!mayInvite(access.role, body.role)) throw forbidden('Admins may invite only admins and members');
    const already = await db.membership.findFirst({ where: { organizationId: access.org.id, account: { email: body.email } } });
    if (already) throw conflict('This email already belongs to a member of the organization');
    const token = `inv_${newToken()}`;
    const invitation = await db.invitation.create({
      data: {
        id: newId('inv'),
        organizationId: access.org.id,
        email: body.email,
        role: body.role,
        tokenHash: hashToken(token),
        invitedById: access.accountId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      },
    });
    ctx.status = 201;
    ctx.body = { invitation: presentInvitation(invitation), token };
  });

  router.get('/api/organizations/:org/invitations', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const page = pageFrom(ctx.query);
    const where = { organizationId: access.org.id };
    const [rows, total] = await Promise.all([
      db.invitation.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
      db.invitation.count({ where }),
    ]);
    ctx.body = { invitations: rows.map(presentInvitation), total };
  });

  router.delete('/api/organizations/:org/invitations/:id', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const id = ctx.params.id ?? '';
    const deleted = looksLikeId(id, 'inv') ? await db.invitation.deleteMany({ where: { id, organizationId: access.org.id } }) : { count: 0 };
    if (deleted.count === 0) throw notFound('Invitation not found');
    ctx.status = 204;
  });

  router.post('/api/invitations/accept', async (ctx) => {
    const body = validate(AcceptInvitation, ctx.request.body);
    const me = await db.account.findUnique({ where: { id: accountId(ctx) } });
    const invitation = await db.invitation.findUnique({ where: { tokenHash: hashToken(body.token) }, include: { organization: true } });
    if (!me || !invitation || invitation.acceptedAt || invitation.expiresAt <= new Date()) throw notFound('Invitation not found or expired');
    if (invitation.email !== me.email) throw forbidden('This invitation was sent to another email address');
    try {
      await db.$transaction(async (tx) => {
        const spent = await tx.invitation.updateMany({ where: { id: invitation.id, acceptedAt: null }, data: { acceptedAt: new Date() } });
        if (spent.count !== 1) throw notFound('Invitation not found or expired');
        await tx.membership.create({ data: { id: newId('mem'), organizationId: invitation.organizationId, accountId: me.id, role: invitation.role } });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('You are already a member of this organization');
      throw err;
    }
    ctx.body = { organization: presentOrganization(invitation.organization), role: invitation.role };
  });

  return router;
}
