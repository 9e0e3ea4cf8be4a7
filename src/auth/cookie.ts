// Cookie mode of /api/auth for the browser console (CONTRACT §15, SECURITY 46): the refresh token goes
// into an `HttpOnly; Secure; SameSite=Strict; Path=/api/auth` cookie that no script can read, the JSON
// answer carries only the access token, and every request that uses or sets the cookie must come from a
// page of this instance (`Origin` equal to PUBLIC_URL's origin, http/origin.ts). API clients that send the refresh token
// in the body keep the plain JSON flow.
import type { AppContext } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { isOwnOrigin } from '../http/origin.ts';
import type { TokenPair } from './sessions.ts';

export const REFRESH_COOKIE = 'tessera_refresh';
const COOKIE_PATH = '/api/auth';
// As long as the server-side session may live: the session, not the cookie, decides when it ends.
const COOKIE_MAX_AGE_SECONDS = 30 * 24 * 3600;
const TOKEN_SHAPE = /^rt_[A-Za-z0-9_-]{16,200}$/;

const foreignOrigin = () => new AppError(403, 'FORBIDDEN', 'Cookie sessions are accepted only from pages of this server (Origin mismatch)');

/** Refuses a cookie-mode request whose `Origin` is absent or not this instance's own (PUBLIC_URL). */
export function requireOwnOrigin(ctx: AppContext, publicUrl: string): void {
  const origin = ctx.get('origin');
  if (!origin || !isOwnOrigin(origin, publicUrl)) throw foreignOrigin();
}

export function readRefreshCookie(ctx: AppContext): string | undefined {
  for (const part of (ctx.get('cookie') || '').split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== REFRESH_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return TOKEN_SHAPE.test(value) ? value : undefined;
  }
  return undefined;
}

function setRefreshCookie(ctx: AppContext, value: string, maxAge: number): void {
  ctx.append('Set-Cookie', `${REFRESH_COOKIE}=${value}; Path=${COOKIE_PATH}; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`);
}

export function clearRefreshCookie(ctx: AppContext): void {
  setRefreshCookie(ctx, '', 0);
}

/** Puts the refresh token in the cookie and answers the rest of the pair. */
export function deliverInCookie(ctx: AppContext, pair: TokenPair): Omit<TokenPair, 'refresh_token'> {
  setRefreshCookie(ctx, pair.refresh_token, COOKIE_MAX_AGE_SECONDS);
  return { access_token: pair.access_token, token_type: pair.token_type, expires_in: pair.expires_in };
}

/**
 * The refresh token of a refresh or logout request: the body's when sent (API clients), else the
 * cookie's after the Origin check. `undefined` when there is neither.
 */
export function refreshTokenOf(ctx: AppContext, publicUrl: string, fromBody: string | undefined): { token: string; cookie: boolean } | undefined {
  if (fromBody !== undefined) return { token: fromBody, cookie: false };
  const hasCookie = (ctx.get('cookie') || '').includes(`${REFRESH_COOKIE}=`);
  if (!hasCookie) return undefined;
  requireOwnOrigin(ctx, publicUrl);
  const token = readRefreshCookie(ctx);
  return token ? { token, cookie: true } : undefined;
}
