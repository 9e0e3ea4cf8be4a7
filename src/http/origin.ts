// Whether a request's `Origin` is a page of this instance: the one check behind the cookie-mode console
// (auth/cookie.ts) and the hosted forms' cross-site refusal (login, password reset, /account).

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * A hosted form's post may come from this instance's own pages: no Origin (older browsers, some
 * privacy settings) or `null` (a redirect chain, or the `Referrer-Policy: no-referrer` these pages send:
 * under it the Fetch standard serializes a POST's own origin as `null`) is let through to the CSRF token
 * check, which every such form also makes; another site's Origin is not.
 */
export function formFromHere(ctx: { get(field: string): string }, publicUrl: string): boolean {
  const origin = ctx.get('origin');
  return !origin || origin === 'null' || isOwnOrigin(origin, publicUrl);
}

/**
 * PUBLIC_URL's origin. On a loopback address (the default `http://localhost:PORT` of a development or
 * test instance) the other spellings of loopback with the same scheme and port are the same server:
 * a browser opened at http://127.0.0.1:3000 reaches the instance whose PUBLIC_URL says localhost:3000,
 * and no other site's page can carry a loopback origin for that port.
 */
export function isOwnOrigin(origin: string, publicUrl: string): boolean {
  const own = new URL(publicUrl);
  if (origin === own.origin) return true;
  if (!LOOPBACK.has(own.hostname)) return false;
  let given: URL;
  try {
    given = new URL(origin);
  } catch {
    return false;
  }
  return given.protocol === own.protocol && given.port === own.port && LOOPBACK.has(given.hostname) && given.origin === origin;
}
