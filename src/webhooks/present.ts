// Rows to the JSON of docs/api.md (Webhooks). Never a secret: it exists only in the answers that create it.
import { iso, isoOrNull, parseStringArray } from '../http/present.ts';

interface WebhookRow {
  id: string;
  url: string;
  description: string | null;
  events: string;
  enabled: boolean;
  previousSecretUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export function presentWebhook(w: WebhookRow, now = new Date()) {
  return {
    id: w.id,
    url: w.url,
    description: w.description,
    events: parseStringArray(w.events),
    enabled: w.enabled,
    previous_secret_expires_at: w.previousSecretUntil && w.previousSecretUntil > now ? iso(w.previousSecretUntil) : null,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
  };
}

interface DeliveryRow {
  id: string;
  webhookId: string;
  eventId: string;
  status: string;
  attempts: number;
  nextAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  lastResponseStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  event: { type: string };
}

export function presentDelivery(d: DeliveryRow) {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    event_id: d.eventId,
    event_type: d.event.type,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? isoOrNull(d.nextAttemptAt) : null,
    last_attempt_at: isoOrNull(d.lastAttemptAt),
    last_response_status: d.lastResponseStatus,
    last_error: d.lastError,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
  };
}
