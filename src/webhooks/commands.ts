// The reads and writes behind /api/organizations/:org/webhooks. A secret is returned once, by
// createWebhook and rotateSecret; at rest it is sealed (AES-256-GCM, bound to the webhook's id).
import type { Deps } from '../deps.ts';
import type { Page } from '../http/validate.ts';
import { badRequest, conflict, notFound } from '../http/errors.ts';
import { looksLikeId, newId } from '../security/random.ts';
import { sql } from '../db/sql.ts';
import { checkOutboundUrl, OutboundError } from '../security/outbound.ts';
import { newWebhookSecret } from '../security/webhook-signature.ts';
import { lockOrganization } from '../organizations/index.ts';
import { recordAudit, setsNothing, type Actor } from '../audit/index.ts';
import { deliveryId } from './events.ts';
import { enqueueEvent, signalOutbox } from './outbox.ts';
import type { WebhookRow } from './load.ts';
import { presentWebhook } from './present.ts';
import type { CreateWebhookInput, UpdateWebhookInput } from './schemas.ts';

export const MAX_WEBHOOKS_PER_ORG = 20;
/** How long the secret before a rotation keeps signing beside the new one. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** https and public addresses only (docs/security.md, attack 44), unless TESSERA_WEBHOOKS_ALLOW_PRIVATE. */
async function checkUrl(deps: Deps, url: string): Promise<void> {
  try {
    await checkOutboundUrl(url, deps.config.webhooksAllowPrivate);
  } catch (err) {
    if (err instanceof OutboundError) throw badRequest(`Invalid url: ${err.message}`, [{ field: 'url', message: err.message }]);
    throw err;
  }
}

/** What a webhook's audit events show of it: never its secret (src/audit/actions.ts keeps these fields only). */
const audited = (w: { url: string; events: readonly string[]; description: string | null; enabled: boolean }) => ({
  url: w.url,
  events: w.events,
  description: w.description,
  enabled: w.enabled,
});

export async function createWebhook(deps: Deps, actor: Actor, organizationId: string, input: CreateWebhookInput) {
  await checkUrl(deps, input.url);
  const id = newId('whk');
  const secret = newWebhookSecret();
  const row = await deps.db.$transaction(async (tx) => {
    if (!(await lockOrganization(tx, deps.database.dialect, organizationId))) throw notFound('Organization not found');
    if ((await tx.webhook.count({ where: { organizationId } })) >= MAX_WEBHOOKS_PER_ORG)
      throw conflict(`This organization has reached its limit of ${MAX_WEBHOOKS_PER_ORG} webhooks`);
    const created = await tx.webhook.create({
      data: {
        id,
        organizationId,
        url: input.url,
        description: input.description ?? null,
        events: JSON.stringify(input.events),
        enabled: input.enabled ?? true,
        secret: deps.webhooks.sealer.seal(secret, id),
      },
    });
    await recordAudit(tx, actor, 'webhook.created', organizationId, id, audited(presentWebhook(created)));
    return created;
  });
  await deps.webhooks.presence.changed(organizationId);
  return { webhook: presentWebhook(row), secret };
}

export async function listWebhooks(deps: Deps, organizationId: string, page: Page) {
  const where = { organizationId };
  const [rows, total] = await Promise.all([
    deps.db.webhook.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: page.limit, skip: page.offset }),
    deps.db.webhook.count({ where }),
  ]);
  return { webhooks: rows.map((w) => presentWebhook(w)), total };
}

/**
 * Disabling stops the attempts too: the webhook's pending deliveries become failed ("webhook
 * disabled"), and can be retried by hand once it is enabled again.
 */
export async function updateWebhook(deps: Deps, actor: Actor, webhook: WebhookRow, input: UpdateWebhookInput) {
  if (setsNothing(input)) return presentWebhook(webhook);
  if (input.url !== undefined) await checkUrl(deps, input.url);
  const row = await deps.db.$transaction(async (tx) => {
    const updated = await tx.webhook.update({
      where: { id: webhook.id },
      data: {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: JSON.stringify(input.events) } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    });
    if (input.enabled === false) {
      const now = new Date();
      // Found through the pending deliveries (the claim's (status, next_attempt_at) index), not the
      // webhook's: there is no index on both, and walking all of a webhook's deliveries would hold the
      // write lock for as long. `|| ''` keeps either database from choosing the webhook's index.
      await tx.$executeRaw(sql`UPDATE "webhook_deliveries"
        SET "status" = 'failed', "last_error" = 'webhook disabled', "next_attempt_at" = NULL, "updated_at" = ${now}
        WHERE "status" = 'pending' AND "webhook_id" || '' = ${webhook.id}`);
    }
    // The fields the request set (undefined ones are dropped by recordAudit).
    await recordAudit(tx, actor, 'webhook.updated', webhook.organizationId, webhook.id, { ...input });
    return updated;
  });
  await deps.webhooks.presence.changed(webhook.organizationId);
  return presentWebhook(row);
}

export async function deleteWebhook(deps: Deps, actor: Actor, webhook: WebhookRow): Promise<void> {
  await deps.db.$transaction(async (tx) => {
    await tx.webhook.delete({ where: { id: webhook.id } });
    await recordAudit(tx, actor, 'webhook.deleted', webhook.organizationId, webhook.id, { url: webhook.url });
  });
  await deps.webhooks.presence.changed(webhook.organizationId);
}

/** A new secret; the one it replaces keeps signing beside it for 24 h (an earlier previous one stops). */
export async function rotateSecret(deps: Deps, actor: Actor, webhook: WebhookRow) {
  const secret = newWebhookSecret();
  const row = await deps.db.$transaction(async (tx) => {
    const updated = await tx.webhook.update({
      where: { id: webhook.id },
      data: {
        secret: deps.webhooks.sealer.seal(secret, webhook.id),
        previousSecret: webhook.secret,
        previousSecretUntil: new Date(Date.now() + ROTATION_OVERLAP_MS),
      },
    });
    await recordAudit(tx, actor, 'webhook.secret_rotated', webhook.organizationId, webhook.id);
    return updated;
  });
  return { secret, previous_secret_expires_at: presentWebhook(row).previous_secret_expires_at };
}

/** A webhook.test event for this webhook alone, whatever types it subscribes to. */
export async function sendTest(deps: Deps, actor: Actor, webhook: WebhookRow) {
  if (!webhook.enabled) throw conflict('The webhook is disabled; enable it to send a test event');
  const eventId = await deps.db.$transaction(async (tx) => {
    const enqueued = await enqueueEvent(tx, { organizationId: webhook.organizationId, type: 'webhook.test', data: { webhook_id: webhook.id } }, webhook.id);
    if (!enqueued) throw notFound('Webhook not found');
    await recordAudit(tx, actor, 'webhook.test_sent', webhook.organizationId, webhook.id, { event_id: enqueued });
    return enqueued;
  });
  return { event_id: eventId, delivery_id: deliveryId(eventId, webhook.id) };
}

export async function listDeliveries(deps: Deps, webhook: WebhookRow, status: string | undefined, page: Page) {
  const where = { webhookId: webhook.id, ...(status ? { status } : {}) };
  const [rows, total] = await Promise.all([
    deps.db.webhookDelivery.findMany({
      where,
      include: { event: { select: { type: true } } },
      // Oldest first, as every list of the contract but the audit log (CONTRACT.md, Conventions).
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: page.limit,
      skip: page.offset,
    }),
    deps.db.webhookDelivery.count({ where }),
  ]);
  return { rows, total };
}

/** Makes the delivery due now, as pending, one more attempt beyond the schedule if it had failed. */
export async function retryDelivery(deps: Deps, actor: Actor, webhook: WebhookRow, id: string) {
  const delivery = looksLikeId(id, 'dlv') ? await deps.db.webhookDelivery.findFirst({ where: { id, webhookId: webhook.id } }) : null;
  if (!delivery) throw notFound('Delivery not found');
  if (!webhook.enabled) throw conflict('The webhook is disabled; enable it to retry a delivery');
  const now = new Date();
  await deps.db.$transaction(async (tx) => {
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id: delivery.id, OR: [{ claimedUntil: null }, { claimedUntil: { lt: now } }] },
      data: { status: 'pending', nextAttemptAt: now, updatedAt: now },
    });
    if (count !== 1) throw conflict('An attempt of this delivery is in progress');
    await recordAudit(tx, actor, 'webhook.delivery_retried', webhook.organizationId, webhook.id, { delivery_id: delivery.id });
  });
  signalOutbox();
  return { delivery_id: delivery.id };
}
