import type { Db } from '../db/client.ts';
import type { User } from '../db/models.ts';
import type { OrgAccess } from '../authz/roles.ts';
import { notFound } from '../http/errors.ts';
import type { Step } from '../http/route.ts';
import { looksLikeId } from '../security/random.ts';

/** Route step yielding `user`: the user `:userId` of the organization an earlier step loaded; 404 when it has none such. */
export function userInPath(db: Db): Step<{ user: User }, { access: OrgAccess }> {
  return async (ctx, { access }) => {
    const id = ctx.params.userId ?? '';
    const user = looksLikeId(id, 'usr') ? await db.user.findFirst({ where: { id, organizationId: access.org.id } }) : null;
    if (!user) throw notFound('User not found');
    return { user };
  };
}
