// One attempt of one delivery, in the Standard Webhooks format (docs/api.md, Webhooks): POST of
// {type, timestamp, data} with webhook-id (the event id: the same on every retry), webhook-timestamp
// (this attempt's) and webhook-signature (one v1 signature per live secret). The URL is checked again
// here, DNS included, and the connection pinned to the checked address (security/outbound.ts); a
// redirect is a failed attempt, never followed.
import type { Sealer } from '../security/encryption.ts';
import { OutboundError, requestOutbound } from '../security/outbound.ts';
import { signWebhook } from '../security/webhook-signature.ts';
import type { ClaimedDelivery } from './claims.ts';

export const ATTEMPT_TIMEOUT_MS = 10_000;
/** Receivers answer with a status; a larger body than this makes the attempt fail (too_large). */
export const MAX_ANSWER_BYTES = 64 * 1024;
const MAX_ERROR_CHARS = 300;

export interface AttemptResult {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** For the log line: never the URL, the secret or the payload. */
  eventId: string;
  type: string;
  webhookId: string;
}

/** The exact bytes sent and signed. `data` starts with the envelope's fields, then the event's own. */
export function webhookBody(d: Pick<ClaimedDelivery, 'event'>): string {
  const { event } = d;
  const own = JSON.parse(event.payload) as Record<string, unknown>;
  return JSON.stringify({
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: { event_id: event.id, organization: { id: event.organization.id, slug: event.organization.slug }, ...own },
  });
}

function secretsOf(d: ClaimedDelivery, sealer: Sealer, now: Date): string[] {
  const w = d.webhook;
  const secrets = [sealer.open(w.secret, w.id)];
  if (w.previousSecret && w.previousSecretUntil && w.previousSecretUntil > now) secrets.push(sealer.open(w.previousSecret, w.id));
  return secrets;
}

function describe(err: unknown): string {
  if (err instanceof OutboundError) return `${err.reason}: ${err.message}`.slice(0, MAX_ERROR_CHARS);
  return 'internal error while sending';
}

/** Makes the attempt of a claimed delivery (claims.ts loaded it with its webhook and event). */
export async function attemptDelivery(d: ClaimedDelivery, sealer: Sealer, allowPrivate: boolean): Promise<AttemptResult> {
  const base = { eventId: d.event.id, type: d.event.type, webhookId: d.webhook.id };
  if (!d.webhook.enabled) return { ...base, ok: false, status: null, error: 'webhook disabled' };
  const now = new Date();
  let signature: string;
  const body = webhookBody(d);
  const timestamp = Math.floor(now.getTime() / 1000);
  try {
    signature = signWebhook(secretsOf(d, sealer, now), d.event.id, timestamp, body);
  } catch {
    return { ...base, ok: false, status: null, error: 'the webhook secret does not decrypt with the current TESSERA_ENCRYPTION_KEY' };
  }
  try {
    const res = await requestOutbound(d.webhook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Tessera-Webhooks/1',
        'webhook-id': d.event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      body,
      allowPrivate,
      keepAlive: true,
      maxBytes: MAX_ANSWER_BYTES,
      timeoutMs: ATTEMPT_TIMEOUT_MS,
    });
    const ok = res.status >= 200 && res.status < 300;
    const error = ok ? null : res.status >= 300 && res.status < 400 ? `redirect (HTTP ${res.status}) not followed` : `HTTP ${res.status}`;
    return { ...base, ok, status: res.status, error };
  } catch (err) {
    return { ...base, ok: false, status: null, error: describe(err) };
  }
}
