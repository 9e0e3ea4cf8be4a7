// Issue 14 item 3 / docs/security.md, attack 24: no API key in any URL. Whatever the parameter's name or spelling, a
// query string that names or carries a key is refused (400) before the key is used, and the key is
// never echoed. Through real HTTP.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, serviceWorld, type ServiceWorld, type UserList } from '../helpers/service-api.ts';
import { queryCarriesKey } from '../../src/http/query-keys.ts';

describe('queryCarriesKey', () => {
  const key = 'sk_live_0123456789abcdefABCDEF0123456789abcdefABCxyz987';
  it('finds a key by name in any spelling and by shape under any name', () => {
    for (const q of [
      `api_key[]=${key}`,
      `key[]=${key}`,
      `x_api_key=${key}`,
      `token=${key}`,
      `apiKey=x`,
      `X-API-KEY=x`,
      `access-key=1`,
      `foo=1&token=${encodeURIComponent(key)}`,
      `a%5B%5D=${key.replace('sk_', '%73k_')}`,
      key,
      `q=Bearer+${key}`,
      `api%5Fkey=1`,
      `api_key[filter]=1`,
    ])
      expect(queryCarriesKey(q), q).toBe(true);
  });
  it('leaves ordinary query strings alone', () => {
    for (const q of ['', 'limit=10&offset=20', 'email=keyser%40example.com', 'status=active', 'monkey=1', 'q=sk_live_short', 'bad=%E0%A4%A'])
      expect(queryCarriesKey(q), q).toBe(false);
  });
});

describe.each(databases())('no API key in any URL on $name', (factory) => {
  const srv = suiteServer(factory);
  let admin: Admin;
  let w: ServiceWorld;
  let anon: Client;
  beforeAll(async () => {
    admin = await registerAdmin(srv.url);
    w = await serviceWorld(srv.url, admin);
    anon = new Client(srv.url);
  });

  // Each of these answered 200 before (they carried the key under a name the old check did not know).
  const forms = (key: string) => [
    `api_key[]=${encodeURIComponent(key)}`,
    `key[]=${encodeURIComponent(key)}`,
    `x_api_key=${encodeURIComponent(key)}`,
    `token=${encodeURIComponent(key)}`,
    `limit=5&t=${encodeURIComponent(key)}`,
    `${encodeURIComponent(key)}=1`,
  ];

  it('is 400 on the Service API, with or without the header, and the key is never echoed', async () => {
    for (const q of forms(w.key)) {
      const alone = await anon.get(`/api/service/users?${q}`);
      const err = expectError(alone, 400, 'BAD_REQUEST', /X-API-Key header/);
      expect(alone.text).not.toContain(w.key);
      expect(err.error).not.toContain(w.key);
      expectError(await w.api.get(`/api/service/users?${q}`), 400, 'BAD_REQUEST');
      expectError(await w.api.post(`/api/service/users?${q}`, { email: uniqueEmail() }), 400, 'BAD_REQUEST');
    }
    // Nothing was created by the refused POSTs.
    expect((await w.api.get<UserList>('/api/service/users')).body.total).toBe(0);
    // No log line carries the key either.
    expect(srv.logs.join('\n')).not.toContain(w.key);
  });

  it('is 400 on the admin plane too (a key in any /api/ URL is a leaked key)', async () => {
    for (const q of forms(w.key)) {
      expectError(await admin.client.get(`/api/organizations/${w.org}?${q}`), 400, 'BAD_REQUEST');
    }
  });

  it('ordinary query parameters still work', async () => {
    expect((await w.api.get('/api/service/users?limit=5&offset=0')).status).toBe(200);
    expect((await admin.client.get(`/api/organizations/${w.org}/users?email=keyser%40example.com`)).status).toBe(200);
  });
});
