// /api/organizations/:org/users: the organization's user directory (docs/api.md, Organization user directory).
import Router from '@koa/router';
import { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { conflict, notFound } from '../http/errors.ts';
import { Email, Password, pageFrom, validate } from '../http/validate.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { hashPassword } from '../security/passwords.ts';
import { requireOrgRole } from '../authz/roles.ts';
import { accountId } from '../auth/middleware.ts';
import { presentDirectoryUser } from './present.ts';
import { createPasswordLink } from './password-links.ts';
import { forgetLogins } from '../service-api/logins.ts';

export const CreateUser = z.strictObject({ email: Email, password: Password.optional() });
export const UpdateUser = z.strictObject({ email: Email.optional(), disabled: z.boolean().optional() });
export const EmailFilter = z.strictObject({ email: z.string().max(254).refine((e) => !e.includes('\u0000'), 'email must not contain NUL').optional(), limit: z.unknown().optional(), offset: z.unknown().optional() });

export function userDirectoryRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/users' });
  const findUser = async (organizationId: string, id: string) => {
    const user = looksLikeId(id, 'usr') ? await db.user.findFirst({ where: { id, organizationId } }) : null;
    if (!user) throw notFound('User not found');
    return user;
  };
  const emailTaken = (err: unknown) => (isUniqueViolation(err) ? conflict('A user with this email already exists in the organization') : err);

  router.get('/', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'member');
    const page = pageFrom(ctx.query);
    const q = validate(EmailFilter, { ...ctx.query }, 'Invalid query');
    const where = { organizationId: access.org.id, ...(typeof q.email === 'string' ? { email: q.email.trim().toLowerCase() } : {}) };
    const [rows, total] = await Promise.all([
      db.user.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
      db.user.count({ where }),
    ]);
    ctx.body = { users: rows.map(presentDirectoryUser), total };
  });

  router.post('/', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const body = validate(CreateUser, ctx.request.body);
    const passwordHash = body.password ? await hashPassword(body.password) : null;
    try {
      const user = await db.user.create({ data: { id: newId('usr'), organizationId: access.org.id, email: body.email, passwordHash } });
      ctx.status = 201;
      ctx.body = { user: presentDirectoryUser(user) };
    } catch (err) {
      throw emailTaken(err);
    }
  });

  router.get('/:userId', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'member');
    ctx.body = { user: presentDirectoryUser(await findUser(access.org.id, ctx.params.userId ?? '')) };
  });

  router.patch('/:userId', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const user = await findUser(access.org.id, ctx.params.userId ?? '');
    const body = validate(UpdateUser, ctx.request.body);
    try {
      const updated = await db.$transaction(async (tx) => {
        const row = await tx.user.update({
          where: { id: user.id },
          data: { ...(body.email !== undefined ? { email: body.email } : {}), ...(body.disabled !== undefined ? { disabled: body.disabled } : {}) },
        });
        // Disabling ends the user's IdP sessions at once.
        if (body.disabled === true) await tx.idpSession.updateMany({ where: { userId: user.id, endedAt: null }, data: { endedAt: new Date() } });
        return row;
      });
      ctx.body = { user: presentDirectoryUser(updated) };
    } catch (err) {
      throw emailTaken(err);
    }
  });

  router.delete('/:userId', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const user = await findUser(access.org.id, ctx.params.userId ?? '');
    await db.$transaction(async (tx) => {
      // The cascade would drop the login events but not the services' hourly counters.
      const links = await tx.serviceUser.findMany({ where: { userId: user.id }, select: { serviceId: true } });
      for (const l of links) await forgetLogins(tx, l.serviceId, user.id);
      await tx.user.delete({ where: { id: user.id } });
    });
    ctx.status = 204;
  });

  router.post('/:userId/password-link', async (ctx) => {
    const access = await requireOrgRole(db, accountId(ctx), ctx.params.org ?? '', 'admin');
    const user = await findUser(access.org.id, ctx.params.userId ?? '');
    ctx.status = 201;
    ctx.body = await createPasswordLink(db, deps.config.publicUrl, user.id);
  });

  return router;
}

