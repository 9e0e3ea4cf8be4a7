// The webhooks' part of the OpenAPI catalog (docs/api.md, Webhooks), kept in its own file so the
// catalog stays readable; openapi-catalog.ts lists it among its groups.
import { z } from 'zod';
import { CreateWebhook, DELIVERY_STATUSES, DeliveryFilter, EVENT_TYPES, UpdateWebhook } from '../webhooks/index.ts';
import { json, noContent, type RouteGroup } from './openapi-doc.ts';

const Timestamp = z.string().describe('RFC 3339 in UTC with Z');
const HOOK = '/api/organizations/:org/webhooks';

const Webhook = z
  .object({
    id: z.string().describe('Opaque id starting with whk_'),
    url: z.string(),
    description: z.string().nullable(),
    events: z.array(z.enum(['*', ...EVENT_TYPES])),
    enabled: z.boolean(),
    previous_secret_expires_at: Timestamp.nullable().describe('While a rotated-out secret still signs beside the new one'),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Webhook' });
const Secret = z.string().describe('whsec_<base64>: shown only in this response');
const Delivery = z
  .object({
    id: z.string().describe('Opaque id starting with dlv_'),
    webhook_id: z.string(),
    event_id: z.string().describe('evt_…, the webhook-id header: the same on every attempt'),
    event_type: z.enum(EVENT_TYPES),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    next_attempt_at: Timestamp.nullable(),
    last_attempt_at: Timestamp.nullable(),
    last_response_status: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'WebhookDelivery' });

export const WEBHOOK_GROUP: RouteGroup = {
  tag: 'Webhooks',
  description: 'Standard Webhooks deliveries of the organization’s events (CONTRACT §13); admins only',
  security: 'bearer',
  routes: {
    [`POST ${HOOK}`]: {
      summary: 'Create a webhook; its secret is shown once',
      body: CreateWebhook,
      ok: json(201, 'The webhook and its secret', z.object({ webhook: Webhook, secret: Secret })),
      errors: [409],
    },
    [`GET ${HOOK}`]: {
      summary: 'List webhooks',
      paginated: true,
      ok: json(200, 'Webhooks', z.object({ webhooks: z.array(Webhook), total: z.number().int() })),
    },
    [`GET ${HOOK}/:id`]: { summary: 'A webhook (never its secret)', ok: json(200, 'The webhook', Webhook) },
    [`PATCH ${HOOK}/:id`]: { summary: 'Change a webhook; disabling fails its pending deliveries', body: UpdateWebhook, ok: json(200, 'The webhook', Webhook) },
    [`DELETE ${HOOK}/:id`]: { summary: 'Delete a webhook and its deliveries', ok: noContent('Deleted') },
    [`POST ${HOOK}/:id/rotate-secret`]: {
      summary: 'Rotate the secret; the old one keeps signing beside the new one for 24 h',
      ok: json(200, 'The new secret, shown once', z.object({ secret: Secret, previous_secret_expires_at: Timestamp.nullable() })),
    },
    [`POST ${HOOK}/:id/test`]: {
      summary: 'Send a webhook.test event to this webhook',
      ok: json(202, 'Queued', z.object({ event_id: z.string(), delivery_id: z.string() })),
      errors: [409],
    },
    [`GET ${HOOK}/:id/deliveries`]: {
      summary: 'Deliveries of this webhook, oldest first',
      paginated: true,
      query: { status: { schema: DeliveryFilter.shape.status, description: 'Only deliveries in this status' } },
      ok: json(200, 'Deliveries', z.object({ deliveries: z.array(Delivery), total: z.number().int() })),
    },
    [`POST ${HOOK}/:id/deliveries/:deliveryId/retry`]: {
      summary: 'Attempt a delivery again now (also one that failed)',
      ok: json(202, 'Queued', z.object({ delivery_id: z.string() })),
      errors: [409],
    },
  },
};
