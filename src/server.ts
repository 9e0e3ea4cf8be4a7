// Start-up: open the database → migrate → connect Redis → build the app → listen. And a graceful stop.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { DestinationStream } from 'pino';
import type { Config } from './config/index.ts';
import { openDatabase } from './db/client.ts';
import { migrate } from './db/migrate.ts';
import { createLogger, flushLogs, type Logger } from './http/log.ts';
import { createRateLimits } from './http/rate-limit.ts';
import { ApiKeyAuth } from './service-api/auth.ts';
import { InvalidationBus } from './db/invalidation.ts';
import { WorkerPeer } from './cluster/worker-peer.ts';
import { LeaseClient } from './cluster/leased-limiter.ts';
import { createMetrics } from './ops/metrics.ts';
import { startMetadataRefresh, type MetadataRefreshJob } from './saml/metadata-url.ts';
import { createApp } from './app.ts';
import { RequestRecords } from './http/request-records.ts';
import { fastPaths } from './http/internals.ts';
import type { Deps } from './deps.ts';
import { ActivityPruner } from './audit/index.ts';
import { createMailer } from './mail/index.ts';
import { createWebhookRuntime, DeliveryWorker } from './webhooks/index.ts';
import { answerClientError, MAX_HEADER_BYTES } from './http/client-errors.ts';

export interface RunningServer {
  url: string;
  server: Server;
  deps: Deps;
  logger: Logger;
  /** The SP metadata refresh job this server runs every minute; runNow lets a test run a round without waiting for the minute. */
  metadataRefresh: Pick<MetadataRefreshJob, 'runNow'>;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes pools. */
  close(graceMs?: number): Promise<void>;
}

/** A public URL ending in the placeholder port `:0` gets the port actually bound (PORT=0). */
export function withListeningPort(publicUrl: string, port: number): string {
  return publicUrl.endsWith(':0') ? `${publicUrl.slice(0, -2)}:${port}` : publicUrl;
}

/**
 * Stops accepting and lets in-flight requests finish. Connections go idle as their requests finish:
 * they are closed as they do, rather than at their keep-alive timeouts; whatever is still busy at the
 * grace limit is cut.
 */
function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const sweeper = setInterval(() => {
      server.closeIdleConnections();
    }, 50);
    const timer = setTimeout(() => {
      clearInterval(sweeper);
      server.closeAllConnections();
      resolve();
    }, graceMs);
    server.close(() => {
      clearInterval(sweeper);
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * A worker without Redis must share its limits through the primary: counting them in the worker alone
 * would allow N workers N times the limit, so a worker that cannot reach the primary does not start.
 */
function workerLeases(): LeaseClient {
  const leases = LeaseClient.ofThisProcess();
  if (!leases) throw new Error('a TESSERA_WORKERS worker without REDIS_URL needs its IPC channel to the primary for rate limits');
  return leases;
}

/** Loaded only when configured, like the PostgreSQL driver: a single embedded instance never needs it. */
async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const { Redis: RedisClient } = await import('ioredis');
  const redis = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  redis.on('error', (err: Error) => {
    logger.error({ err: { message: err.message } }, 'redis error');
  });
  await redis.connect();
  return redis;
}

export interface StartOptions {
  logDestination?: DestinationStream;
  migrate?: boolean;
  /** This process is one of TESSERA_WORKERS' workers: share limits and invalidations through the primary. */
  worker?: boolean;
  /** false: no background round a minute of SP metadata refreshes (tests run them with metadataRefresh.runNow). */
  metadataRefreshTimer?: boolean;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = createLogger(config.logLevel, opts.logDestination);
  for (const w of config.warnings) logger.warn(w);
  if (opts.migrate !== false) {
    const applied = await migrate(config.databaseUrl);
    if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');
  }
  const database = await openDatabase(config.databaseUrl);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const invalidation = new InvalidationBus(redis, logger, opts.worker && !redis ? WorkerPeer.ofThisProcess() : undefined);
  await invalidation.start();
  const apiKeys = new ApiKeyAuth(database, config.secret, logger, invalidation);
  apiKeys.start();
  // The port is bound before the app exists: with PORT=0 (tests, benchmarks) the public URL is known
  // only then, and the config every capability receives is final from the start (never mutated).
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES });
  server.keepAliveTimeout = 5000;
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject); // later errors are the connections', not start-up's
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${port}`;
  const finalConfig: Config = { ...config, publicUrl: withListeningPort(config.publicUrl, port) };
  const deps: Deps = {
    config: finalConfig,
    database,
    db: database.prisma,
    logger,
    limits: createRateLimits(redis, logger, config.registerLimit, opts.worker && !redis ? workerLeases() : undefined),
    apiKeys,
    invalidation,
    redis,
    mailer: createMailer(config.mail, logger),
    webhooks: createWebhookRuntime(database.prisma, config.encryptionKey, invalidation, logger),
  };
  // Webhook deliveries (the outbox) are sent in the background, by every instance, each attempt by one.
  const webhookWorker = new DeliveryWorker(deps);
  const metrics = createMetrics(() => database.poolStats());
  let shuttingDown = false;
  const fast = fastPaths(config.fastPaths);
  for (const w of fast.warnings) logger.warn(w);
  const records = new RequestRecords(
    logger,
    (r) => {
      metrics.observeRequest(r.method, r.route, r.status, r.ms);
    },
    fast.accessLines,
  );
  const pruner = new ActivityPruner(database.prisma, finalConfig, logger);
  pruner.start();
  const handle = createApp(deps, metrics, records, () => shuttingDown, fast.routeTable).callback();
  const metadataRefresh = startMetadataRefresh(deps, metrics, { timer: opts.metadataRefreshTimer !== false });
  // Attached in the same turn as the listen callback's continuation: no request is read before it.
  // Koa's handler settles its own promise (errors are rendered inside it).
  server.on('request', (req, res) => {
    void handle(req, res);
  });
  webhookWorker.start();
  // Prisma loads its WebAssembly query compiler for its first query (~0.3 s of CPU). Nothing before
  // listening needs Prisma any more (db/client.ts), so that happens here, in the background, and not on
  // the first request that needs the database. A database that does not answer is /readyz's to report.
  void database.ping().catch(() => undefined);

  let closing: Promise<void> | undefined;
  const close = (graceMs = 8000) => {
    closing ??= (async () => {
      shuttingDown = true;
      // A refresh under way finishes its row (its fetch is bounded by 10 s) before the database closes.
      const refreshStopped = metadataRefresh.stop();
      await drain(server, graceMs);
      await deps.mailer.close();
      await webhookWorker.stop();
      await apiKeys.stop();
      await pruner.stop();
      await refreshStopped;
      invalidation.stop();
      redis?.disconnect();
      await database.close();
      records.flush();
      flushLogs(logger);
    })();
    return closing;
  };
  return { url, server, deps, logger, metadataRefresh: { runNow: metadataRefresh.runNow }, close };
}
