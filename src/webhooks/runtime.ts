// What the webhooks capability keeps for the life of the server: the sealer for secrets at rest and
// the per-organization presence cache of the hot paths. Built once in server.ts (Deps.webhooks).
import type { Db } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import type { Logger } from '../http/log.ts';
import { createSealer, type Sealer } from '../security/encryption.ts';
import { WebhookPresence } from './presence.ts';

export interface WebhookRuntime {
  /** Seals webhook secrets bound to their webhook id (security/encryption.ts). */
  sealer: Sealer;
  presence: WebhookPresence;
}

export function createWebhookRuntime(db: Db, encryptionKey: string | undefined, bus: InvalidationBus, logger: Logger): WebhookRuntime {
  return { sealer: createSealer(encryptionKey), presence: new WebhookPresence(db, bus, logger) };
}
