// What every capability receives: built once in app.ts, passed down explicitly (no globals).
import type { Config } from './config/index.ts';
import type { Database, Db } from './db/client.ts';
import type { Logger } from './http/log.ts';
import type { RateLimits } from './http/rate-limit.ts';
import type { ApiKeyAuth } from './service-api/auth.ts';
import type { Redis } from 'ioredis';
import type { InvalidationBus } from './db/invalidation.ts';
import type { Mailer } from './mail/index.ts';
import type { WebhookRuntime } from './webhooks/index.ts';

export interface Deps {
  config: Config;
  database: Database;
  db: Db;
  logger: Logger;
  limits: RateLimits;
  apiKeys: ApiKeyAuth;
  /** Tells this instance's caches (and, with Redis, every instance's) that rows changed. */
  invalidation: InvalidationBus;
  redis: Redis | undefined;
  /** Outgoing email (SMTP, .eml files in development, or none): src/mail/. */
  mailer: Mailer;
  /** Webhook secrets' sealer and the per-organization "has webhooks" cache of the hot paths. */
  webhooks: WebhookRuntime;
}
