// Issue 14, items 4 and 7, through real HTTP on every test database: access tokens without `exp`, the
// Bearer scheme's case, WWW-Authenticate challenges, credentials sent in the wrong place, "is required"
// messages, pagination ranges and per-key last_used_at. SQLite-only and database-free edges (file
// modes, errors thrown by Koa, log redaction) follow at the end.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases, type TestDatabase } from '../helpers/databases.ts';
import { TEST_SECRET, startTestServer } from '../helpers/server.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { createKey, createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, type ErrorBody } from '../helpers/admin-plane.ts';
import { jwtKey } from '../../src/auth/sessions.ts';
import { generateApiKey } from '../../src/security/api-key.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { AppContext, AppState } from '../../src/http/context.ts';
import { createLogger } from '../../src/http/log.ts';
import { requestContext } from '../../src/http/middleware.ts';
import { RequestRecords } from '../../src/http/request-records.ts';

const BEARER = 'Bearer realm="tessera"';
const BEARER_REFUSED = 'Bearer realm="tessera", error="invalid_token"';
const API_KEY = 'ApiKey header="X-API-Key"';

function expect401(res: Res<unknown>, challenge: string, message?: RegExp): ErrorBody {
  const body = expectError(res, 401, 'UNAUTHORIZED');
  expect(res.headers.get('www-authenticate')).toBe(challenge);
  if (message) expect(body.error).toMatch(message);
  return body;
}

/** The access token's claims (the test only reads them; the server verifies them). */
function claimsOf(token: string): { sub: string; sid: string } {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string; sid: string };
}

describe.each(databases())('auth edges on $name', (factory) => {
  const srv = suiteServer(factory);
  let anon: Client;
  let owner: Admin;
  let org: string;
  let svc: { slug: string; id: string };
  let key: { id: string; key: string };

  beforeAll(async () => {
    anon = new Client(srv.url);
    owner = await registerAdmin(srv.url, 'edges');
    org = await createOrg(owner);
    svc = await createService(owner, org);
    key = await createKey(owner, org, svc.slug, ['read:users', 'write:users', 'read:subscriptions']);
  });

  describe('access tokens', () => {
    it('a JWT without exp is refused even though its signature and session are good', async () => {
      const { sub, sid } = claimsOf(owner.accessToken);
      const sign = (withExp: boolean) => {
        const jwt = new SignJWT({ sid }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuer('tessera-admin').setSubject(sub).setIssuedAt();
        return (withExp ? jwt.setExpirationTime('5m') : jwt).sign(jwtKey(TEST_SECRET));
      };
      expect((await anon.bearer(await sign(true)).get('/api/auth/me')).status).toBe(200);
      const forever = await sign(false);
      expect401(await anon.bearer(forever).get('/api/auth/me'), BEARER_REFUSED, /Invalid or expired access token/);
      expect401(await anon.bearer(forever).get(`/api/organizations/${org}`), BEARER_REFUSED);
    });

    it('the Bearer scheme is case-insensitive (RFC 7235)', async () => {
      for (const scheme of ['bearer', 'BEARER', 'bEaReR', 'Bearer']) {
        const c = anon.with({ authorization: `${scheme} ${owner.accessToken}` });
        expect((await c.get('/api/auth/me')).status, scheme).toBe(200);
        expect((await c.get(`/api/organizations/${org}/members`)).status, scheme).toBe(200);
      }
    });
  });

  describe('WWW-Authenticate on every 401', () => {
    it('the admin plane challenges with Bearer, adding invalid_token only when a token was sent and refused', async () => {
      const paths = ['/api/auth/me', '/api/organizations', `/api/organizations/${org}`, `/api/organizations/${org}/invitations`];
      for (const path of paths) {
        expect401(await anon.get(path), BEARER, /Authentication required/);
        expect401(await anon.bearer('not.a.valid-token').get(path), BEARER_REFUSED, /Invalid or expired access token/);
      }
      expect401(await anon.post('/api/invitations/accept', { token: 'x' }), BEARER);
      expect401(await anon.bearer('eyJhbGciOiJIUzI1NiJ9.e30.abc').post('/api/invitations/accept', { token: 'x' }), BEARER_REFUSED);
      // A session ended by logout: its still-unexpired token is refused the same way.
      const other = await registerAdmin(srv.url, 'logout');
      expect((await anon.post('/api/auth/logout', { refresh_token: other.refreshToken })).status).toBe(204);
      expect401(await other.client.get('/api/auth/me'), BEARER_REFUSED);
      // Any other 401 names the scheme too (a failed sign-in here).
      expect401(await anon.post('/api/auth/login', { email: uniqueEmail(), password: 'wrong password 123' }), BEARER);
    });

    it('the Service API challenges with ApiKey header="X-API-Key", identical for every refused key', async () => {
      const missing = expect401(await anon.get('/api/service/users'), API_KEY);
      for (const sent of ['', 'nope', generateApiKey('live').key, generateApiKey('test').key, `${key.key}A`]) {
        const body = expect401(await anon.get('/api/service/users', { 'x-api-key': sent }), API_KEY);
        expect(body.error).toBe(missing.error);
      }
    });
  });

  describe('credentials in the wrong place', () => {
    it('an API key in Authorization on the admin plane is told to use the X-API-Key header', async () => {
      for (const path of ['/api/auth/me', '/api/organizations', `/api/organizations/${org}/members`]) {
        for (const header of [`Bearer ${key.key}`, `bearer ${generateApiKey('test').key}`]) {
          const body = expect401(await anon.get(path, { authorization: header }), BEARER_REFUSED, /X-API-Key header/);
          expect(body.error).not.toContain(key.key);
        }
        expect401(await anon.get(path, { authorization: key.key }), BEARER, /X-API-Key header/);
      }
    });

    it('a token without its scheme, or under another scheme, is told to use Authorization: Bearer <token>', async () => {
      for (const path of ['/api/auth/me', `/api/organizations/${org}`]) {
        const bare = expect401(await anon.get(path, { authorization: owner.accessToken }), BEARER, /use Authorization: Bearer <token>/);
        expect(bare.error).not.toContain(owner.accessToken);
        expect401(await anon.get(path, { authorization: `Token ${owner.accessToken}` }), BEARER, /use Authorization: Bearer <token>/);
      }
    });

    it('on the Service API, a key in Authorization without X-API-Key gets the X-API-Key hint', async () => {
      for (const header of [`Bearer ${key.key}`, `BEARER ${key.key}`, key.key, `Bearer ${generateApiKey('test').key}`]) {
        const body = expect401(await anon.get('/api/service/users', { authorization: header }), API_KEY, /X-API-Key header/);
        expect(body.error).not.toContain(key.key);
      }
      // A bearer access token is no API key, and gets the ordinary refusal.
      const plain = expect401(await anon.get('/api/service/users'), API_KEY);
      expect(expect401(await anon.get('/api/service/users', { authorization: `Bearer ${owner.accessToken}` }), API_KEY).error).toBe(plain.error);
    });

    it('with X-API-Key sent, a refused key gets the one 401 whatever Authorization carries', async () => {
      const reference = expect401(await anon.get('/api/service/users', { 'x-api-key': 'nope' }), API_KEY);
      for (const sent of ['nope', '', generateApiKey('live').key]) {
        const res = await anon.get('/api/service/users', { 'x-api-key': sent, authorization: `Bearer ${key.key}` });
        expect(expect401(res, API_KEY).error, `x-api-key "${sent}"`).toBe(reference.error);
      }
      // …and the valid key in X-API-Key is not disturbed by a stray Authorization header.
      expect((await anon.get('/api/service/users', { 'x-api-key': key.key, authorization: 'Bearer x' })).status).toBe(200);
    });
  });

  it('a missing field reads "<field> is required" on every plane', async () => {
    const required = (res: Res<unknown>, ...fields: string[]) => {
      const body = expectError(res, 400, 'BAD_REQUEST');
      for (const f of fields) expect(body.details).toContainEqual({ field: f, message: `${f} is required` });
      expect(res.text).not.toMatch(/received undefined/);
    };
    required(await anon.post('/api/auth/register', {}), 'email', 'password');
    required(await anon.post('/api/auth/login', { email: uniqueEmail() }), 'password');
    const one = await anon.post<ErrorBody>('/api/auth/login', { email: uniqueEmail() });
    expect(one.body.error).toBe('Validation failed: password is required');
    required(await owner.client.post('/api/organizations', { name: 'No slug' }), 'slug');
    required(await owner.client.post(`/api/organizations/${org}/invitations`, { email: uniqueEmail() }), 'role');
    required(await anon.apiKey(key.key).post('/api/service/users', {}), 'email');
    // A present field of the wrong type keeps zod's message.
    const wrong = expectError(await anon.post('/api/auth/login', { email: uniqueEmail(), password: 5 }), 400, 'BAD_REQUEST');
    expect(wrong.details?.[0]?.message).not.toMatch(/is required/);
  });

  describe('pagination ranges', () => {
    const lists = () => [
      (q: string) => anon.apiKey(key.key).get(`/api/service/users${q}`),
      (q: string) => anon.apiKey(key.key).get(`/api/service/subscriptions${q}`),
      (q: string) => owner.client.get(`/api/organizations${q}`),
      (q: string) => owner.client.get(`/api/organizations/${org}/members${q}`),
      (q: string) => owner.client.get(`/api/organizations/${org}/invitations${q}`),
      (q: string) => owner.client.get(`/api/organizations/${org}/users${q}`),
      (q: string) => owner.client.get(`/api/organizations/${org}/services${q}`),
      (q: string) => owner.client.get(`/api/organizations/${org}/services/${svc.slug}/api-keys${q}`),
    ];

    it('an offset or limit out of range is 400 with a message stating the range, on every list', async () => {
      const cases: [string, string][] = [
        ['?offset=99999999999', 'offset must be an integer from 0 to 1000000000'],
        ['?offset=1000000001', 'offset must be an integer from 0 to 1000000000'],
        ['?offset=-1', 'offset must be an integer from 0 to 1000000000'],
        ['?offset=abc', 'offset must be an integer from 0 to 1000000000'],
        ['?offset=1e3', 'offset must be an integer from 0 to 1000000000'],
        ['?limit=0', 'limit must be an integer from 1 to 100'],
        ['?limit=101', 'limit must be an integer from 1 to 100'],
      ];
      for (const list of lists()) {
        for (const [q, message] of cases) {
          const body = expectError(await list(q), 400, 'BAD_REQUEST');
          expect(body.error, q).toBe(`Invalid pagination: ${message}`);
          expect(body.details, q).toEqual([{ field: q.slice(1, q.indexOf('=')), message }]);
        }
      }
    });

    it('the ends of the range are accepted, 1000000000 included', async () => {
      for (const list of lists()) {
        for (const q of ['?offset=1000000000', '?offset=0&limit=1', '?limit=100']) {
          const res = await list(q);
          expect(res.status, `${q}: ${res.text.slice(0, 200)}`).toBe(200);
        }
      }
    });
  });

  describe('last_used_at', () => {
    const lastUsed = async (id: string) => {
      const res = await owner.client.get<{ last_used_at: string | null }>(`/api/organizations/${org}/services/${svc.slug}/api-keys/${id}`);
      expect(res.status).toBe(200);
      return res.body.last_used_at;
    };

    it("each key gets its own time, not the batch's newest", async () => {
      const first = await createKey(owner, org, svc.slug, ['read:users']);
      const second = await createKey(owner, org, svc.slug, ['read:users']);
      const auth = srv.deps.apiKeys;
      const before = Date.now();
      await auth.authenticate(first.key);
      const between = Date.now();
      await new Promise((r) => setTimeout(r, 40));
      const resumed = Date.now();
      await auth.authenticate(second.key);
      const after = Date.now();
      await auth.flushLastUsed();
      const a = Date.parse((await lastUsed(first.id)) ?? '');
      const b = Date.parse((await lastUsed(second.id)) ?? '');
      expect(a).toBeGreaterThanOrEqual(before);
      expect(a).toBeLessThanOrEqual(between);
      expect(b).toBeGreaterThanOrEqual(resumed);
      expect(b).toBeLessThanOrEqual(after);
    });

    it('a flush of more keys than a call can take arguments still writes them', async () => {
      const k = await createKey(owner, org, svc.slug, ['read:users']);
      const auth = srv.deps.apiKeys;
      await auth.authenticate(k.key);
      // Keys in use that the table does not hold: far more than Math.max(...values) could spread.
      const used = (auth as unknown as { usedSince: Map<string, number> }).usedSince;
      const at = Date.now() - 60_000;
      for (let i = 0; i < 150_000; i += 1) used.set(`key_missing${i}`, at + (i % 1000));
      await auth.flushLastUsed();
      expect(used.size).toBe(0);
      expect(await lastUsed(k.id)).not.toBeNull();
    }, 60_000);
  });
});

describe('the SQLite database is created owner-only', () => {
  it('missing folders 0700, the file and its -wal/-shm 0600; the dev secret folder 0700 too', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tessera-modes-'));
    const dir = join(root, 'data', 'nested');
    const file = join(dir, 'tessera.db');
    const db: TestDatabase = { name: 'sqlite', url: `file:${file}`, drop: () => Promise.resolve() };
    const sqlite = databases()[0];
    if (!sqlite) throw new Error('no SQLite factory');
    const srv = await startTestServer(sqlite, {}, db);
    try {
      await registerAdmin(srv.url, 'modes'); // a write, so the WAL is in use
      const mode = (p: string) => statSync(p).mode & 0o777;
      expect(mode(join(root, 'data'))).toBe(0o700);
      expect(mode(dir)).toBe(0o700);
      expect(mode(file)).toBe(0o600);
      for (const extra of ['-wal', '-shm']) if (existsSync(file + extra)) expect(mode(file + extra), extra).toBe(0o600);
      expect(existsSync(`${file}-wal`)).toBe(true);
      // Without TESSERA_SECRET, development keeps a secret next to the database: same rules.
      const devDir = join(root, 'dev', 'data');
      loadConfig({ NODE_ENV: 'development', DATABASE_URL: `file:${join(devDir, 'tessera.db')}` });
      expect(mode(join(root, 'dev'))).toBe(0o700);
      expect(mode(join(devDir, '.tessera-secret'))).toBe(0o600);
    } finally {
      await srv.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('errors thrown by Koa itself', () => {
  let server: Server;
  let client: Client;
  beforeAll(async () => {
    const logger = createLogger('silent');
    const app = new Koa<AppState, AppContext>();
    app.silent = true;
    app.use(requestContext(logger, new RequestRecords(logger)));
    app.use((ctx: AppContext) => {
      if (ctx.path === '/koa-404') ctx.throw(404);
      if (ctx.path === '/koa-404-message') ctx.throw(404, 'No such widget');
      if (ctx.path === '/koa-403') ctx.throw(403, 'Widgets are private');
      if (ctx.path === '/koa-429') ctx.throw(429, 'Slow down', { headers: { 'Retry-After': '7' } });
      if (ctx.path === '/koa-418') ctx.throw(418);
      if (ctx.path === '/hidden-404') throw Object.assign(new Error('/srv/secret/path missing'), { status: 404, expose: false });
    });
    const handle = app.callback();
    // Koa's handler settles its own promise (errors are rendered inside it).
    server = createServer((req, res) => {
      void handle(req, res);
    });
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve);
    });
    client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );

  it('render the contract envelope with the matching status and code, not a 500', async () => {
    expect(expectError(await client.get('/koa-404'), 404, 'NOT_FOUND').error).toBe('Not Found');
    expect(expectError(await client.get('/koa-404-message'), 404, 'NOT_FOUND').error).toBe('No such widget');
    expect(expectError(await client.get('/koa-403'), 403, 'FORBIDDEN').error).toBe('Widgets are private');
    const limited = await client.get('/koa-429');
    expectError(limited, 429, 'RATE_LIMIT_EXCEEDED');
    expect(limited.headers.get('retry-after')).toBe('7');
    // A 4xx the contract has no code for is reported as a 400.
    expectError(await client.get('/koa-418'), 400, 'BAD_REQUEST');
    // Not exposed: the status stands, the message is the generic one.
    const hidden = await client.get('/hidden-404');
    expect(expectError(hidden, 404, 'NOT_FOUND').error).toBe('Not found');
    expect(hidden.text).not.toContain('secret');
  });
});

describe('log redaction', () => {
  it('credentials, cookies, keys, tokens, passwords, SAML messages and private keys never reach a log line', () => {
    const lines: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _e, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    const secrets = {
      authorization: 'Bearer secret-access-token',
      cookie: 'tessera_sso=secret-cookie',
      setCookie: 'tessera_sso=secret-set-cookie',
      apiKey: 'sk_live_secretsecretsecretsecret',
      password: 'secret-password-1',
      token: 'secret-token',
      samlResponse: 'PHNhbWxwOlJlc3BvbnNlIHNlY3JldA',
      samlRequest: 'PHNhbWxwOkF1dGhuUmVxdWVzdCBzZWNyZXQ',
      privateKey: '-----BEGIN PRIVATE KEY-----secret',
      refresh: 'rt_secret-refresh',
    };
    logger.info(
      {
        req: { method: 'POST', headers: { authorization: secrets.authorization, cookie: secrets.cookie, 'x-api-key': secrets.apiKey, host: 'idp.example' } },
        res: { headers: { 'set-cookie': [secrets.setCookie] } },
      },
      'request seen',
    );
    logger.info(
      {
        password: secrets.password,
        token: secrets.token,
        refresh_token: secrets.refresh,
        body: { SAMLResponse: secrets.samlResponse, SAMLRequest: secrets.samlRequest, RelayState: 'kept' },
      },
      'form',
    );
    logger.error(
      {
        err: Object.assign(new Error('upstream failed'), {
          config: { headers: { Authorization: secrets.authorization } },
          privateKey: secrets.privateKey,
          api_key: secrets.apiKey,
        }),
      },
      'unhandled error',
    );
    logger.warn({ user: { email: 'kept@example.com', password: secrets.password }, certificate: { private_key: secrets.privateKey } }, 'nested');
    const out = lines.join('');
    for (const [name, value] of Object.entries(secrets)) expect(out, name).not.toContain(value);
    expect(out.match(/\[Redacted\]/g)?.length).toBeGreaterThanOrEqual(14);
    for (const kept of ['idp.example', 'kept@example.com', 'upstream failed', '"RelayState":"kept"']) expect(out).toContain(kept);
  });
});
