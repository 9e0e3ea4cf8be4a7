// TESSERA_WORKERS=2 on one SQLite file and no Redis (issue 20 item 3): the two workers share the port
// and must agree, through their primary, on what instances on several machines agree on through Redis:
// a revoked key is refused by both on the next request, a limit is not doubled, a replay is refused.
// Every request here opens its own connection, so the primary hands them to the workers in turn; the
// workers' log lines (each carries its slot) show that both answered.
import http from 'node:http';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { beforeAll, describe, expect, it } from 'vitest';
import { deferredCleanups } from '../helpers/suite.ts';
import { startProcessServer, type ProcessServer } from '../helpers/process-server.ts';
import { createKey, createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { configureSaml } from '../helpers/saml.ts';
import { authnRequest, redirectQuery } from '../helpers/saml-attacks.ts';

const PUBLIC = 'http://idp.workers.test';

/** One GET on a connection of its own (no keep-alive pool), so consecutive requests reach different workers. */
function freshGet(base: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent: false, headers: { ...headers, connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
  });
}

/**
 * The worker slots whose access lines show `route` answered. Access lines are written in batches, so
 * this waits (up to 3 s) until both workers' lines are out.
 */
async function workersThatServed(server: ProcessServer, route: string): Promise<Set<number>> {
  const deadline = Date.now() + 3000;
  let slots = slotsIn(server.output(), route);
  while (slots.size < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    slots = slotsIn(server.output(), route);
  }
  return slots;
}

function slotsIn(output: string, route: string): Set<number> {
  const slots = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; route?: string; worker?: number };
    if (entry.msg === 'request' && entry.route === route && typeof entry.worker === 'number') slots.add(entry.worker);
  }
  return slots;
}

describe('TESSERA_WORKERS=2 on one SQLite file without Redis', () => {
  let server: ProcessServer;
  let admin: Admin;
  let org: string;
  let svc: string;
  const defer = deferredCleanups();

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-workers-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    server = await startProcessServer({ DATABASE_URL: `file:${join(dir, 'tessera.db')}`, TESSERA_WORKERS: '2', PUBLIC_URL: PUBLIC, REDIS_URL: '' });
    defer(() => server.stop());
    // /healthz answers as soon as one worker listens; the primary says when both do.
    const deadline = Date.now() + 30_000;
    while (!/"workers":2,"msg":"tessera is listening"|"msg":"tessera is listening".*"workers":2/.test(server.output()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    admin = await registerAdmin(server.url);
    org = await createOrg(admin);
    svc = (await createService(admin, org)).slug;
    await configureSaml(admin, org, svc);
  }, 60_000);

  it('a key deleted through one worker is refused by both on their next request', async () => {
    const key = await createKey(admin, org, svc, ['read:service']);
    const withKey = { 'x-api-key': key.key };
    for (let i = 0; i < 6; i++) expect(await freshGet(server.url, '/api/service/info', withKey)).toBe(200);
    // Both workers have the key in their caches now.
    expect(await workersThatServed(server, '/api/service/info')).toEqual(new Set([0, 1]));
    expect((await admin.client.delete(`/api/organizations/${org}/services/${svc}/api-keys/${key.id}`)).status).toBe(204);
    // No waiting: the DELETE was answered only once the other worker had dropped the key.
    const after = [];
    for (let i = 0; i < 6; i++) after.push(await freshGet(server.url, '/api/service/info', withKey));
    expect(after).toEqual([401, 401, 401, 401, 401, 401]);
  });

  it('rate limits are held once for both workers: 100 reads per minute in total, not 100 each', async () => {
    const key = await createKey(admin, org, svc, ['read:service']);
    const statuses: number[] = [];
    for (let i = 0; i < 110; i++) statuses.push(await freshGet(server.url, '/api/service/info', { 'x-api-key': key.key }));
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.slice(100)).toEqual(Array.from({ length: 10 }, () => 429));
  }, 60_000);

  it('an AuthnRequest replayed to the other worker is refused', async () => {
    const sso = `/saml/${org}/${svc}/sso`;
    const query = redirectQuery(authnRequest(PUBLIC + sso));
    const first = await freshGet(server.url, `${sso}?${query}`);
    const second = await freshGet(server.url, `${sso}?${query}`);
    expect([first, second]).toEqual([302, 400]);
    expect(await workersThatServed(server, '/saml/:org/:service/sso')).toEqual(new Set([0, 1]));
  });

  it('stops both workers and the primary on SIGTERM with exit code 0', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
  }, 20_000);
});
