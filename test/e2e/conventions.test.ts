// The conventions every endpoint follows (docs/api.md, Conventions and Errors), checked over real HTTP.
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { PASSWORD, addMember, createKey, createOrg, createPlan, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { RFC3339_UTC, expectError, expectStatus, oversizedJson, tick } from '../helpers/admin-plane.ts';

function expectSecurityHeaders(res: Res<unknown>): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('x-request-id')).toBeTruthy();
}

describe.each(databases())('conventions on $name', (factory) => {
  const srv = suiteServer(factory);
  let anon: Client;
  let owner: Admin;
  let member: Admin;
  let org: string;
  let svc: string;
  let planId: string;
  let keyId: string;
  beforeAll(async () => {
    anon = new Client(srv.url);
    owner = await registerAdmin(srv.url, 'owner');
    org = await createOrg(owner);
    member = await addMember(owner, org, 'member', srv.url);
    svc = (await createService(owner, org)).slug;
    planId = await createPlan(owner, org, svc);
    keyId = (await createKey(owner, org, svc, ['read:service'])).id;
  });

  describe('errors', () => {
    it('every failure has {error, error_code, timestamp (RFC 3339 Z), request_id}', async () => {
      const failures: [Promise<Res<unknown>>, number, string][] = [
        [anon.get('/api/auth/me'), 401, 'UNAUTHORIZED'],
        [anon.post('/api/auth/login', { email: uniqueEmail(), password: 'wrong password' }), 401, 'UNAUTHORIZED'],
        [anon.get('/api/service/info'), 401, 'UNAUTHORIZED'],
        [owner.client.get('/api/organizations/does-not-exist'), 404, 'NOT_FOUND'],
        [member.client.delete(`/api/organizations/${org}`), 403, 'FORBIDDEN'],
        [owner.client.post('/api/organizations', { slug: org, name: 'dup' }), 409, 'CONFLICT'],
        [owner.client.post('/api/organizations', { slug: 'x' }), 400, 'BAD_REQUEST'],
        [owner.client.request('PUT', '/api/organizations'), 405, 'METHOD_NOT_ALLOWED'],
        [anon.get('/api/no-such-route'), 404, 'NOT_FOUND'],
        [anon.post('/api/auth/login', 'email=a', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ];
      for (const [pending, status, code] of failures) {
        const res = await pending;
        const body = expectError(res, status, code);
        expect(
          Object.keys(body)
            .filter((k) => k !== 'details')
            .sort(),
        ).toEqual(['error', 'error_code', 'request_id', 'timestamp']);
        expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(60_000);
        expectSecurityHeaders(res);
      }
    });

    it('validation errors carry details [{field, message}]; other errors do not', async () => {
      const bad = expectError(await anon.post('/api/auth/register', { email: 'nope', password: 'short' }), 400, 'BAD_REQUEST');
      expect(bad.details?.length).toBeGreaterThanOrEqual(2);
      for (const d of bad.details ?? []) {
        expect(typeof d.field).toBe('string');
        expect(typeof d.message).toBe('string');
      }
      expect(bad.details?.map((d) => d.field).sort()).toEqual(['email', 'password']);
      const nf = expectError(await owner.client.get('/api/organizations/nope-nope'), 404, 'NOT_FOUND');
      expect(nf.details).toBeUndefined();
    });

    it('unknown routes are 404 with the error shape, under /api and elsewhere', async () => {
      expectError(await anon.get('/api/nothing-here'), 404, 'NOT_FOUND');
      expectError(await anon.get('/nothing-here'), 404, 'NOT_FOUND');
      expectError(await anon.post('/api/auth/nothing', {}), 404, 'NOT_FOUND');
      expectError(await owner.client.get(`/api/organizations/${org}/nothing`), 404, 'NOT_FOUND');
      expectError(await owner.client.get(`/api/organizations/${org}/services/${svc}/nothing`), 404, 'NOT_FOUND');
    });

    it('a wrong verb is 405 with the error shape and an Allow header', async () => {
      const login = await anon.get('/api/auth/login');
      expectError(login, 405, 'METHOD_NOT_ALLOWED');
      expect(login.headers.get('allow') ?? '').toContain('POST');
      const put = await owner.client.request('PUT', `/api/organizations/${org}/members`);
      expectError(put, 405, 'METHOD_NOT_ALLOWED');
      expect(put.headers.get('allow') ?? '').toContain('GET');
      expectError(await owner.client.request('PUT', `/api/organizations/${org}/services/${svc}/plans`), 405, 'METHOD_NOT_ALLOWED');
      expectError(await owner.client.request('DELETE', `/api/organizations/${org}/services`), 405, 'METHOD_NOT_ALLOWED');
      expectError(await anon.post('/healthz', {}), 405, 'METHOD_NOT_ALLOWED');
      // A method no route takes at all (@koa/router's 501 Not Implemented) is a wrong verb too.
      for (const path of ['/healthz', `/api/organizations/${org}/members`, '/api/service/users']) {
        const res = await owner.client.request('PROPFIND', path);
        expectError(res, 405, 'METHOD_NOT_ALLOWED');
        expect(res.headers.get('allow') ?? '').toContain('GET');
      }
      // On a path no route has, it is the unknown route's 404.
      expectError(await owner.client.request('PROPFIND', '/api/organizations/no/such/route/here'), 404, 'NOT_FOUND');
      expectError(await owner.client.request('PROPFIND', '/no-such-page'), 404, 'NOT_FOUND');
    });
  });

  describe('bodies', () => {
    it('without a bearer token the answer is 401 whatever the body: it is not read', async () => {
      for (const [text, headers] of [
        ['{"slug":', {}],
        [JSON.stringify({ slug: 'anon-org', name: 'x' }), { 'content-type': 'text/plain' }],
        [JSON.stringify({ slug: 'anon-org', name: 'x' }), {}],
      ] as const) {
        expectError(await anon.post('/api/organizations', text, headers), 401, 'UNAUTHORIZED');
      }
      expectError(await anon.post('/api/organizations', oversizedJson()), 401, 'UNAUTHORIZED');
    });

    it('a compressed body is 415 (bodies are read as sent), whatever the encoding', async () => {
      const json = JSON.stringify({ slug: 'gz-org', name: 'x' });
      for (const [encoding, body] of [
        ['gzip', gzipSync(json)],
        ['x-unknown', Buffer.from(json)],
      ] as const) {
        const res = await fetch(`${srv.url}/api/organizations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${owner.accessToken}` },
          body,
        });
        expect(res.status, encoding).toBe(415);
        expect(((await res.json()) as { error_code: string }).error_code).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
      expectError(await owner.client.get('/api/organizations/gz-org'), 404, 'NOT_FOUND');
    });

    it('a client that goes away mid-body is not taken for a database outage', async () => {
      const url = new URL(srv.url);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":"');
          setTimeout(() => {
            socket.destroy();
          }, 200);
        });
        socket.on('close', () => {
          resolve();
        });
        socket.on('error', reject);
      });
      await tick(300);
      expect(srv.logs.filter((l) => l.includes('database unavailable'))).toEqual([]);
      expectStatus(await new Client(srv.url).get('/readyz'), 200);
    });

    it('a route that takes no body refuses fields sent to it (unknown fields are 400), and takes {} or nothing', async () => {
      const plan = `/api/organizations/${org}/services/${svc}/plans/${await createPlan(owner, org, svc, 'No body')}`;
      const key = `/api/organizations/${org}/services/${svc}/api-keys/${(await createKey(owner, org, svc, ['read:service'])).id}`;
      for (const path of [plan, key]) {
        const res = await owner.client.request('DELETE', path, { force: true });
        const body = expectError(res, 400, 'BAD_REQUEST');
        expect(body.details).toEqual([{ field: 'force', message: 'Unknown field' }]);
      }
      expectStatus(await owner.client.request('DELETE', plan, {}), 204);
      expectStatus(await owner.client.delete(key), 204);
      // A resource that is not there is still its 404 first.
      expectError(await owner.client.request('DELETE', plan, { force: true }), 404, 'NOT_FOUND');
    });

    it('invalid JSON is 400', async () => {
      for (const text of ['{"slug":', '{slug: "abc"}', "{'a':1}", '{"a":1}}', 'undefined', '\u0000']) {
        expectError(await owner.client.post('/api/organizations', text), 400, 'BAD_REQUEST');
      }
      expectError(await anon.post('/api/auth/login', '{"email":'), 400, 'BAD_REQUEST');
    });

    it('a JSON body that is not an object (array, null, number, string) is 400', async () => {
      for (const text of ['[]', '[{"slug":"abc-def","name":"x"}]', 'null', '42', '"a string"', 'true']) {
        expectError(await owner.client.post('/api/organizations', text), 400, 'BAD_REQUEST');
      }
      expectError(await anon.post('/api/auth/register', [{ email: uniqueEmail(), password: PASSWORD }]), 400, 'BAD_REQUEST');
    });

    it('a JSON endpoint refuses another content type with 415', async () => {
      const body = JSON.stringify({ slug: 'ct-test-org', name: 'x' });
      for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml']) {
        expectError(await owner.client.post('/api/organizations', body, { 'content-type': ct }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      expectError(await owner.client.patch(`/api/organizations/${org}`, body, { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
      // Nothing was created.
      expectError(await owner.client.get('/api/organizations/ct-test-org'), 404, 'NOT_FOUND');
      // application/json with a charset is fine.
      expectStatus(
        await owner.client.post('/api/organizations', JSON.stringify({ slug: `cs-${Date.now().toString(36)}`, name: 'x' }), {
          'content-type': 'application/json; charset=utf-8',
        }),
        201,
      );
    });

    it('a body over 1 MiB is 413, with and without Content-Length', async () => {
      expectError(await owner.client.post('/api/organizations', oversizedJson()), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await anon.post('/api/auth/login', oversizedJson()), 413, 'PAYLOAD_TOO_LARGE');
      // Chunked transfer: no Content-Length to trust, the limit still holds.
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent >= 1100 * 1024) {
            controller.close();
            return;
          }
          sent += chunk.length;
          controller.enqueue(chunk);
        },
      });
      const init: RequestInit & { duplex: 'half' } = {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.accessToken}` },
        body: stream,
        duplex: 'half',
      };
      const res = await fetch(`${srv.url}/api/organizations`, init);
      expect(res.status).toBe(413);
      const body = (await res.json()) as { error_code: string };
      expect(body.error_code).toBe('PAYLOAD_TOO_LARGE');
      // The unread rest of the body must not poison a kept-alive connection: the server closes it.
      expect(res.headers.get('connection')).toBe('close');
      for (let i = 0; i < 3; i++) expectStatus(await anon.get('/healthz'), 200);
      // A body just under the limit is parsed (and then validated).
      const under = JSON.stringify({ slug: 'under-limit', name: 'x'.repeat(1024 * 1024 - 100) });
      expect(Buffer.byteLength(under)).toBeLessThan(1024 * 1024);
      expectError(await owner.client.post('/api/organizations', under), 400, 'BAD_REQUEST');
    });

    it('unknown fields are 400 and name the field', async () => {
      const err = expectError(await owner.client.patch(`/api/organizations/${org}`, { name: 'ok', colour: 'red' }), 400, 'BAD_REQUEST');
      expect(JSON.stringify(err.details)).toContain('colour');
    });
  });

  describe('headers', () => {
    it('echoes a sane X-Request-Id and generates one otherwise', async () => {
      const sane = 'req-0123456789abcdef';
      const echoed = await anon.get('/healthz', { 'x-request-id': sane });
      expect(echoed.headers.get('x-request-id')).toBe(sane);
      const errEchoed = await anon.get('/api/auth/me', { 'x-request-id': sane });
      expect(errEchoed.headers.get('x-request-id')).toBe(sane);
      expect((errEchoed.body as { request_id: string }).request_id).toBe(sane);

      const short = await anon.get('/api/auth/me', { 'x-request-id': 'req-1' });
      expect(short.headers.get('x-request-id')).toBe('req-1');
      for (const insane of ['has spaces in it', '<script>alert(1)</script>', 'a'.repeat(200), 'line\tbreak-0123456']) {
        const res = await anon.get('/api/auth/me', { 'x-request-id': insane });
        const id = res.headers.get('x-request-id') ?? '';
        expect(id).not.toBe(insane);
        expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
        expect((res.body as { request_id: string }).request_id).toBe(id);
      }
      const a = (await anon.get('/healthz')).headers.get('x-request-id');
      const b = (await anon.get('/healthz')).headers.get('x-request-id');
      expect(a).toBeTruthy();
      expect(b).toBeTruthy();
      expect(a).not.toBe(b);
    });

    it('security headers on success, error, JSON and HTML responses; no HSTS over plain http', async () => {
      const responses = [
        await anon.get('/healthz'),
        await owner.client.get(`/api/organizations/${org}`),
        await anon.get('/api/auth/me'),
        await anon.get('/nope'),
        await anon.get('/password?token=nope'),
      ];
      for (const res of responses) {
        expectSecurityHeaders(res);
        expect(res.headers.get('strict-transport-security')).toBeNull();
      }
      const html = responses[4];
      expect(html?.headers.get('content-type') ?? '').toMatch(/^text\/html/);
      expect(html?.headers.get('content-security-policy') ?? '').toContain("frame-ancestors 'none'");
    });

    it('JSON responses are application/json; charset=utf-8 and API responses are not cached', async () => {
      const res = await owner.client.get(`/api/organizations/${org}`);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control') ?? '').toContain('no-store');
    });

    it('timestamps in resources are RFC 3339 UTC with Z', async () => {
      const res = await owner.client.get<{ organization: { created_at: string; updated_at: string } }>(`/api/organizations/${org}`);
      expect(res.body.organization.created_at).toMatch(RFC3339_UTC);
      expect(res.body.organization.updated_at).toMatch(RFC3339_UTC);
    });
  });

  describe('IDs in paths', () => {
    it('a malformed or unknown ID in a path is 404, never 500', async () => {
      const base = `/api/organizations/${org}`;
      const s = `${base}/services/${svc}`;
      const weird = [
        'not-an-id',
        'plan_',
        'key_%00',
        '%00',
        'acct_%00abcdefghijklmnop',
        "usr_' OR 1=1 --",
        '%27%22%3B',
        'a'.repeat(300),
        '..%2F..%2Fetc%2Fpasswd',
        '%F0%9F%92%A9',
        'null',
        'undefined',
        '0',
        '-1',
      ];
      for (const w of weird) {
        const seg = w.includes('%') ? w : encodeURIComponent(w);
        for (const path of [`${s}/plans/${seg}`, `${s}/api-keys/${seg}`, `${base}/users/${seg}`, `/api/organizations/${seg}`, `${base}/services/${seg}`]) {
          const res = await owner.client.get(path);
          expect(res.status, path).toBe(404);
          expectError(res, 404, 'NOT_FOUND');
        }
        expectError(await owner.client.delete(`${base}/invitations/${seg}`), 404, 'NOT_FOUND');
        expectError(await owner.client.patch(`${base}/members/${seg}`, { role: 'member' }), 404, 'NOT_FOUND');
        expectError(await owner.client.delete(`${s}/plans/${seg}`), 404, 'NOT_FOUND');
      }
    });

    it('an ID of the wrong type in a path is 404', async () => {
      const s = `/api/organizations/${org}/services/${svc}`;
      expectError(await owner.client.get(`${s}/plans/${keyId}`), 404, 'NOT_FOUND');
      expectError(await owner.client.get(`${s}/api-keys/${planId}`), 404, 'NOT_FOUND');
      expectError(await owner.client.get(`/api/organizations/${org}/users/${planId}`), 404, 'NOT_FOUND');
    });

    it('malformed percent-encoding in a path is a 4xx with the error shape, never 500', async () => {
      for (const path of [`/api/organizations/%E0%A4%A`, `/api/organizations/${org}/services/%`, `/api/organizations/${org}/users/%zz`]) {
        const res = await owner.client.get(path);
        expect(res.status, path).toBeGreaterThanOrEqual(400);
        expect(res.status, path).toBeLessThan(500);
        expectError(res, res.status);
      }
    });
  });

  describe('pagination and order', () => {
    it('limit and offset outside their ranges are 400 on every paginated list', async () => {
      const s = `/api/organizations/${org}/services/${svc}`;
      const lists = [
        `/api/organizations/${org}/members`,
        `/api/organizations/${org}/invitations`,
        `/api/organizations/${org}/users`,
        `${s}/api-keys`,
        `/api/organizations/${org}/services`,
        '/api/organizations',
      ];
      for (const list of lists) {
        for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'offset=-1', 'offset=abc', 'offset=1e3', 'limit=1&limit=2']) {
          expectError(await owner.client.get(`${list}?${q}`), 400, 'BAD_REQUEST');
        }
        for (const q of ['limit=1', 'limit=100', 'offset=0', 'limit=50&offset=5']) {
          expectStatus(await owner.client.get(`${list}?${q}`), 200);
        }
      }
    });

    it('limit defaults to 50 and caps the page; total is the full count', async () => {
      const o = await createOrg(owner);
      const path = `/api/organizations/${o}/invitations`;
      for (let i = 0; i < 55; i++) {
        expectStatus(await owner.client.post(path, { email: `bulk${i}@example.com`, role: 'member' }), 201);
        await tick();
      }
      const first = await owner.client.get<{ invitations: { email: string }[]; total: number }>(path);
      expect(first.body.total).toBe(55);
      expect(first.body.invitations).toHaveLength(50);
      expect(first.body.invitations.map((i) => i.email)).toEqual(Array.from({ length: 50 }, (_, i) => `bulk${i}@example.com`));
      const rest = await owner.client.get<{ invitations: { email: string }[]; total: number }>(`${path}?offset=50`);
      expect(rest.body.invitations.map((i) => i.email)).toEqual(Array.from({ length: 5 }, (_, i) => `bulk${50 + i}@example.com`));
      const max = await owner.client.get<{ invitations: unknown[] }>(`${path}?limit=100`);
      expect(max.body.invitations).toHaveLength(55);
    });

    it('lists are in creation order (oldest first), not alphabetical', async () => {
      const o = await createOrg(owner, `zzz-${Date.now().toString(36)}`);
      await tick();
      const o2 = await createOrg(owner, `aaa-${Date.now().toString(36)}`);
      const mine = await owner.client.get<{ organizations: { slug: string }[]; total: number }>('/api/organizations');
      const slugs = mine.body.organizations.map((x) => x.slug);
      expect(slugs.indexOf(o)).toBeLessThan(slugs.indexOf(o2));
      expect(slugs[0]).toBe(org);
      expect(mine.body.total).toBe(slugs.length);

      const services = [`zulu-${Date.now().toString(36)}`, `alfa-${Date.now().toString(36)}`, `mike-${Date.now().toString(36)}`];
      for (const slug of services) {
        await createService(owner, o, slug);
        await tick();
      }
      const sl = await owner.client.get<{ services: { slug: string }[]; total: number }>(`/api/organizations/${o}/services`);
      expect(sl.body.services.map((x) => x.slug)).toEqual(services);
      expect(sl.body.total).toBe(3);
      const sp = await owner.client.get<{ services: { slug: string }[]; total: number }>(`/api/organizations/${o}/services?limit=1&offset=1`);
      expect(sp.body.services.map((x) => x.slug)).toEqual([services[1]]);
      expect(sp.body.total).toBe(3);
      const op = await owner.client.get<{ organizations: { slug: string }[]; total: number }>('/api/organizations?limit=1&offset=1');
      expect(op.body.organizations.map((x) => x.slug)).toEqual([slugs[1]]);
      expect(op.body.total).toBe(slugs.length);

      const users = ['zed@example.com', 'abe@example.com', 'max@example.com'];
      for (const email of users) {
        expectStatus(await owner.client.post(`/api/organizations/${o}/users`, { email }), 201);
        await tick();
      }
      const ul = await owner.client.get<{ users: { email: string }[]; total: number }>(`/api/organizations/${o}/users`);
      expect(ul.body.users.map((u) => u.email)).toEqual(users);
    });
  });
});
