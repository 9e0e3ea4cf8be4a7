// The console over plain HTTP (CONTRACT §15, §16; SECURITY 46): the auth API's cookie mode (attributes,
// Origin check, rotation, logout, the JSON flow unchanged), how /console and its assets are served
// (CSP, caching, history routes), and GET / for browsers and for JSON clients.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { PASSWORD, registerAdmin } from '../helpers/fixtures.ts';

interface Tokens {
  access_token: string;
  refresh_token?: string;
}

/** The `name=value` of the refresh cookie a response sets, and its attributes. */
function refreshCookie(res: Res<unknown>): { pair: string; attrs: string[] } {
  const set = res.headers.getSetCookie().find((c) => c.startsWith('tessera_refresh='));
  expect(set, 'a refresh cookie is set').toBeDefined();
  const [pair = '', ...attrs] = (set ?? '').split(';').map((s) => s.trim());
  return { pair, attrs };
}

describe.each(databases())('console cookie sessions and pages on $name', (factory) => {
  const srv = suiteServer(factory);
  let anon: Client;
  let own: Record<string, string>;
  const foreign = { origin: 'https://evil.example' };

  beforeAll(() => {
    anon = new Client(srv.url);
    own = { origin: new URL(srv.deps.config.publicUrl).origin };
  });

  async function cookieLogin(): Promise<{ pair: string; access: string }> {
    const admin = await registerAdmin(srv.url, 'cookie');
    const res = await anon.post<Tokens>('/api/auth/login', { email: admin.email, password: PASSWORD, refresh_cookie: true }, own);
    expect(res.status).toBe(200);
    return { pair: refreshCookie(res).pair, access: res.body.access_token };
  }

  it('login with refresh_cookie sets HttpOnly; Secure; SameSite=Strict; Path=/api/auth and keeps the token out of the JSON', async () => {
    const admin = await registerAdmin(srv.url, 'cookie');
    const res = await anon.post<Tokens>('/api/auth/login', { email: admin.email, password: PASSWORD, refresh_cookie: true }, own);
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeUndefined();
    expect(res.text).not.toContain('rt_');
    const { pair, attrs } = refreshCookie(res);
    expect(pair).toMatch(/^tessera_refresh=rt_[A-Za-z0-9_-]+$/);
    expect(attrs).toEqual(expect.arrayContaining(['Path=/api/auth', 'HttpOnly', 'Secure', 'SameSite=Strict']));
    expect((await anon.get('/api/auth/me', { authorization: `Bearer ${res.body.access_token}` })).status).toBe(200);
  });

  it('register with refresh_cookie does the same', async () => {
    const res = await anon.post<Tokens>('/api/auth/register', { email: uniqueEmail('reg'), password: PASSWORD, refresh_cookie: true }, own);
    expect(res.status).toBe(201);
    expect(res.body.refresh_token).toBeUndefined();
    expect(refreshCookie(res).attrs).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/api/auth']));
  });

  it('refresh by cookie rotates it; the spent cookie replayed revokes the session', async () => {
    const { pair } = await cookieLogin();
    const first = await anon.post<Tokens>('/api/auth/refresh', {}, { ...own, cookie: pair });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toBeUndefined();
    const next = refreshCookie(first).pair;
    expect(next).not.toBe(pair);
    const replay = await anon.post('/api/auth/refresh', {}, { ...own, cookie: pair });
    expect(replay.status).toBe(401);
    // The refused cookie is cleared, and the whole session is gone.
    expect(refreshCookie(replay).attrs).toContain('Max-Age=0');
    expect((await anon.post('/api/auth/refresh', {}, { ...own, cookie: next })).status).toBe(401);
    expect((await anon.get('/api/auth/me', { authorization: `Bearer ${first.body.access_token}` })).status).toBe(401);
  });

  it('refresh by cookie from a foreign Origin, or with no Origin, is refused and spends nothing (SECURITY 46)', async () => {
    const { pair } = await cookieLogin();
    const evil = await anon.post('/api/auth/refresh', {}, { ...foreign, cookie: pair });
    expect(evil.status).toBe(403);
    expect(evil.body).toMatchObject({ error_code: 'FORBIDDEN' });
    expect(evil.headers.getSetCookie()).toEqual([]);
    expect((await anon.post('/api/auth/refresh', {}, { cookie: pair })).status).toBe(403);
    expect((await anon.post('/api/auth/refresh', {}, { origin: 'null', cookie: pair })).status).toBe(403);
    // A look-alike origin (other port, other scheme) is foreign too.
    const url = new URL(srv.deps.config.publicUrl);
    expect((await anon.post('/api/auth/refresh', {}, { origin: `https://${url.host}`, cookie: pair })).status).toBe(403);
    expect((await anon.post('/api/auth/refresh', {}, { origin: `http://127.0.0.1:${String(Number(url.port) + 1)}`, cookie: pair })).status).toBe(403);
    expect((await anon.post('/api/auth/refresh', {}, { origin: `http://localhost.evil.example:${url.port}`, cookie: pair })).status).toBe(403);
    expect((await anon.post('/api/auth/logout', {}, { ...foreign, cookie: pair })).status).toBe(403);
    // The cookie was not spent by any refused attempt.
    expect((await anon.post('/api/auth/refresh', {}, { ...own, cookie: pair })).status).toBe(200);
  });

  it('on a loopback PUBLIC_URL, the other spellings of loopback with the same port are this server', async () => {
    // The test server's PUBLIC_URL is http://127.0.0.1:<port>; a browser opened at localhost:<port> is on it.
    const url = new URL(srv.deps.config.publicUrl);
    expect(url.hostname).toBe('127.0.0.1');
    const { pair } = await cookieLogin();
    const res = await anon.post('/api/auth/refresh', {}, { origin: `http://localhost:${url.port}`, cookie: pair });
    expect(res.status).toBe(200);
  });

  it('a cookie sign-in from a foreign Origin is refused and sets no cookie', async () => {
    const admin = await registerAdmin(srv.url, 'cookie');
    const res = await anon.post('/api/auth/login', { email: admin.email, password: PASSWORD, refresh_cookie: true }, foreign);
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('logout by cookie ends the session and clears the cookie', async () => {
    const { pair, access } = await cookieLogin();
    const out = await anon.post('/api/auth/logout', {}, { ...own, cookie: pair });
    expect(out.status).toBe(204);
    expect(refreshCookie(out).attrs).toContain('Max-Age=0');
    expect((await anon.get('/api/auth/me', { authorization: `Bearer ${access}` })).status).toBe(401);
    expect((await anon.post('/api/auth/refresh', {}, { ...own, cookie: pair })).status).toBe(401);
  });

  it('the JSON flow is unchanged: no cookie, the refresh token in the body; no token at all is 401', async () => {
    const admin = await registerAdmin(srv.url, 'json');
    const login = await anon.post<Tokens>('/api/auth/login', { email: admin.email, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body.refresh_token).toMatch(/^rt_/);
    expect(login.headers.getSetCookie()).toEqual([]);
    const refreshed = await anon.post<Tokens>('/api/auth/refresh', { refresh_token: login.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toMatch(/^rt_/);
    expect(refreshed.headers.getSetCookie()).toEqual([]);
    expect((await anon.post('/api/auth/refresh', {})).status).toBe(401);
    expect((await anon.post('/api/auth/refresh', { refresh_cookie: true })).status).toBe(400);
  });

  it('serves /console under a strict CSP, never cached, with hashed immutable assets and no inline code', async () => {
    const page = await anon.get('/console', { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/https?:/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // No inline script or style: every script has a src, no style element or attribute.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.text).not.toMatch(/<style|\sstyle=/);
    const assets = [...page.text.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    // Its own icon, so a browser does not ask for /favicon.ico and log a 404 on every page.
    expect(page.text).toMatch(/<link rel="icon" type="image\/svg\+xml" href="\/console\/assets\/favicon-[A-Za-z0-9_-]{8}\.svg"/);
    let compressed = 0;
    for (const asset of assets) {
      expect(asset).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css|svg)$/);
      const res = await fetch(srv.url + asset, { headers: { 'accept-encoding': 'gzip' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-encoding')).toBe('gzip');
      if (asset.endsWith('.svg')) expect(res.headers.get('content-type')).toBe('image/svg+xml');
      compressed += Number(res.headers.get('content-length') ?? (await res.arrayBuffer()).byteLength);
    }
    // The budget for the first load.
    expect(compressed).toBeGreaterThan(0);
    expect(compressed).toBeLessThan(200 * 1024);
  });

  it('answers index.html for the console routes; a missing asset stays 404', async () => {
    for (const path of ['/console/', '/console/orgs/acme/services', '/console/orgs/acme/services/app/saml']) {
      const res = await anon.get(path, { accept: 'text/html' });
      expect(res.status, path).toBe(200);
      expect(res.text).toContain('<div id="app">');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    const missing = await anon.get('/console/assets/nothing-12345678.js');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_code: 'NOT_FOUND' });
  });

  it('GET / is a home page for browsers and the JSON 404 for API clients (CONTRACT §16)', async () => {
    const page = await anon.get('/', { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    for (const href of ['/console', '/docs', '/healthz', '/readyz']) expect(page.text).toContain(`href="${href}"`);
    expect(page.text).toContain(new URL(srv.deps.config.publicUrl).host);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // One URL, two answers chosen by Accept: both say so to caches.
    expect(page.headers.get('vary')).toMatch(/\bAccept\b/);
    for (const accept of ['application/json', '*/*', undefined]) {
      const res = await anon.get('/', accept ? { accept } : {});
      expect(res.status, String(accept)).toBe(404);
      expect(res.body).toMatchObject({ error_code: 'NOT_FOUND' });
      expect(res.headers.get('vary'), String(accept)).toMatch(/\bAccept\b/);
    }
  });
});
