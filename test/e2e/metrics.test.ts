// /metrics through HTTP: Prometheus text with request durations by route and status, API-key auth
// failures, rate-limit rejections and (PostgreSQL) pool connections; the optional bearer token.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client } from '../helpers/http.ts';
import { createKey, createOrg, createService, registerAdmin } from '../helpers/fixtures.ts';

const TOKEN = 'metrics-token-for-tests-0123456789';

function value(text: string, metric: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}${labels ? `{${labels}` : ''}`) && !l.startsWith('#'));
  return line ? Number(line.trim().split(' ').at(-1)) : Number.NaN;
}

describe.each(databases())('metrics on $name', (factory) => {
  const srv = suiteServer(factory, { TESSERA_METRICS_TOKEN: TOKEN });
  let scrape: Client;
  beforeAll(() => {
    scrape = new Client(srv.url).bearer(TOKEN);
  });

  it('needs the metrics token when one is configured', async () => {
    expect((await new Client(srv.url).get('/metrics')).status).toBe(401);
    expect((await new Client(srv.url).bearer('wrong-token-0123456789').get('/metrics')).status).toBe(401);
    const ok = await scrape.get('/metrics');
    expect(ok.status).toBe(200);
    // The scheme is case-insensitive (RFC 7235), as on the admin plane.
    const lower = await fetch(`${srv.url}/metrics`, { headers: { authorization: `bearer ${TOKEN}` } });
    expect(lower.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
  });

  it('counts requests by route template and status, key failures and rate-limit rejections', async () => {
    const admin = await registerAdmin(srv.url);
    const org = await createOrg(admin);
    const svc = await createService(admin, org);
    const key = await createKey(admin, org, svc.slug, ['read:service']);
    const before = (await scrape.get('/metrics')).text;
    await new Client(srv.url).apiKey('sk_live_not-a-real-key').get('/api/service/info');
    const api = new Client(srv.url).apiKey(key.key);
    let limited = 0;
    for (let i = 0; i < 101; i++) if ((await api.get('/api/service/info')).status === 429) limited++;
    expect(limited).toBe(1);
    const after = (await scrape.get('/metrics')).text;
    expect(value(after, 'tessera_api_key_auth_failures_total')).toBe((value(before, 'tessera_api_key_auth_failures_total') || 0) + 1);
    expect(value(after, 'tessera_rate_limit_rejections_total', 'limiter="service-api"')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'tessera_http_request_duration_seconds_count', 'method="GET",route="/api/service/info",status="200"')).toBe(100);
    expect(after).toContain('route="/api/organizations/:org/services/:service/api-keys",status="201"');
    expect(after).not.toContain(key.key);
    if (srv.db.name === 'postgresql') expect(value(after, 'tessera_db_pool_connections', 'state="total"')).toBeGreaterThan(0);
    else expect(after).not.toContain('tessera_db_pool_connections{');
  });
});
