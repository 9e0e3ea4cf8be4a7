// The console's routes over a build in a temporary directory: outside production a rebuilt index.html
// (vite's watch during `npm run dev`) is served on the next load, with the assets it names; production
// reads the build once.
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext, AppState } from '../http/context.ts';
import { consoleRoutes } from './console.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanups.splice(0).reverse()) await close();
});

/** A build of two files; index.html gets `mtime` (seconds) so that a rewrite is a change even on a coarse clock. */
async function writeBuild(dir: string, version: string, mtime: number): Promise<void> {
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'assets', `main-${version}.js`), `console.log(${JSON.stringify(version)});`);
  await writeFile(join(dir, 'index.html'), `<!doctype html><script type="module" src="/console/assets/main-${version}.js"></script>`);
  await utimes(join(dir, 'index.html'), mtime, mtime);
}

async function serve(reload: boolean): Promise<{ dir: string; get: (path: string) => Promise<{ status: number; text: string }> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tessera-console-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeBuild(dir, 'v1', 1_700_000_000);
  const app = new Koa<AppState, AppContext>();
  app.use(consoleRoutes(dir, { reload }).routes());
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      ),
  );
  const base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
  return {
    dir,
    get: async (path) => {
      const res = await fetch(base + path);
      return { status: res.status, text: await res.text() };
    },
  };
}

describe('console bundle cache', () => {
  it('outside production, serves the rebuilt index.html and its new assets on the next request', async () => {
    const { dir, get } = await serve(true);
    expect((await get('/console')).text).toContain('main-v1.js');
    await writeBuild(dir, 'v2', 1_700_000_100);
    const index = await get('/console/orgs/x/services');
    expect(index.text).toContain('main-v2.js');
    expect(await get('/console/assets/main-v2.js')).toEqual({ status: 200, text: 'console.log("v2");' });
  });

  it('in production, keeps serving the build it read first', async () => {
    const { dir, get } = await serve(false);
    expect((await get('/console')).text).toContain('main-v1.js');
    await writeBuild(dir, 'v2', 1_700_000_100);
    expect((await get('/console')).text).toContain('main-v1.js');
    expect((await get('/console/assets/main-v2.js')).status).not.toBe(200);
  });
});
