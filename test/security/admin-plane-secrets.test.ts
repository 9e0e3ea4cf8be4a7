// docs/security.md, C, attacks 26, 35 and 27 on the admin plane through real HTTP: secrets at rest and in
// comparisons, sessions, and logs, with organization A (test/helpers/admin-plane.ts) as the target.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { PASSWORD, createKey, createOrg, registerAdmin } from '../helpers/fixtures.ts';
import { SRC, adminPlaneSuite, expectError, expectStatus, sourceFiles } from '../helpers/admin-plane.ts';

describe.each(databases())('admin-plane security, secrets, sessions and logs, on $name', (factory) => {
  const t = adminPlaneSuite(factory);
  const { srv } = t;

  describe('secrets at rest and in comparisons (docs/security.md attack 26)', () => {
    it('API keys are looked up by a keyed hash: the same key under another server secret is refused', async () => {
      const key = await createKey(t.a.owner, t.a.org, t.a.svc.slug, ['read:service']);
      expectStatus(await new Client(srv.url).apiKey(key.key).get('/api/service/info'), 200);
      const row = await srv.deps.db.apiKey.findUniqueOrThrow({ where: { id: key.id } });
      expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.keyHash).not.toBe(createHash('sha256').update(key.key).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(key.key.slice(8, 40));
      const other = await startTestServer(factory, { TESSERA_SECRET: 'another-secret-0123456789abcdefghijklmnopqrstuv' }, srv.db);
      try {
        const res = await new Client(other.url).apiKey(key.key).get('/api/service/info');
        expectError(res, 401, 'UNAUTHORIZED');
      } finally {
        await other.stop();
      }
      expectStatus(await t.a.owner.client.delete(`/api/organizations/${t.a.org}/services/${t.a.svc.slug}/api-keys/${key.id}`), 204);
    });

    it('refresh, invitation and password-link tokens are stored only as hashes', async () => {
      const acct = await registerAdmin(srv.url, 'hashes');
      const refreshed = await t.anon.post<{ refresh_token: string }>('/api/auth/refresh', { refresh_token: acct.refreshToken });
      const inv = await t.a.owner.client.post<{ token: string; invitation: { id: string } }>(`/api/organizations/${t.a.org}/invitations`, {
        email: uniqueEmail('h'),
        role: 'member',
      });
      const link = await t.a.owner.client.post<{ url: string }>(`/api/organizations/${t.a.org}/users/${t.a.user}/password-link`);
      const linkToken = new URL(link.body.url).searchParams.get('token') ?? '';
      const db = srv.deps.db;
      const dump = JSON.stringify([
        await db.refreshToken.findMany(),
        await db.invitation.findMany(),
        await db.passwordLink.findMany(),
        await db.account.findMany(),
        await db.apiKey.findMany(),
      ]);
      for (const secret of [acct.refreshToken, refreshed.body.refresh_token, inv.body.token, linkToken, PASSWORD, t.a.key.key]) {
        expect(secret.length).toBeGreaterThan(8);
        expect(dump).not.toContain(secret);
      }
      expect(dump).toContain(createHash('sha256').update(inv.body.token).digest('hex'));
      expectStatus(await t.a.owner.client.delete(`/api/organizations/${t.a.org}/invitations/${inv.body.invitation.id}`), 204);
    });

    it('no secret in src/ is compared with === or !== (hash lookup or timingSafeEqual only)', () => {
      const secretish =
        /\b\w*(token|secret|keyhash|tokenhash|apikey|rawkey|csrf)\w*\s*[!=]==|[!=]==\s*\w*(token|secret|keyhash|tokenhash|apikey|rawkey|csrf)\w*\b/i;
      const offenders: string[] = [];
      for (const file of sourceFiles(SRC)) {
        const text = readFileSync(file, 'utf8');
        text.split('\n').forEach((line, i) => {
          const code = line.replace(/typeof\s+[\w.?[\]'"]+/g, '').replace(/\/\/.*$/, '');
          if (secretish.test(code)) offenders.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        });
      }
      expect(offenders).toEqual([]);
      const random = readFileSync(join(SRC, 'security', 'random.ts'), 'utf8');
      expect(random).toContain('timingSafeEqual');
    });
  });

  describe('sessions (docs/security.md attack 35)', () => {
    it('reusing a spent refresh token revokes the session for the admin plane too', async () => {
      const acct = await registerAdmin(srv.url, 'reuse');
      const o = await createOrg(acct);
      const next = await t.anon.post<{ access_token: string; refresh_token: string }>('/api/auth/refresh', { refresh_token: acct.refreshToken });
      expectStatus(next, 200);
      const fresh = new Client(srv.url).bearer(next.body.access_token);
      expectStatus(await fresh.get(`/api/organizations/${o}`), 200);
      expectError(await t.anon.post('/api/auth/refresh', { refresh_token: acct.refreshToken }), 401, 'UNAUTHORIZED');
      expectError(await fresh.get(`/api/organizations/${o}`), 401, 'UNAUTHORIZED');
      expectError(await fresh.post(`/api/organizations/${o}/services`, { slug: 'after-revoke', name: 'x', service_type: 'web' }), 401, 'UNAUTHORIZED');
      expectError(await t.anon.post('/api/auth/refresh', { refresh_token: next.body.refresh_token }), 401, 'UNAUTHORIZED');
    });

    it('logout kills the access token for every admin route at once', async () => {
      const acct = await registerAdmin(srv.url, 'logout');
      const o = await createOrg(acct);
      expectStatus(await acct.client.get(`/api/organizations/${o}/members`), 200);
      expectStatus(await t.anon.post('/api/auth/logout', { refresh_token: acct.refreshToken }), 204);
      expectError(await acct.client.get(`/api/organizations/${o}/members`), 401, 'UNAUTHORIZED');
      expectError(await acct.client.delete(`/api/organizations/${o}`), 401, 'UNAUTHORIZED');
      expectError(await acct.client.get('/api/organizations'), 401, 'UNAUTHORIZED');
      // A login opens a new session; the organization survived.
      const login = await t.anon.post<{ access_token: string }>('/api/auth/login', { email: acct.email, password: PASSWORD });
      expectStatus(await new Client(srv.url).bearer(login.body.access_token).get(`/api/organizations/${o}`), 200);
    });

    it('forged, tampered or foreign bearer tokens are 401', async () => {
      const [header, payload] = t.a.owner.accessToken.split('.');
      const forged = [
        `${header}.${payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`,
        `${t.a.owner.accessToken}x`,
        'not-a-token-at-all',
      ];
      for (const token of forged) {
        expectError(await new Client(srv.url).bearer(token).get(`/api/organizations/${t.a.org}`), 401, 'UNAUTHORIZED');
      }
      expectError(await new Client(srv.url).with({ authorization: t.a.owner.accessToken }).get(`/api/organizations/${t.a.org}`), 401, 'UNAUTHORIZED');
      expectError(await new Client(srv.url).apiKey(t.a.key.key).get(`/api/organizations/${t.a.org}`), 401, 'UNAUTHORIZED');
    });
  });

  describe('logs (docs/security.md attack 27)', () => {
    it('no password, token, API key or password-link token in any log line', async () => {
      const before = srv.logs.length;
      const email = uniqueEmail('logs');
      const wrongPassword = 'wrong password for the logs 1';
      const reg = await t.anon.post<{ access_token: string; refresh_token: string }>('/api/auth/register', { email, password: PASSWORD, name: 'Logger' });
      expectStatus(reg, 201);
      expectError(await t.anon.post('/api/auth/login', { email, password: wrongPassword }), 401, 'UNAUTHORIZED');
      const login = await t.anon.post<{ access_token: string; refresh_token: string }>('/api/auth/login', { email, password: PASSWORD });
      expectStatus(login, 200);
      const refreshed = await t.anon.post<{ access_token: string; refresh_token: string }>('/api/auth/refresh', { refresh_token: login.body.refresh_token });
      expectStatus(refreshed, 200);
      const me = new Client(srv.url).bearer(refreshed.body.access_token);
      const o = await me.post<{ organization: { slug: string } }>('/api/organizations', { slug: `logs-${Date.now().toString(36)}`, name: 'Logs' });
      expectStatus(o, 201);
      const slug = o.body.organization.slug;
      const svc = await me.post('/api/organizations/' + slug + '/services', { slug: 'logged', name: 'Logged', service_type: 'web' });
      expectStatus(svc, 201);
      const key = await me.post<{ key: string }>(`/api/organizations/${slug}/services/logged/api-keys`, {
        name: 'k',
        permissions: ['read:service', 'write:users'],
      });
      expectStatus(key, 201);
      const api = new Client(srv.url).apiKey(key.body.key);
      expectStatus(await api.get('/api/service/info'), 200);
      expectStatus(await api.post('/api/service/users', { email: uniqueEmail('svc-user') }), 200);
      // A key in the query string (400) and a malformed key (401) are logged without the key.
      expectError(await t.anon.get(`/api/service/info?api_key=${encodeURIComponent(key.body.key)}`), 400, 'BAD_REQUEST');
      const tampered = `${key.body.key.slice(0, -1)}${key.body.key.endsWith('A') ? 'B' : 'A'}`;
      expectError(await new Client(srv.url).apiKey(tampered).get('/api/service/info'), 401, 'UNAUTHORIZED');
      const inv = await me.post<{ token: string }>(`/api/organizations/${slug}/invitations`, { email: uniqueEmail('inv-log'), role: 'member' });
      expectStatus(inv, 201);
      const user = await me.post<{ user: { id: string } }>(`/api/organizations/${slug}/users`, {
        email: uniqueEmail('dir-log'),
        password: 'directory user password 1',
      });
      expectStatus(user, 201);
      const link = await me.post<{ url: string }>(`/api/organizations/${slug}/users/${user.body.user.id}/password-link`);
      expectStatus(link, 201);
      const linkUrl = new URL(link.body.url);
      const linkToken = linkUrl.searchParams.get('token') ?? '';
      expectStatus(await t.anon.get(`${linkUrl.pathname}${linkUrl.search}`), 200);
      const newUserPassword = 'the new directory password 2';
      const set = await t.anon.post('/password', new URLSearchParams({ token: linkToken, password: newUserPassword, confirm: newUserPassword }).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectStatus(set, 200);
      expectStatus(await t.anon.post('/api/auth/logout', { refresh_token: refreshed.body.refresh_token }), 204);

      const lines = srv.logs.slice(before);
      expect(lines.length).toBeGreaterThan(10);
      // The capture works: request lines for the routes above are there.
      const text = lines.join('\n');
      expect(text).toContain('/api/auth/login');
      expect(text).toContain('/password');
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      const secrets: [string, string][] = [
        ['admin password', PASSWORD],
        ['wrong password', wrongPassword],
        ['directory password', 'directory user password 1'],
        ['new directory password', newUserPassword],
        ['register access token', reg.body.access_token],
        ['register refresh token', reg.body.refresh_token],
        ['login access token', login.body.access_token],
        ['login refresh token', login.body.refresh_token],
        ['refreshed access token', refreshed.body.access_token],
        ['refreshed refresh token', refreshed.body.refresh_token],
        ['access token signature', refreshed.body.access_token.split('.')[2] ?? 'missing'],
        ['API key', key.body.key],
        ['API key secret part', key.body.key.slice(8)],
        ['invitation token', inv.body.token],
        ['password-link token', linkToken],
        ['password-link token (url-encoded)', encodeURIComponent(linkToken)],
      ];
      for (const [name, secret] of secrets) {
        expect(secret.length, name).toBeGreaterThan(8);
        const hit = lines.find((l) => l.includes(secret));
        expect(hit, `${name} leaked into a log line`).toBeUndefined();
      }
    });
  });
});
