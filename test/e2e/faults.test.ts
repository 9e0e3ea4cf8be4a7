// Database unreachable → 503 SERVICE_UNAVAILABLE with Retry-After (never a stack trace), /readyz 503,
// and recovery without a restart once the database is back. PostgreSQL only: it is the networked one.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServerBehindProxy, type TestServer } from '../helpers/server.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { Client } from '../helpers/http.ts';
import { createKey, createOrg, createService, registerAdmin } from '../helpers/fixtures.ts';

const pgFactory = databases().find((d) => d.name === 'postgresql');

describe.runIf(pgFactory)('database outage on postgresql', () => {
  let proxy: TcpProxy;
  let srv: TestServer;
  let key: string;
  const defer = deferredCleanups();
  beforeAll(async () => {
    if (!pgFactory) return;
    ({ srv, proxy } = await startTestServerBehindProxy(pgFactory, defer));
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const svc = await createService(admin, org);
    key = (await createKey(admin, org, svc.slug, ['read:users'])).key;
    srv.logs.length = 0;
  });

  it('answers 503 with Retry-After while the database is unreachable, then recovers by itself', async () => {
    const client = new Client(srv.url).apiKey(key);
    expect((await client.get('/api/service/users')).status).toBe(200);
    await proxy.cut();
    const down = await new Client(srv.url).post('/api/auth/login', { email: 'someone@example.com', password: 'whatever password' });
    expect(down.status).toBe(503);
    expect(down.body.error_code).toBe('SERVICE_UNAVAILABLE');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(down.text).not.toMatch(/at .*\.ts:\d+|Prisma|ECONNREFUSED|stack/i);
    const ready = await new Client(srv.url).get<{ error_code: string; request_id: string; status: string; checks: Record<string, string> }>('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE', status: 'unavailable', checks: { database: 'unavailable' } });
    expect(ready.body.request_id).toBe(ready.headers.get('x-request-id'));
    expect(Number(ready.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await new Client(srv.url).get('/healthz')).status).toBe(200);
    await proxy.restore();
    let recovered = 0;
    for (let i = 0; i < 50 && recovered !== 200; i++) {
      recovered = (await new Client(srv.url).get('/readyz')).status;
      if (recovered !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(recovered).toBe(200);
    expect((await client.get('/api/service/users')).status).toBe(200);
  });
});
