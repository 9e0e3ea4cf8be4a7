// docs/security.md, attack 44: webhook URLs may not reach loopback, private, link-local or metadata
// addresses, neither at creation nor at delivery (the DNS answer is checked again then), and a
// redirect is a failed attempt, never followed. TESSERA_WEBHOOKS_ALLOW_PRIVATE is off here except
// where a test needs a local receiver, and says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { Receiver } from '../helpers/webhook-receiver.ts';
import { Client } from '../helpers/http.ts';

interface Delivery {
  id: string;
  status: string;
  attempts: number;
  last_response_status: number | null;
  last_error: string | null;
}

async function waitForAttempt(admin: Admin, path: string, deliveryId: string): Promise<Delivery> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await admin.client.get<{ deliveries: Delivery[] }>(`${path}/deliveries`);
    const d = res.body.deliveries.find((x) => x.id === deliveryId);
    if (d && d.attempts > 0) return d;
    if (Date.now() > deadline) throw new Error(`no attempt recorded: ${res.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(databases())('webhook SSRF rules on $name (attack 44)', (factory) => {
  describe('with TESSERA_WEBHOOKS_ALLOW_PRIVATE off (the default)', () => {
    const srv = suiteServer(factory);
    let admin: Admin;
    let org: string;
    beforeAll(async () => {
      admin = await registerAdmin(srv.url);
      org = await createOrg(admin);
    });

    it('refuses http, loopback, private, link-local, metadata and IPv6 loopback URLs, and names resolving to loopback', async () => {
      for (const url of [
        'http://example.com/hook',
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://192.168.0.10/hook',
        'https://169.254.169.254/latest/meta-data/',
        'https://[::1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'https://[::127.0.0.1]/hook',
        'https://[fec0::1]/hook',
        'https://2130706433/hook',
        'https://0177.0.0.1/hook',
        'https://0x7f.1/hook',
        'https://localhost/hook',
        'https://user:pass@example.com/hook',
      ]) {
        const err = expectError(await admin.client.post(`/api/organizations/${org}/webhooks`, { url, events: ['*'] }), 400, 'BAD_REQUEST');
        expect(err.details?.[0]?.field, url).toBe('url');
      }
      const list = await admin.client.get<{ total: number }>(`/api/organizations/${org}/webhooks`);
      expect(list.body.total).toBe(0);
    });

    it('refuses the same URLs when a webhook is changed to them', async () => {
      // A public https URL that resolves: creation checks DNS, so use a name that exists without contacting it.
      const created = await admin.client.post<{ webhook: { id: string } }>(`/api/organizations/${org}/webhooks`, {
        url: 'https://1.1.1.1/hook',
        events: ['*'],
        enabled: false,
      });
      expectStatus(created, 201);
      const path = `/api/organizations/${org}/webhooks/${created.body.webhook.id}`;
      expectError(await admin.client.patch(path, { url: 'https://169.254.169.254/' }), 400, 'BAD_REQUEST');
      expectError(await admin.client.patch(path, { url: 'https://localhost:8443/' }), 400, 'BAD_REQUEST');
      expect((await admin.client.get<{ url: string }>(path)).body.url).toBe('https://1.1.1.1/hook');
    });
  });

  describe('checked again at delivery: a webhook made while private addresses were allowed', () => {
    const permissive = suiteServer(factory, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    let admin: Admin;
    let org: string;
    let hookPath = '';
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await Receiver.start();
      admin = await registerAdmin(permissive.url);
      org = await createOrg(admin);
      // https to a name that resolves to loopback: allowed only by the flag; then the flag goes off.
      const res = await admin.client.post<{ webhook: { id: string } }>(`/api/organizations/${org}/webhooks`, {
        url: receiver.url.replace('http://127.0.0.1', 'https://localhost'),
        events: ['webhook.test'],
      });
      expectStatus(res, 201);
      hookPath = `/api/organizations/${org}/webhooks/${res.body.webhook.id}`;
      await permissive.close(1000);
    });
    afterAll(async () => {
      await receiver.close();
    });
    const strict = suiteServer(factory, {}, () => permissive.db);

    it('is refused at delivery by a server with the flag off: the DNS answer is private, nothing is sent', async () => {
      // The admin's token was issued by the first server with the same secret: it works here too.
      const admin1 = { ...admin, client: new Client(strict.url).bearer(admin.accessToken) };
      const sent = await admin1.client.post<{ delivery_id: string }>(`${hookPath}/test`, {});
      expectStatus(sent, 202);
      const d = await waitForAttempt(admin1, hookPath, sent.body.delivery_id);
      expect(d.status).toBe('pending'); // retried later: DNS answers can change
      expect(d.last_error).toMatch(/^private_address:/);
      expect(d.last_response_status).toBeNull();
      expect(receiver.hits).toHaveLength(0);
    });
  });

  describe('redirects are not followed', () => {
    const srv = suiteServer(factory, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
    let receiver: Receiver;
    let target: Receiver;
    beforeAll(async () => {
      receiver = await Receiver.start();
      target = await Receiver.start();
      receiver.answer = () => ({ redirect: target.url });
    });
    afterAll(async () => {
      await receiver.close();
      await target.close();
    });

    it('a 302 is a failed attempt, and the redirect target is never contacted', async () => {
      const admin = await registerAdmin(srv.url);
      const org = await createOrg(admin);
      const res = await admin.client.post<{ webhook: { id: string } }>(`/api/organizations/${org}/webhooks`, { url: receiver.url, events: ['webhook.test'] });
      const path = `/api/organizations/${org}/webhooks/${res.body.webhook.id}`;
      const sent = await admin.client.post<{ delivery_id: string }>(`${path}/test`, {});
      const d = await waitForAttempt(admin, path, sent.body.delivery_id);
      expect(d).toMatchObject({ status: 'pending', attempts: 1, last_response_status: 302, last_error: 'redirect (HTTP 302) not followed' });
      expect(receiver.hits).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 300));
      expect(target.hits).toHaveLength(0);
    });
  });
});
