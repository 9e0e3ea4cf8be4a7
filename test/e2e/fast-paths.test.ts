// The two hot paths that read library internals (http/internals.ts) run only on the exact versions
// they were written for; on any other version, or with TESSERA_FAST_PATHS=off, the public paths give the
// same answers and the same access lines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Client } from '../helpers/http.ts';
import { registerAdmin } from '../helpers/fixtures.ts';
import { serviceWorld, type ServiceInfo } from '../helpers/service-api.ts';
import { WRITTEN_FOR, fastPaths } from '../../src/http/internals.ts';

const sqlite = databases()[0];

describe('fastPaths', () => {
  it('are on for the installed versions, which are the ones they were written for', () => {
    // When this fails after an upgrade, re-read route-table.ts and request-records.ts against the new
    // version's internals, then update WRITTEN_FOR.
    expect(fastPaths('auto')).toEqual({ accessLines: true, routeTable: true, warnings: [] });
  });

  it('turn off one by one on any other version, with a warning naming it', () => {
    const other = fastPaths('auto', (pkg) => (pkg === 'pino' ? '10.5.0' : WRITTEN_FOR['@koa/router']));
    expect(other.accessLines).toBe(false);
    expect(other.routeTable).toBe(true);
    expect(other.warnings).toEqual([expect.stringContaining('pino 10.5.0 is installed')]);
    expect(fastPaths('auto', () => undefined)).toMatchObject({ accessLines: false, routeTable: false });
    expect(fastPaths('off')).toEqual({ accessLines: false, routeTable: false, warnings: [] });
  });
});

describe.runIf(sqlite)('the public paths answer alike (TESSERA_FAST_PATHS=off)', () => {
  const servers: TestServer[] = [];
  beforeAll(async () => {
    if (!sqlite) return;
    servers.push(await startTestServer(sqlite), await startTestServer(sqlite, { TESSERA_FAST_PATHS: 'off' }));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
  });

  it('same responses and the same access line fields on both servers', async () => {
    const lines: Record<string, unknown>[][] = [];
    for (const srv of servers) {
      const w = await serviceWorld(srv.url, await registerAdmin(srv.url));
      const info = await w.api.get<ServiceInfo>('/api/service/info');
      expect(info.status).toBe(200);
      expect(info.body.id).toBe(w.service.id);
      expect((await new Client(srv.url).get('/api/service/info')).status).toBe(401);
      expect((await w.api.get('/api/service/nope')).status).toBe(404);
      await new Promise((r) => setTimeout(r, 20));
      srv.deps.logger.flush();
      lines.push(
        srv.logs
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l.msg === 'request' && (String(l.route).startsWith('/api/service') || l.route === 'unmatched')),
      );
    }
    // The route label differs only for a request refused by router-level middleware (the 401): the
    // router's own dispatch names the `router.use` layer (/api/service(?:\/|$)), the route table the
    // route the request was for. Every request that reached its route is labelled alike.
    const shape = (ls: Record<string, unknown>[]) => ls.map((l) => [Object.keys(l).join(','), l.method, l.status === 401 ? '' : l.route, l.status]);
    expect(lines[0]?.length).toBeGreaterThanOrEqual(3);
    expect(shape(lines[1] ?? [])).toEqual(shape(lines[0] ?? []));
  });
});
