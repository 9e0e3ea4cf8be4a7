import type { Next } from 'koa';
import type { AppContext } from '../http/context.ts';
import { AppError, BEARER_CHALLENGE, BEARER_REFUSED_CHALLENGE, forbidden, unauthorized } from '../http/errors.ts';
import type { Deps } from '../deps.ts';
import { isApiKeyInAuthorization } from '../security/api-key.ts';
import { jwtKey, verifyAccess, type AccessClaims } from './sessions.ts';
import type { Step } from '../http/route.ts';
import { clientIp } from '../http/client-ip.ts';

const TOKEN = /^[A-Za-z0-9._-]{10,4096}$/;
const USE_BEARER = 'use Authorization: Bearer <token>';
export const API_KEY_ON_ADMIN_PLANE =
  'API keys are not accepted here: send an API key in the X-API-Key header to the Service API (/api/service/*); this endpoint needs Authorization: Bearer <access_token>';

/**
 * The access token of `Authorization: Bearer <token>`, or a 401. The scheme is case-insensitive
 * (RFC 7235 §2.1), and the usual mistakes get a message saying what to send instead. Per RFC 6750
 * §3.1 the challenge says `invalid_token` only when a bearer token was sent; a request without one, or
 * with another scheme, gets the bare challenge.
 */
export function bearerToken(header: string): string {
  if (!header) throw unauthorized('Authentication required', BEARER_CHALLENGE);
  const m = /^(\S+)(?:\s+(.*))?$/.exec(header);
  const scheme = m?.[1] ?? '';
  const isBearer = scheme.toLowerCase() === 'bearer';
  if (isApiKeyInAuthorization(header)) throw unauthorized(API_KEY_ON_ADMIN_PLANE, isBearer ? BEARER_REFUSED_CHALLENGE : BEARER_CHALLENGE);
  if (!isBearer) {
    // One word alone is a credential without its scheme (e.g. `Authorization: eyJ…`).
    const what = m?.[2] === undefined ? 'Missing authorization scheme' : 'Unsupported authorization scheme';
    throw unauthorized(`${what}: ${USE_BEARER}`, BEARER_CHALLENGE);
  }
  const token = m?.[2] ?? '';
  if (!TOKEN.test(token)) throw unauthorized('Invalid or expired access token', BEARER_REFUSED_CHALLENGE);
  return token;
}

/** Requires `Authorization: Bearer <access_token>`; sets ctx.state.accountId and sessionId. */
export function requireAccount(deps: Deps) {
  const key = jwtKey(deps.config.secret);
  return async function requireAccountMiddleware(ctx: AppContext, next: Next): Promise<void> {
    const token = bearerToken(ctx.get('authorization'));
    let claims: AccessClaims;
    try {
      claims = await verifyAccess(deps.db, key, token);
    } catch (err) {
      // A sent token refused (bad signature, expired, session ended): RFC 6750's invalid_token.
      if (err instanceof AppError && err.status === 401) throw unauthorized(err.message, BEARER_REFUSED_CHALLENGE);
      throw err;
    }
    ctx.state.accountId = claims.accountId;
    ctx.state.sessionId = claims.sessionId;
    await next();
  };
}

export function accountId(ctx: AppContext): string {
  const id = ctx.state.accountId;
  if (typeof id !== 'string') throw unauthorized('Authentication required', BEARER_CHALLENGE);
  return id;
}

/** Route step yielding `accountId`: the signed-in account (requireAccount ran before the route). */
export const signedIn: Step<{ accountId: string }> = (ctx) => ({ accountId: accountId(ctx) });

/**
 * Route step for POST /api/auth/register: refused while registration is closed, and counted against
 * the client's address before the body is even read, since every attempt costs the server, valid or not.
 */
export function registrationOpen(deps: Deps): Step<object> {
  return async (ctx) => {
    if (deps.config.registration === 'closed') throw forbidden('Registration is closed on this server');
    await deps.limits.registerIp.consume(clientIp(ctx, deps.config.trustProxy));
    return {};
  };
}
