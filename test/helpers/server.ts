// Starts a real Tessera HTTP server on a random port against a real, fresh database.
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.ts';
import type { DatabaseFactory, TestDatabase } from './databases.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export interface TestServer extends RunningServer {
  db: TestDatabase;
  /** Every log line written so far (JSON text), for "no secret in a log" checks. */
  logs: string[];
  stop(): Promise<void>;
}

export const TEST_SECRET = 'test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

export async function startTestServer(
  factory: DatabaseFactory,
  env: Record<string, string> = {},
  reuse?: TestDatabase,
  opts: Pick<StartOptions, 'metadataRefreshTimer'> = {},
): Promise<TestServer> {
  const db = reuse ?? (await factory.create());
  const config: Config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: db.url,
    TESSERA_SECRET: TEST_SECRET,
    LOG_LEVEL: 'info',
    // Suites register many admins from 127.0.0.1; the registration limit has its own test.
    TESSERA_REGISTER_LIMIT: '100000',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString('utf8'));
      cb();
    },
  });
  const running = await startServer(config, { ...opts, logDestination: sink });
  return {
    ...running,
    db,
    logs,
    stop: async () => {
      await running.close(2000);
      if (!reuse) await db.drop();
    },
  };
}

/**
 * A server on a fresh database of `factory` (PostgreSQL: the networked one) that it reaches only through a
 * TCP proxy the test controls (cut, restore). `defer` is handed the close: server, then proxy, then the
 * database dropped through its direct URL.
 */
export async function startTestServerBehindProxy(
  factory: DatabaseFactory,
  defer: (close: () => Promise<void>) => void,
): Promise<{ srv: TestServer; proxy: TcpProxy }> {
  const db = await factory.create();
  const url = new URL(db.url);
  const proxy = await startTcpProxy(url.hostname, Number(url.port || 5432));
  url.host = `127.0.0.1:${proxy.port}`;
  const srv = await startTestServer(factory, {}, { ...db, url: url.toString() });
  defer(async () => {
    await srv.close(1000);
    await proxy.close();
    await db.drop();
  });
  return { srv, proxy };
}
