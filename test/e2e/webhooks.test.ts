// Webhooks through real HTTP (docs/api.md, Webhooks): the admin API, and deliveries to real local
// receivers that verify every one with the `standardwebhooks` package. Receivers are on 127.0.0.1,
// so these servers run with TESSERA_WEBHOOKS_ALLOW_PRIVATE=true (the refusals are test/security's).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, uniqueEmail } from '../helpers/http.ts';
import { addMember, createKey, createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { RFC3339_UTC, expectError, expectStatus } from '../helpers/admin-plane.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';

interface WebhookBody {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}
interface DeliveryBody {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_response_status: number | null;
  last_error: string | null;
}

describe.each(databases())('webhooks on $name', (factory) => {
  const srv = suiteServer(factory, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true', TESSERA_WEBHOOK_RETRY_SCHEDULE: '0.2,0.2' });
  let owner: Admin;
  let org: string;
  let receiver: Receiver;
  const hooks = () => `/api/organizations/${org}/webhooks`;

  async function create(body: Record<string, unknown>): Promise<{ webhook: WebhookBody; secret: string }> {
    const res = await owner.client.post<{ webhook: WebhookBody; secret: string }>(hooks(), body);
    expectStatus(res, 201);
    return res.body;
  }
  async function deliveries(id: string, query = '', base = hooks()): Promise<{ deliveries: DeliveryBody[]; total: number }> {
    const res = await owner.client.get<{ deliveries: DeliveryBody[]; total: number }>(`${base}/${id}/deliveries${query}`);
    expectStatus(res, 200);
    return res.body;
  }
  async function waitForDelivery(hook: string, check: (d: DeliveryBody) => boolean, what: string): Promise<DeliveryBody> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const found = (await deliveries(hook)).deliveries.find(check);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify((await deliveries(hook)).deliveries)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    owner = await registerAdmin(srv.url);
    org = await createOrg(owner);
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('creates a webhook, shows its secret once, and lists, reads, changes and deletes it (admins only)', async () => {
    const { webhook, secret } = await create({ url: receiver.url, events: ['user.created', 'user.created'], description: 'CRM sync' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({ url: receiver.url, events: ['user.created'], description: 'CRM sync', enabled: true, previous_secret_expires_at: null });
    expect(webhook.id).toMatch(/^whk_/);
    expect(webhook.created_at).toMatch(RFC3339_UTC);
    const one = await owner.client.get<WebhookBody>(`${hooks()}/${webhook.id}`);
    expect(one.body).toEqual(webhook);
    const list = await owner.client.get<{ webhooks: WebhookBody[]; total: number }>(hooks());
    expect(list.body.webhooks.map((w) => w.id)).toContain(webhook.id);
    expect(list.text + one.text).not.toContain(secret.slice(6));
    const patched = await owner.client.patch<WebhookBody>(`${hooks()}/${webhook.id}`, { events: ['*'], description: null });
    expectStatus(patched, 200);
    expect(patched.body).toMatchObject({ events: ['*'], description: null });
    expect(srv.logs.join('')).not.toContain(secret.slice(6));

    const member = await addMember(owner, org, 'member', srv.url);
    expectError(await member.client.get(hooks()), 403, 'FORBIDDEN');
    expectError(await member.client.post(hooks(), { url: receiver.url, events: ['*'] }), 403, 'FORBIDDEN');
    expectError(await new Client(srv.url).get(hooks()), 401);
    const stranger = await registerAdmin(srv.url);
    expectError(await stranger.client.get(`${hooks()}/${webhook.id}`), 404);

    expectStatus(await owner.client.delete(`${hooks()}/${webhook.id}`), 204);
    expectError(await owner.client.get(`${hooks()}/${webhook.id}`), 404, 'NOT_FOUND');
    expectError(await owner.client.get(`${hooks()}/whk_nope`), 404, 'NOT_FOUND');
  });

  it('refuses unknown event types, "*" beside others, empty lists, unknown fields and invalid URLs', async () => {
    for (const body of [
      { url: receiver.url, events: ['user.exploded'] },
      { url: receiver.url, events: ['*', 'user.created'] },
      { url: receiver.url, events: [] },
      { url: receiver.url },
      { url: receiver.url, events: ['*'], secret: 'whsec_mine' },
      { url: 'not a url', events: ['*'] },
      { url: 'ftp://example.com/x', events: ['*'] },
    ]) {
      const err = expectError(await owner.client.post(hooks(), body), 400, 'BAD_REQUEST');
      expect(err.details?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it('sends webhook.test in the Standard Webhooks format, verified by the standardwebhooks package', async () => {
    const { webhook, secret } = await create({ url: receiver.url, events: ['subscription.created'] });
    receiver.secrets = [secret];
    const sent = await owner.client.post<{ event_id: string; delivery_id: string }>(`${hooks()}/${webhook.id}/test`, {});
    expectStatus(sent, 202);
    expect(sent.body.event_id).toMatch(/^evt_/);
    await receiver.waitFor(() => receiver.hits.some((h) => h.id === sent.body.event_id), 'the test event');
    const hit = receiver.hits.find((h) => h.id === sent.body.event_id);
    expect(hit?.verifiedBy).toEqual([0]);
    expect(hit?.type).toBe('webhook.test');
    expect(hit?.data).toMatchObject({ event_id: sent.body.event_id, organization: { slug: org }, webhook_id: webhook.id });
    expect(Math.abs(Number(hit?.timestamp) - Date.now() / 1000)).toBeLessThan(30);
    const d = await waitForDelivery(webhook.id, (x) => x.id === sent.body.delivery_id && x.status === 'succeeded', 'the delivery record');
    expect(d).toMatchObject({
      event_id: sent.body.event_id,
      event_type: 'webhook.test',
      attempts: 1,
      last_response_status: 200,
      last_error: null,
      next_attempt_at: null,
    });
  });

  it('during a rotation both the old and the new secret verify each delivery; the secret is never logged', async () => {
    const { webhook, secret: old } = await create({ url: receiver.url, events: ['webhook.test'] });
    const rotated = await owner.client.post<{ secret: string; previous_secret_expires_at: string }>(`${hooks()}/${webhook.id}/rotate-secret`, {});
    expectStatus(rotated, 200);
    expect(rotated.body.secret).not.toBe(old);
    const overlap = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
    receiver.secrets = [old, rotated.body.secret, 'whsec_' + Buffer.alloc(32, 7).toString('base64')];
    const sent = await owner.client.post<{ event_id: string }>(`${hooks()}/${webhook.id}/test`, {});
    await receiver.waitFor(() => receiver.hits.some((h) => h.id === sent.body.event_id), 'the event after rotation');
    const hit = receiver.hits.find((h) => h.id === sent.body.event_id);
    expect(hit?.signature.split(' ')).toHaveLength(2);
    expect(hit?.verifiedBy).toEqual([0, 1]);
    const logs = srv.logs.join('');
    for (const s of [old, rotated.body.secret]) expect(logs).not.toContain(s.slice(6));
    expect(logs).not.toContain(hit?.body ?? '');
  });

  it('retries with the same event id: a receiver failing twice then succeeding sees three attempts', async () => {
    const { webhook, secret } = await create({ url: receiver.url, events: ['webhook.test'] });
    receiver.secrets = [secret];
    receiver.answer = (nth) => (nth < 2 ? 500 : 200);
    const sent = await owner.client.post<{ event_id: string; delivery_id: string }>(`${hooks()}/${webhook.id}/test`, {});
    const d = await waitForDelivery(webhook.id, (x) => x.id === sent.body.delivery_id && x.status === 'succeeded', 'success after two failures');
    const hits = receiver.hits.filter((h) => h.id === sent.body.event_id);
    expect(hits).toHaveLength(3);
    expect(new Set(hits.map((h) => h.body)).size).toBe(1);
    expect(hits.every((h) => h.verifiedBy.length === 1)).toBe(true);
    expect(d).toMatchObject({ attempts: 3, last_response_status: 200, last_error: null });
    receiver.answer = () => 200;
  });

  it('a receiver that always fails ends failed after the schedule; the list filters by status; a manual retry sends again', async () => {
    const { webhook, secret } = await create({ url: receiver.url, events: ['webhook.test'] });
    receiver.secrets = [secret];
    receiver.answer = () => 503;
    const sent = await owner.client.post<{ event_id: string; delivery_id: string }>(`${hooks()}/${webhook.id}/test`, {});
    const failed = await waitForDelivery(webhook.id, (x) => x.id === sent.body.delivery_id && x.status === 'failed', 'the delivery to fail');
    // Schedule "0.2,0.2": the first attempt and two retries.
    expect(failed).toMatchObject({ attempts: 3, last_response_status: 503, last_error: 'HTTP 503', next_attempt_at: null });
    expect(receiver.hits.filter((h) => h.id === sent.body.event_id)).toHaveLength(3);
    expect((await deliveries(webhook.id, '?status=failed')).deliveries.map((x) => x.id)).toEqual([sent.body.delivery_id]);
    expect((await deliveries(webhook.id, '?status=succeeded')).total).toBe(0);
    expectError(await owner.client.get(`${hooks()}/${webhook.id}/deliveries?status=lost`), 400);

    receiver.answer = () => 200;
    const retried = await owner.client.post(`${hooks()}/${webhook.id}/deliveries/${sent.body.delivery_id}/retry`, {});
    expectStatus(retried, 202);
    const ok = await waitForDelivery(webhook.id, (x) => x.id === sent.body.delivery_id && x.status === 'succeeded', 'the manual retry');
    expect(ok).toMatchObject({ attempts: 4, last_response_status: 200 });
    expect(receiver.hits.filter((h) => h.id === sent.body.event_id)).toHaveLength(4);
    expectError(await owner.client.post(`${hooks()}/${webhook.id}/deliveries/dlv_unknown0000/retry`, {}), 404);
  });

  it('events fire from their sources: a Service API user.created, only to webhooks that take it and are enabled', async () => {
    const other = await createOrg(owner);
    const svc = await createService(owner, other);
    const path = `/api/organizations/${other}/webhooks`;
    const all = await owner.client.post<{ webhook: WebhookBody; secret: string }>(path, { url: receiver.url, events: ['*'] });
    const subsOnly = await owner.client.post<{ webhook: WebhookBody }>(path, { url: receiver.url, events: ['subscription.created'] });
    const disabled = await owner.client.post<{ webhook: WebhookBody }>(path, { url: receiver.url, events: ['user.created'], enabled: false });
    receiver.secrets = [all.body.secret];
    const key = await createKey(owner, other, svc.slug, ['write:users']);
    const email = uniqueEmail('hooked');
    const user = await new Client(srv.url).apiKey(key.key).post<{ id: string }>('/api/service/users', { email });
    expectStatus(user, 200);
    // Deliveries are unordered (docs/api.md): the key's event, written first, may arrive second.
    const arrived = (type: string) => receiver.hits.some((h) => h.type === type && h.data.organization.slug === other);
    await receiver.waitFor(() => arrived('user.created') && arrived('api_key.created'), 'user.created and api_key.created');
    const hit = receiver.hits.find((h) => h.type === 'user.created' && h.data.organization.slug === other);
    expect(hit?.verifiedBy).toEqual([0]);
    expect(hit?.data).toMatchObject({ user: { id: user.body.id, email }, service_id: svc.id });
    const keyEvent = receiver.hits.find((h) => h.type === 'api_key.created' && h.data.organization.slug === other);
    expect(keyEvent?.data).toMatchObject({ api_key: { id: key.id }, service_id: svc.id });
    expect(JSON.stringify(keyEvent?.data)).not.toContain(key.key);
    await new Promise((r) => setTimeout(r, 300));
    expect((await deliveries(subsOnly.body.webhook.id, '', path)).total).toBe(0);
    expect((await deliveries(disabled.body.webhook.id, '', path)).total).toBe(0);
    expect((await deliveries(all.body.webhook.id, '', path)).deliveries.map((d) => d.event_type).sort()).toEqual(['api_key.created', 'user.created']);
  });

  it('enabling SAML gives the service its first signing key: saml.certificate.rotated, with that certificate', async () => {
    const other = await createOrg(owner);
    const svc = await createService(owner, other);
    const made = await owner.client.post<{ webhook: WebhookBody; secret: string }>(`/api/organizations/${other}/webhooks`, {
      url: receiver.url,
      events: ['saml.certificate.rotated'],
    });
    expectStatus(made, 201);
    receiver.secrets = [made.body.secret];
    const saml = `/api/organizations/${other}/services/${svc.slug}/saml`;
    expectStatus(await owner.client.post(saml, { enabled: true, entity_id: 'https://sp.example.com/rotated', acs_url: 'https://sp.example.com/acs' }), 200);
    const rotated = () => receiver.hits.filter((h) => h.type === 'saml.certificate.rotated' && h.data.organization.slug === other);
    await receiver.waitFor(() => rotated().length === 1, 'saml.certificate.rotated');
    const certs = await owner.client.get<{ certificates: { id: string; status: string }[] }>(`${saml}/certificates`);
    const active = certs.body.certificates.find((c) => c.status === 'active');
    expect(rotated()[0]?.data).toMatchObject({ service_id: svc.id, certificate_id: active?.id, status: 'active' });
    // Saving the configuration again keeps the key: no second event.
    expectStatus(await owner.client.post(saml, { enabled: true, entity_id: 'https://sp.example.com/rotated', acs_url: 'https://sp.example.com/acs' }), 200);
    await new Promise((r) => setTimeout(r, 500));
    expect(rotated()).toHaveLength(1);
  });

  it('lists deliveries oldest first, as every list of the contract but the audit log', async () => {
    const { webhook } = await create({ url: receiver.url, events: ['*'] });
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await owner.client.post<{ delivery_id: string }>(`${hooks()}/${webhook.id}/test`, {});
      expectStatus(res, 202);
      sent.push(res.body.delivery_id);
    }
    expect((await deliveries(webhook.id)).deliveries.map((d) => d.id)).toEqual(sent);
    expect((await deliveries(webhook.id, '?limit=1&offset=2')).deliveries.map((d) => d.id)).toEqual([sent[2]]);
  });
});
