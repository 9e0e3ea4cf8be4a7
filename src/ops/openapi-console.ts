// The catalog's entries for the console (CONTRACT §15), the home page (§16) and the auth API's cookie
// mode, kept beside openapi-catalog.ts so that file stays one screenful per group.
import { html, type RouteGroup } from './openapi-doc.ts';

export const COOKIE_MODE =
  'Browser clients may send refresh_cookie: true: the refresh token is then set in an HttpOnly; Secure; SameSite=Strict cookie with Path=/api/auth and left out of the JSON, and the request (like every later refresh or logout by cookie) must carry an Origin equal to this server (403 otherwise).';

const CONSOLE_NOT_BUILT = { status: 503, description: 'The console is not built yet (`npm run build`)' };

export const CONSOLE_GROUP: RouteGroup = {
  tag: 'Console',
  description: 'The browser console and the home page (CONTRACT §15, §16)',
  security: 'none',
  routes: {
    'GET /': {
      summary: 'Home page for browsers (Accept: text/html); JSON clients get 404',
      ok: html(200, 'Links to the console, the reference and health'),
      errors: [404],
    },
    'GET /console': { summary: 'The admin console (CONTRACT §15)', ok: html(200, 'The console page (no-store)'), also: [CONSOLE_NOT_BUILT] },
    'GET /console/assets/:file': {
      summary: "The console's hashed scripts and styles (immutable)",
      ok: { status: 200, description: 'JavaScript or CSS' },
      errors: [404],
    },
    'GET /console/{*view}': {
      summary: "A console page's own URL (history routing): the console page",
      ok: html(200, 'The console page'),
      also: [CONSOLE_NOT_BUILT],
      errors: [404],
    },
  },
};
