import { describe, expect, it } from 'vitest';
import { createSealer } from '../security/encryption.ts';
import { newWebhookSecret } from '../security/webhook-signature.ts';
import type { ClaimedDelivery } from './claims.ts';
import { DeliveryRound, webhookBody } from './deliver.ts';

const event = (payload: unknown): Pick<ClaimedDelivery, 'event'> => ({
  event: {
    id: 'evt_01JABCDEF',
    type: 'user.signed_in',
    payload: JSON.stringify(payload),
    createdAt: new Date('2026-12-05T19:00:00.123Z'),
    organization: { id: 'org_1', slug: 'acme "quoted"' },
  },
});

/** The body as the envelope defines it: parsed, merged (the event's own members last), written. */
const reference = (e: Pick<ClaimedDelivery, 'event'>): unknown => ({
  type: e.event.type,
  timestamp: e.event.createdAt.toISOString(),
  data: { event_id: e.event.id, organization: e.event.organization, ...(JSON.parse(e.event.payload) as object) },
});

describe('webhook body', () => {
  it.each([
    ['the sign-in payload', { user: { id: 'usr_1', email: 'a@example.com' }, service: { id: 'svc_1', slug: 's' }, session_index: 'x' }],
    ['an empty payload', {}],
    ['escapes and non-ASCII', { note: 'line\nbreak "quotes" \\ é ✓ \u2028', list: [1, 2.5, null, true] }],
    ['a nested member named organization (parsed path)', { user: { organization: 'other' } }],
    ['a member replacing event_id (parsed path)', { event_id: 'own', x: 1 }],
  ])('%s: the same JSON, members in envelope order', (_name, payload) => {
    const e = event(payload);
    const body = webhookBody(e);
    expect(JSON.parse(body)).toEqual(reference(e));
    expect(Object.keys((JSON.parse(body) as { data: object }).data).slice(0, 2)).toEqual(['event_id', 'organization']);
    // The spliced form is byte for byte what writing the merged object gives.
    expect(body).toBe(JSON.stringify(reference(e)));
  });
});

describe('delivery round', () => {
  it('opens a webhook secret once per round, and the previous one only while it is still live', () => {
    const base = createSealer('test-key');
    let opened = 0;
    const sealer = { ...base, open: (c: string, b: string) => (opened++, base.open(c, b)) };
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const webhook = {
      id: 'whk_1',
      url: 'https://example.com/',
      enabled: true,
      secret: base.seal(current, 'whk_1'),
      previousSecret: base.seal(previous, 'whk_1'),
      previousSecretUntil: new Date(Date.now() + 60_000),
    };
    const round = new DeliveryRound(sealer, false);
    expect(round.secretsOf(webhook, new Date())).toEqual([current, previous]);
    expect(round.secretsOf(webhook, new Date())).toEqual([current, previous]);
    expect(opened).toBe(2);
    const expired = { ...webhook, previousSecretUntil: new Date(Date.now() - 1) };
    expect(new DeliveryRound(sealer, false).secretsOf(expired, new Date())).toEqual([current]);
    // Sealed under another binding: does not open, and nothing is kept.
    expect(() => new DeliveryRound(sealer, false).secretsOf({ ...webhook, id: 'whk_2' }, new Date())).toThrow();
  });
});
