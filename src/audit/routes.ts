// GET …/audit-events and GET …/sign-ins (docs/api.md, Audit log and Sign-in activity), admin role.
// Reads only: no route updates or deletes an event (an unknown verb on these paths is 405).
import Router from '@koa/router';
import type { Deps } from '../deps.ts';
import type { AppContext, AppState } from '../http/context.ts';
import { route } from '../http/route.ts';
import { paged, query } from '../http/validate.ts';
import { accessChecks } from '../authz/access.ts';
import { AuditFilter, SignInFilter } from './schemas.ts';
import { listAuditEvents, listSignIns } from './queries.ts';
import { presentAuditEvent, presentSignIn } from './present.ts';

export function auditRoutes(deps: Deps): Router<AppState, AppContext> {
  const { db } = deps;
  const { orgAccess } = accessChecks(db);
  const router = new Router<AppState, AppContext>({ prefix: '/api/organizations/:org' });

  router.get(
    '/audit-events',
    route(orgAccess('admin'), paged, query(AuditFilter, 'Invalid audit-event filter'), async (ctx, { access, page, query: q }) => {
      const { events, total } = await listAuditEvents(db, access.org.id, q, page);
      ctx.body = { events: events.map(presentAuditEvent), total };
    }),
  );

  router.get(
    '/sign-ins',
    route(orgAccess('admin'), paged, query(SignInFilter, 'Invalid sign-in filter'), async (ctx, { access, page, query: q }) => {
      const { rows, total, services } = await listSignIns(db, access.org.id, q, page);
      ctx.body = { sign_ins: rows.map((s) => presentSignIn(s, services)), total };
    }),
  );

  return router;
}
