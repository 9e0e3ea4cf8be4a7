// /api/organizations (docs/api.md, Organizations): organizations, their members and invitations.
// Wiring only: the access and input steps of each route (http/route.ts), a command, a presenter.
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { body, paged } from '../http/validate.ts';
import { accessChecks, selfOr } from '../authz/access.ts';
import { signedIn } from '../auth/index.ts';
import { AcceptInvitation, CreateInvitation, CreateOrg, UpdateMember, UpdateOrg } from './schemas.ts';
import { changeRole, createOrganization, deleteOrganization, listMembers, listMemberships, removeMember, renameOrganization } from './commands.ts';
import { acceptInvitation, invite, listInvitations, mailInvitation, revokeInvitation } from './invitations.ts';
import { mailUnavailable } from '../mail/index.ts';
import { presentInvitation, presentMember, presentOrganization, presentOrganizationAs } from './present.ts';
import { serviceUsage } from './usage.ts';
import { actorOf } from '../audit/index.ts';

export function organizationRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { orgAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations' });

  router.post(
    '/',
    route(body(CreateOrg), signedIn, async (ctx, { input, accountId }) => {
      const org = await createOrganization(db, actorOf(ctx), accountId, input);
      ctx.status = 201;
      ctx.body = { organization: presentOrganizationAs(org, 'owner') };
    }),
  );

  router.get(
    '/',
    route(paged, signedIn, async (ctx, { page, accountId }) => {
      const { memberships, total } = await listMemberships(db, accountId, page);
      ctx.body = { organizations: memberships.map((m) => presentOrganizationAs(m.organization, m.role)), total };
    }),
  );

  router.get(
    '/:org',
    route(orgAccess('member'), async (ctx, { access }) => {
      ctx.body = { organization: presentOrganizationAs(access.org, access.role), usage: await serviceUsage(deps, access.org) };
    }),
  );

  router.patch(
    '/:org',
    route(orgAccess('admin'), body(UpdateOrg), async (ctx, { access, input }) => {
      ctx.body = { organization: presentOrganizationAs(await renameOrganization(deps, actorOf(ctx), access.org.id, input), access.role) };
    }),
  );

  router.delete(
    '/:org',
    route(orgAccess('owner'), async (ctx, { access }) => {
      await deleteOrganization(deps, actorOf(ctx), access.org.id);
      ctx.status = 204;
    }),
  );

  router.get(
    '/:org/members',
    route(orgAccess('member'), paged, async (ctx, { access, page }) => {
      const { members, total } = await listMembers(db, access.org.id, page);
      ctx.body = { members: members.map(presentMember), total };
    }),
  );

  router.patch(
    '/:org/members/:accountId',
    route(orgAccess('owner'), body(UpdateMember), async (ctx, { access, input }) => {
      ctx.body = { member: presentMember(await changeRole(deps, actorOf(ctx), access.org.id, ctx.params.accountId ?? '', input.role)) };
    }),
  );

  // Anyone may leave; removing someone else needs the owner role.
  router.delete(
    '/:org/members/:accountId',
    route(orgAccess(selfOr('accountId', 'owner')), async (ctx, { access }) => {
      await removeMember(deps, actorOf(ctx), access.org.id, ctx.params.accountId ?? '');
      ctx.status = 204;
    }),
  );

  return router;
}

export function invitationRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { orgAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>();

  router.post(
    '/api/organizations/:org/invitations',
    route(orgAccess('admin'), body(CreateInvitation), async (ctx, { access, input }) => {
      if (input.send_email && !deps.mailer.available) throw mailUnavailable();
      const { invitation, token } = await invite(db, actorOf(ctx), access, input);
      const emailSent = input.send_email ? await mailInvitation(deps, access.org, invitation, token, input.locale ?? 'en') : false;
      ctx.status = 201;
      ctx.body = { invitation: presentInvitation(invitation), token, email_sent: emailSent };
    }),
  );

  router.get(
    '/api/organizations/:org/invitations',
    route(orgAccess('admin'), paged, async (ctx, { access, page }) => {
      const { invitations, total } = await listInvitations(db, access.org.id, page);
      ctx.body = { invitations: invitations.map(presentInvitation), total };
    }),
  );

  router.delete(
    '/api/organizations/:org/invitations/:id',
    route(orgAccess('admin'), async (ctx, { access }) => {
      await revokeInvitation(db, actorOf(ctx), access.org.id, ctx.params.id ?? '');
      ctx.status = 204;
    }),
  );

  router.post(
    '/api/invitations/accept',
    route(body(AcceptInvitation), signedIn, async (ctx, { input, accountId }) => {
      const { organization, role } = await acceptInvitation(db, actorOf(ctx), accountId, input.token);
      ctx.body = { organization: presentOrganization(organization), role };
    }),
  );

  return router;
}
