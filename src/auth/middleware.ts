import type { Next } from 'koa';
import type { AppContext } from '../http/context.ts';
import { unauthorized } from '../http/errors.ts';
import type { Deps } from '../deps.ts';
import { jwtKey, verifyAccess } from './sessions.ts';

/** Requires `Authorization: Bearer <access_token>`; sets ctx.state.accountId and sessionId. */
export function requireAccount(deps: Deps) {
  const key = jwtKey(deps.config.secret);
  return async function requireAccountMiddleware(ctx: AppContext, next: Next): Promise<void> {
    const header = ctx.get('authorization');
    const m = /^Bearer ([A-Za-z0-9._-]{10,4096})$/.exec(header);
    if (!m?.[1]) throw unauthorized(header ? 'Invalid or expired access token' : 'Authentication required');
    const claims = await verifyAccess(deps.db, key, m[1]);
    ctx.state.accountId = claims.accountId;
    ctx.state.sessionId = claims.sessionId;
    await next();
  };
}

export function accountId(ctx: AppContext): string {
  const id = ctx.state.accountId;
  if (typeof id !== 'string') throw unauthorized();
  return id;
}
