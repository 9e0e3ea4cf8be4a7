// What the webhook routes accept (docs/api.md, Webhooks). URLs are checked against the network rules
// (https, public addresses) by the command, which needs the configuration and DNS.
import { z } from 'zod';
import { EVENT_TYPES } from './events.ts';

const Url = z.string().trim().min(1, 'url must not be empty').max(2048, 'url must be at most 2048 characters');
const Events = z
  .array(z.enum(['*', ...EVENT_TYPES], { error: `Unknown event type; allowed: *, ${EVENT_TYPES.join(', ')}` }))
  .min(1, 'At least one event type is required ("*" for all)')
  .max(EVENT_TYPES.length + 1)
  .refine((e) => !e.includes('*') || e.every((t) => t === '*'), '"*" means every event type: send it alone')
  .transform((e) => [...new Set(e)]);
const Description = z.string().trim().max(500, 'description must be at most 500 characters');

export const CreateWebhook = z.strictObject({
  url: Url,
  events: Events,
  description: Description.nullable().optional(),
  enabled: z.boolean().optional(),
});
export type CreateWebhookInput = z.output<typeof CreateWebhook>;

export const UpdateWebhook = z.strictObject({
  url: Url.optional(),
  events: Events.optional(),
  description: Description.nullable().optional(),
  enabled: z.boolean().optional(),
});
export type UpdateWebhookInput = z.output<typeof UpdateWebhook>;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export const DeliveryFilter = z.object({
  status: z.enum(DELIVERY_STATUSES, { error: `status must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
});
