// One Tessera server for a describe block: started on a fresh database in beforeAll, stopped in afterAll.
import { afterAll, beforeAll } from 'vitest';
import type { DatabaseFactory, TestDatabase } from './databases.ts';
import type { StartOptions } from '../../src/server.ts';
import { startTestServer, type TestServer } from './server.ts';

/**
 * Stands in for the block's server. The describe body runs before any hook, so the server does not exist
 * yet when the block names it; every member reads the started one, and reading it before beforeAll ran
 * (or after the start failed) says so instead of failing on `undefined`.
 */
class SuiteServer implements TestServer {
  #started: TestServer | undefined;

  constructor(factory: DatabaseFactory, env: Record<string, string>, database?: () => TestDatabase, opts: ServerOptions = {}) {
    beforeAll(async () => {
      this.#started = await startTestServer(factory, env, database?.(), opts);
    });
    // afterAll, not a cleanup returned by beforeAll: vitest drops those when a later beforeAll of the
    // block fails, and the server must stop then too. A start that failed left nothing to stop.
    afterAll(async () => {
      await this.#started?.stop();
    });
  }

  private get started(): TestServer {
    if (!this.#started) throw new Error('the suite server starts in beforeAll: read it inside a hook or a test');
    return this.#started;
  }

  get url(): TestServer['url'] {
    return this.started.url;
  }
  get server(): TestServer['server'] {
    return this.started.server;
  }
  get deps(): TestServer['deps'] {
    return this.started.deps;
  }
  get logger(): TestServer['logger'] {
    return this.started.logger;
  }
  get db(): TestServer['db'] {
    return this.started.db;
  }
  get metadataRefresh(): TestServer['metadataRefresh'] {
    return this.started.metadataRefresh;
  }
  get logs(): TestServer['logs'] {
    return this.started.logs;
  }
  close(graceMs?: number): Promise<void> {
    return this.started.close(graceMs);
  }
  stop(): Promise<void> {
    return this.started.stop();
  }
}

/** What a test may ask of startServer beyond the configuration. */
export type ServerOptions = Pick<StartOptions, 'metadataRefreshTimer'>;

/**
 * The server of the enclosing describe block (see SuiteServer); `env` as for startTestServer. With
 * `database`, it runs on that database (another suite server's `db`, read once that one has started).
 */
export function suiteServer(factory: DatabaseFactory, env: Record<string, string> = {}, database?: () => TestDatabase, opts: ServerOptions = {}): TestServer {
  return new SuiteServer(factory, env, database, opts);
}

/**
 * For setups that open several things: returns `defer(close)`, and after the block runs every deferred
 * close, the last deferred first. What the setup opened before a failure is closed all the same.
 */
export function deferredCleanups(): (close: () => Promise<unknown>) => void {
  const closes: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const close of closes.reverse()) await close();
  });
  return (close) => {
    closes.push(close);
  };
}
