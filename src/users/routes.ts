// /api/organizations/:org/users: the organization's user directory (docs/api.md, Organization user directory).
// Wiring only: the access, lookup and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body, paged, query } from '../http/validate.ts';
import { accessChecks } from '../authz/access.ts';
import { CreateUser, EmailFilter, UpdateUser } from './schemas.ts';
import { createUser, deleteUser, listUsers, updateUser } from './commands.ts';
import { userInPath } from './load.ts';
import { presentDirectoryUser } from './present.ts';
import { createPasswordLink } from './password-links.ts';
import { actorOf, recordAudit } from '../audit/index.ts';
import { brandOf } from '../http/brand.ts';
import { mailUnavailable, passwordLinkMail, SendEmail } from '../mail/index.ts';
import { mfaSummaries, mfaSummary, removeAllFactors } from '../mfa/index.ts';

const NO_FACTORS = { totp: false, webauthn: 0, recovery_codes_left: 0 };

export function userDirectoryRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { orgAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org/users' });

  router.get(
    '/',
    route(orgAccess('member'), paged, query(EmailFilter, 'Invalid query'), async (ctx, { access, page, query: q }) => {
      const { users, total } = await listUsers(db, access.org.id, page, q.email);
      const mfa = await mfaSummaries(
        db,
        users.map((u) => u.id),
      );
      ctx.body = { users: users.map((u) => presentDirectoryUser(u, mfa.get(u.id) ?? NO_FACTORS)), total };
    }),
  );

  router.post(
    '/',
    route(orgAccess('admin'), body(CreateUser), async (ctx, { access, input }) => {
      const user = await createUser(db, actorOf(ctx), access.org.id, input);
      ctx.status = 201;
      ctx.body = { user: presentDirectoryUser(user, NO_FACTORS) };
    }),
  );

  router.get(
    '/:userId',
    route(orgAccess('member'), userInPath(db), async (ctx, { user }) => {
      ctx.body = { user: presentDirectoryUser(user, await mfaSummary(db, user.id)) };
    }),
  );

  // The user is looked up before the body is read: a missing user is 404 even with an invalid body.
  router.patch(
    '/:userId',
    route(orgAccess('admin'), userInPath(db), body(UpdateUser), async (ctx, { user, input }) => {
      ctx.body = { user: presentDirectoryUser(await updateUser(db, actorOf(ctx), user, input), await mfaSummary(db, user.id)) };
    }),
  );

  router.delete(
    '/:userId',
    route(orgAccess('admin'), userInPath(db), async (ctx, { user }) => {
      await deleteUser(db, actorOf(ctx), user);
      ctx.status = 204;
    }),
  );

  // An admin's reset of a user who lost their factors (CONTRACT §11): every factor and recovery code goes.
  router.delete(
    '/:userId/mfa',
    route(orgAccess('admin'), userInPath(db), async (ctx, { user }) => {
      await removeAllFactors(db, deps.invalidation, user.id, async (tx) => {
        await recordAudit(tx, actorOf(ctx), 'user.mfa_reset', user.organizationId, user.id, { email: user.email });
      });
      ctx.status = 204;
    }),
  );

  // {send_email: true} also mails the link; without a way to send mail that is 409 and no link is made.
  router.post(
    '/:userId/password-link',
    route(orgAccess('admin'), userInPath(db), body(SendEmail, { prepare: (raw) => raw ?? {} }), async (ctx, { access, user, input }) => {
      if (input.send_email && !deps.mailer.available) throw mailUnavailable();
      const link = await createPasswordLink(db, actorOf(ctx), deps.config.publicUrl, user);
      const mail = input.send_email ? passwordLinkMail(input.locale ?? 'en', brandOf(access.org).name, user.email, link.url, new Date(link.expires_at)) : null;
      const emailSent = mail ? await deps.mailer.send({ to: user.email, ...mail }) : false;
      ctx.status = 201;
      ctx.body = { ...link, email_sent: emailSent };
    }),
  );

  return router;
}
