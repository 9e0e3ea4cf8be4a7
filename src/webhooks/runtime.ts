// What the webhooks capability keeps for the life of the server: the sealer for secrets at rest and
// the per-organization presence cache of the hot paths. Built once in server.ts (Deps.webhooks).
import type { Db } from '../db/client.ts';
import type { InvalidationBus } from '../db/invalidation.ts';
import type { Logger } from '../http/log.ts';
import { createSealer, type Sealer } from '../security/encryption.ts';
import { WebhookPresence } from './presence.ts';
import { enqueueEvent } from './outbox.ts';
import type { OutboxEvent } from './events.ts';

export interface WebhookRuntime {
  /** Seals webhook secrets bound to their webhook id (security/encryption.ts). */
  sealer: Sealer;
  presence: WebhookPresence;
  /**
   * For events that are not part of a change (refused sign-ins): written in a transaction of their
   * own, only when the organization may have a webhook taking them, and never failing the caller
   * (the refusal is answered whatever happens here; a failure is logged).
   */
  emit(event: OutboxEvent): Promise<void>;
}

export function createWebhookRuntime(db: Db, encryptionKey: string | undefined, bus: InvalidationBus, logger: Logger): WebhookRuntime {
  const presence = new WebhookPresence(db, bus, logger);
  return {
    sealer: createSealer(encryptionKey),
    presence,
    emit: async (event) => {
      if (!presence.mayReceive(event.organizationId, event.type)) return;
      try {
        await db.$transaction((tx) => enqueueEvent(tx, event));
      } catch (err) {
        logger.error({ err: { message: err instanceof Error ? err.message : String(err) }, type: event.type }, 'could not write a webhook event');
      }
    },
  };
}
