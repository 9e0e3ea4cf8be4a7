// The admin plane's access checks, as route steps (http/route.ts). Each reads the organization (and
// service) the path names for the signed-in account, refuses through requireOrgRole (404 for a
// non-member or an unknown slug, 403 below the role), records what it found on ctx.state and hands
// it to the handler.
import type { Db } from '../db/client.ts';
import type { Service } from '../db/models.ts';
import type { AppContext } from '../http/context.ts';
import type { Step } from '../http/route.ts';
import { accountId } from '../auth/index.ts';
// load.ts directly, not services/index.ts: the services routes use these steps, and going through
// their index would make an import cycle.
import { requireService } from '../services/load.ts';
import { requireOrgRole, type OrgAccess, type Role } from './roles.ts';

/** A fixed role, or one that depends on the request (see selfOr). */
export type RoleRule = Role | ((ctx: AppContext, me: string) => Role);

/** Acting on oneself (the account the path parameter `param` names) needs only membership; on anyone else, `role`. */
export function selfOr(param: string, role: Role): RoleRule {
  return (ctx, me) => (ctx.params[param] === me ? 'member' : role);
}

export interface AccessChecks {
  /** The organization of `:org` and the caller's role in it, as `access`. */
  orgAccess: (rule: RoleRule) => Step<{ access: OrgAccess }>;
  /** `:org` as above and its service `:service` (404 when missing), as `access` and `service`. */
  serviceAccess: (role: Role) => Step<{ access: OrgAccess; service: Service }>;
}

const orgSlug = (ctx: AppContext): string => ctx.params.org ?? '';

export function accessChecks(db: Db): AccessChecks {
  return {
    orgAccess: (rule) => async (ctx) => {
      const me = accountId(ctx);
      const access = await requireOrgRole(db, me, orgSlug(ctx), typeof rule === 'function' ? rule(ctx, me) : rule);
      ctx.state.access = access;
      return { access };
    },
    serviceAccess: (role) => async (ctx) => {
      const { access, service } = await requireService(db, accountId(ctx), orgSlug(ctx), ctx.params.service ?? '', role);
      ctx.state.access = access;
      ctx.state.service = service;
      return { access, service };
    },
  };
}
