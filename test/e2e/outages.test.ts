// A database outage is reported as an outage (issue 14 item 6): 503 SERVICE_UNAVAILABLE with
// Retry-After, never a 4xx that blames the request, and quickly even for requests that were batched
// together. PostgreSQL only: it is the networked one, reached here through a proxy the test controls.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServerBehindProxy, type TestServer } from '../helpers/server.ts';
import { deferredCleanups } from '../helpers/suite.ts';
import type { TcpProxy } from '../helpers/tcp-proxy.ts';
import { Client, uniqueEmail, type Res } from '../helpers/http.ts';
import { createKey, createOrg, createPlan, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';

const pgFactory = databases().find((d) => d.name === 'postgresql');
/** pgPoolConfig's connectionTimeoutMillis: how long one attempt waits on a database that never answers. */
const CONNECT_TIMEOUT_MS = 3000;
const FRESH_KEYS = 12;

function expectOutage(res: Res): void {
  expect(res.status, res.text).toBe(503);
  expect(res.body.error_code).toBe('SERVICE_UNAVAILABLE');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe.runIf(pgFactory)('database outages on postgresql', () => {
  let proxy: TcpProxy;
  let srv: TestServer;
  let admin: Admin;
  let org: string;
  let svc: string;
  const defer = deferredCleanups();
  beforeAll(async () => {
    if (!pgFactory) return;
    ({ srv, proxy } = await startTestServerBehindProxy(pgFactory, defer));
    admin = await registerAdmin(srv.url);
    org = await createOrg(admin);
    svc = (await createService(admin, org)).slug;
  });

  async function recover(): Promise<void> {
    await proxy.restore();
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await new Client(srv.url).get('/readyz')).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(ready).toBe(200);
  }

  it('creating a subscription while the database is away is 503, not "User not found"', async () => {
    const key = await createKey(admin, org, svc, ['read:users', 'write:users', 'write:subscriptions']);
    const api = new Client(srv.url).apiKey(key.key);
    const user = await api.post<{ id: string }>('/api/service/users', { email: uniqueEmail('outage') });
    expect(user.status).toBe(200);
    const planId = await createPlan(admin, org, svc, 'Outage');
    await proxy.cut();
    try {
      // The key is cached by now, so the request gets as far as looking the user up.
      expectOutage(await api.post('/api/service/subscriptions', { user_id: user.body.id, plan_id: planId }));
    } finally {
      await recover();
    }
    expect((await api.post('/api/service/subscriptions', { user_id: user.body.id, plan_id: planId })).status).toBe(200);
  });

  it(`${FRESH_KEYS} requests with fresh keys while the database does not answer: all 503, about one connect timeout per batch, not one per key`, async () => {
    const keys = await Promise.all(Array.from({ length: FRESH_KEYS }, () => createKey(admin, org, svc, ['read:service'])));
    proxy.stall();
    // Let the pool see its open connections drop, so each lookup needs a new one that is never answered.
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    try {
      // None of these keys has been used: each must be looked up, and the lookups are read in batches.
      const results = await Promise.all(keys.map((k) => new Client(srv.url).apiKey(k.key).get('/api/service/info')));
      const elapsed = Date.now() - started;
      for (const r of results) expectOutage(r);
      // A batch fails as a whole on an outage: a couple of batches' worth of timeouts, where retrying
      // each key of the batch alone took one timeout per key.
      expect(elapsed).toBeLessThan(4 * CONNECT_TIMEOUT_MS);
    } finally {
      await recover();
    }
    expect((await new Client(srv.url).apiKey(keys[0]?.key ?? '').get('/api/service/info')).status).toBe(200);
  }, 120_000);
});
