// One attempt of one delivery, in the Standard Webhooks format (docs/api.md, Webhooks): POST of
// {type, timestamp, data} with webhook-id (the event id: the same on every retry), webhook-timestamp
// (this attempt's) and webhook-signature (one v1 signature per live secret). Here the request is
// written (prepareAttempt, on the main thread: the secrets open there, with the encryption key), signed
// (signedHeaders, in the sender thread, as it sends) and its answer read (resultOf). The sender thread
// (sender.ts) checks the URL again, DNS included, and pins the connection to the checked address
// (security/outbound.ts); a redirect is a failed attempt, never followed. The worker makes a round's
// attempts together and they share a DeliveryRound: each webhook's secrets are opened once per round
// (and, in the thread, each URL checked once per round); nothing outlives the round.
import type { Sealer } from '../security/encryption.ts';
import { signWebhook } from '../security/webhook-signature.ts';
import type { ClaimedDelivery } from './claims.ts';
import type { SendAnswer, SendRequest } from './sender.ts';

export const ATTEMPT_TIMEOUT_MS = 10_000;
/** Receivers answer with a status; the attempt's outcome is that status, and a body past this size only closes the connection. */
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

/** What the attempts of one round share (see above); a fresh one per round. */
export class DeliveryRound {
  /** What a webhook's sealed secrets opened to, by webhook id and those sealed values (see secretsOf). */
  private readonly secrets = new Map<string, string[]>();

  constructor(
    private readonly sealer: Sealer,
    readonly allowPrivate: boolean,
  ) {}

  /**
   * The webhook's live secrets, opened once per round (throws DecryptionError). Kept under what was
   * opened (a map lookup: sealed values are never compared with ===), so rows read in one round share
   * one opening and a row that differs gets its own.
   */
  secretsOf(w: ClaimedDelivery['webhook'], now: Date): string[] {
    const previous = w.previousSecret && w.previousSecretUntil && w.previousSecretUntil > now ? w.previousSecret : null;
    const key = `${w.id}\n${w.secret}\n${previous ?? ''}`;
    const kept = this.secrets.get(key);
    if (kept) return kept;
    const opened = [this.sealer.open(w.secret, w.id)];
    if (previous) opened.push(this.sealer.open(previous, w.id));
    this.secrets.set(key, opened);
    return opened;
  }
}

/**
 * The exact bytes sent and signed. `data` starts with the envelope's fields, then the event's own.
 * The stored payload is JSON.stringify's text of an object (outbox.ts), so its members are spliced in
 * as they are, without parsing and writing them again; a payload with a member of the envelope's
 * names (which the event's own would replace) goes through JSON.parse to keep that meaning.
 */
export function webhookBody(d: Pick<ClaimedDelivery, 'event'>): string {
  const { event } = d;
  const envelope = `{"type":${JSON.stringify(event.type)},"timestamp":"${event.createdAt.toISOString()}","data":`;
  const own = `"event_id":${JSON.stringify(event.id)},"organization":${JSON.stringify({ id: event.organization.id, slug: event.organization.slug })}`;
  const p = event.payload;
  if (p.startsWith('{') && p.endsWith('}') && !p.includes('"event_id":') && !p.includes('"organization":')) {
    return `${envelope}{${own}${p === '{}' ? '' : `,${p.slice(1, -1)}`}}}`;
  }
  const parsed = JSON.parse(p) as Record<string, unknown>;
  return JSON.stringify({
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: { event_id: event.id, organization: { id: event.organization.id, slug: event.organization.slug }, ...parsed },
  });
}

type Base = Pick<AttemptResult, 'eventId' | 'type' | 'webhookId'>;

/**
 * The attempt's request, with the secrets to sign it with, or its result when there is nothing to
 * send (the webhook was disabled, or its secret no longer opens).
 */
export function prepareAttempt(d: ClaimedDelivery, round: DeliveryRound): { base: Base; request: SendRequest } | { result: AttemptResult } {
  const base = { eventId: d.event.id, type: d.event.type, webhookId: d.webhook.id };
  if (!d.webhook.enabled) return { result: { ...base, ok: false, status: null, error: 'webhook disabled' } };
  let secrets: string[];
  try {
    secrets = round.secretsOf(d.webhook, new Date());
  } catch {
    return { result: { ...base, ok: false, status: null, error: 'the webhook secret does not decrypt with the current TESSERA_ENCRYPTION_KEY' } };
  }
  return { base, request: { url: d.webhook.url, msgId: d.event.id, secrets, body: webhookBody(d) } };
}

/** The request's headers, signed now (in the sender thread, right before it is sent). */
export function signedHeaders(request: SendRequest, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Tessera-Webhooks/1',
    'webhook-id': request.msgId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(request.secrets, request.msgId, timestamp, request.body),
  };
}

/** The attempt's result from the sender's answer: a 2xx succeeds; any other status, refusal or failure does not. */
export function resultOf(base: Base, answer: SendAnswer): AttemptResult {
  if ('refusal' in answer) return { ...base, ok: false, status: null, error: `${answer.refusal}: ${answer.message}`.slice(0, MAX_ERROR_CHARS) };
  if ('failed' in answer) return { ...base, ok: false, status: null, error: 'internal error while sending' };
  const { status } = answer;
  const ok = status >= 200 && status < 300;
  const error = ok ? null : status >= 300 && status < 400 ? `redirect (HTTP ${String(status)}) not followed` : `HTTP ${String(status)}`;
  return { ...base, ok, status, error };
}
