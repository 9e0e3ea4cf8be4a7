// The event types a webhook can subscribe to (docs/api.md, Webhooks). Added to, never renamed:
// receivers switch on them.
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.signed_in',
  'sign_in.refused',
  'subscription.created',
  'subscription.updated',
  'subscription.deleted',
  'api_key.created',
  'api_key.deleted',
  'saml.configured',
  'saml.certificate.rotated',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a change hands the outbox: the organization, the type, and the event's own fields of `data`. */
export interface OutboxEvent {
  organizationId: string;
  type: EventType;
  data: Record<string, unknown>;
}

/** A webhook's `events` (["*"] or a list of types) as stored: does it take this type? */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type);
}

/** One delivery per (event, webhook): its id is derived from both, so the SQL that fans out can make it too. */
export function deliveryId(eventId: string, webhookId: string): string {
  return `dlv_${eventId.slice(4)}${webhookId.slice(4, 20)}`;
}
