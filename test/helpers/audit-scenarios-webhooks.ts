// The audited webhook writes (docs/api.md, Webhooks and Audit log) and the admin's MFA reset. Webhooks
// point at the audit suite's local receiver (w.hookUrl; its server allows private addresses) and take
// `webhook.test` only, so the other scenarios' changes fan out to no delivery.
import { expect } from 'vitest';
import { uniqueEmail } from './http.ts';
import { ORG, acct, post, type AuditWorld, type Scenario } from './audit-scenarios.ts';

const HOOKS = (w: AuditWorld) => `${ORG(w)}/webhooks`;

async function webhook(w: AuditWorld): Promise<string> {
  const made = await post<{ webhook: { id: string }; secret: string }>(w.owner.client, HOOKS(w), { url: w.hookUrl, events: ['webhook.test'] });
  w.secrets.push(made.secret);
  return made.webhook.id;
}

/** A webhook with one delivery the worker has finished (succeeded: no attempt in flight, so it can be retried). */
async function deliveredTest(w: AuditWorld): Promise<{ hook: string; delivery: string }> {
  const hook = await webhook(w);
  const test = await w.owner.client.post<{ delivery_id: string }>(`${HOOKS(w)}/${hook}/test`);
  expect(test.status, test.text).toBe(202);
  const sent = test.body;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await w.owner.client.get<{ deliveries: { id: string; status: string }[] }>(`${HOOKS(w)}/${hook}/deliveries`);
    expect(res.status, res.text).toBe(200);
    if (res.body.deliveries.some((d) => d.id === sent.delivery_id && d.status === 'succeeded')) return { hook, delivery: sent.delivery_id };
    if (Date.now() > deadline) throw new Error(`the test delivery was not delivered: ${res.text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function directoryUser(w: AuditWorld): Promise<string> {
  return (await post<{ user: { id: string } }>(w.owner.client, `${ORG(w)}/users`, { email: uniqueEmail('mfa') })).user.id;
}

export const WEBHOOK_SCENARIOS: Record<string, Scenario> = {
  'POST /api/organizations/:org/webhooks': (w) => ({
    method: 'POST',
    path: HOOKS(w),
    body: { url: w.hookUrl, events: ['webhook.test'], description: 'audited' },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'webhook.created',
    target: (res) => (res.body as { webhook?: { id: string } }).webhook?.id ?? '',
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'PATCH /api/organizations/:org/webhooks/:id': async (w) => {
    const hook = await webhook(w);
    return {
      method: 'PATCH',
      path: `${HOOKS(w)}/${hook}`,
      body: { description: 'renamed', enabled: false },
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'webhook.updated',
      target: hook,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'DELETE /api/organizations/:org/webhooks/:id': async (w) => {
    const hook = await webhook(w);
    return {
      method: 'DELETE',
      path: `${HOOKS(w)}/${hook}`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'webhook.deleted',
      target: hook,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/webhooks/:id/rotate-secret': async (w) => {
    const hook = await webhook(w);
    return {
      method: 'POST',
      path: `${HOOKS(w)}/${hook}/rotate-secret`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'webhook.secret_rotated',
      target: hook,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/webhooks/:id/test': async (w) => {
    const hook = await webhook(w);
    return {
      method: 'POST',
      path: `${HOOKS(w)}/${hook}/test`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'webhook.test_sent',
      target: hook,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/webhooks/:id/deliveries/:deliveryId/retry': async (w) => {
    const { hook, delivery } = await deliveredTest(w);
    return {
      method: 'POST',
      path: `${HOOKS(w)}/${hook}/deliveries/${delivery}/retry`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'webhook.delivery_retried',
      target: hook,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'DELETE /api/organizations/:org/users/:userId/mfa': async (w) => {
    const user = await directoryUser(w);
    return {
      method: 'DELETE',
      path: `${ORG(w)}/users/${user}/mfa`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'user.mfa_reset',
      target: user,
      org: w.org,
      forbidden: w.member.client,
    };
  },
};
