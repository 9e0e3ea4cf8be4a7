// The audited writes of SAML configuration, the user directory and the Service API (the admin plane's
// first part is in audit-scenarios.ts, webhooks and the MFA reset in audit-scenarios-webhooks.ts);
// SCENARIOS is the whole list the audit-log suite walks.
import { Client, uniqueEmail } from './http.ts';
import { createPlan, createService, uniqueSlug } from './fixtures.ts';
import { ENABLE_SAML, configureSaml } from './saml.ts';
import { WEBHOOK_SCENARIOS } from './audit-scenarios-webhooks.ts';
import { ACCOUNT_SCENARIOS } from './audit-scenarios-account.ts';
import { ADMIN_PLANE, ORG, SECRET_PASSWORD, SVC, acct, idOf, nested, post, type AuditWorld, type Scenario } from './audit-scenarios.ts';

async function directoryUser(w: AuditWorld): Promise<string> {
  return (await post<{ user: { id: string } }>(w.owner.client, `${ORG(w)}/users`, { email: uniqueEmail('dir') })).user.id;
}

async function serviceUser(w: AuditWorld): Promise<string> {
  return (await post<{ id: string }>(new Client(w.base).apiKey(w.key.key), '/api/service/users', { email: uniqueEmail('svc') })).id;
}

async function subscribedUser(w: AuditWorld): Promise<string> {
  const user = await serviceUser(w);
  const plan = await createPlan(w.owner, w.org, w.svc.slug, `Plan ${uniqueSlug('p')}`);
  await post(new Client(w.base).apiKey(w.key.key), '/api/service/subscriptions', { user_id: user, plan_id: plan });
  return user;
}

async function samlService(w: AuditWorld): Promise<string> {
  const s = await createService(w.owner, w.org);
  await configureSaml(w.owner, w.org, s.slug);
  return s.slug;
}

const apiKeyActor = (w: AuditWorld) => ({ type: 'api_key' as const, id: w.key.id });

const MORE: Record<string, Scenario> = {
  'POST /api/organizations/:org/services/:service/saml': async (w) => {
    const s = await createService(w.owner, w.org);
    return {
      method: 'POST',
      path: `${SVC(w, s.slug)}/saml`,
      body: ENABLE_SAML,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'saml.configured',
      target: s.id,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'PUT /api/organizations/:org/services/:service/saml': async (w) => {
    const s = await createService(w.owner, w.org);
    return {
      method: 'PUT',
      path: `${SVC(w, s.slug)}/saml`,
      body: ENABLE_SAML,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'saml.configured',
      target: s.id,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'DELETE /api/organizations/:org/services/:service/saml': async (w) => {
    const slug = await samlService(w);
    const id = (await w.owner.client.get<{ service: { id: string } }>(SVC(w, slug))).body.service.id;
    return {
      method: 'DELETE',
      path: `${SVC(w, slug)}/saml`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'saml.disabled',
      target: id,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/services/:service/saml/certificate': async (w) => {
    const slug = await samlService(w);
    return {
      method: 'POST',
      path: `${SVC(w, slug)}/saml/certificate`,
      body: { activate: false },
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'saml.certificate.created',
      target: idOf,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'POST /api/organizations/:org/services/:service/saml/certificates/:id/activate': async (w) => {
    const slug = await samlService(w);
    const cert = await post<{ id: string }>(w.owner.client, `${SVC(w, slug)}/saml/certificate`, { activate: false });
    return {
      method: 'POST',
      path: `${SVC(w, slug)}/saml/certificates/${cert.id}/activate`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'saml.certificate.activated',
      target: cert.id,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/users': (w) => ({
    method: 'POST',
    path: `${ORG(w)}/users`,
    body: { email: uniqueEmail('dir'), password: SECRET_PASSWORD },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'user.created',
    target: nested('user'),
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'PATCH /api/organizations/:org/users/:userId': async (w) => {
    const user = await directoryUser(w);
    return {
      method: 'PATCH',
      path: `${ORG(w)}/users/${user}`,
      body: { disabled: true },
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'user.updated',
      target: user,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'DELETE /api/organizations/:org/users/:userId': async (w) => {
    const user = await directoryUser(w);
    return {
      method: 'DELETE',
      path: `${ORG(w)}/users/${user}`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'user.deleted',
      target: user,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/users/:userId/password-link': async (w) => {
    const user = await directoryUser(w);
    return {
      method: 'POST',
      path: `${ORG(w)}/users/${user}/password-link`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'user.password_link.created',
      target: user,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/service/users': (w) => ({
    method: 'POST',
    path: '/api/service/users',
    body: { email: uniqueEmail('svc') },
    as: new Client(w.base).apiKey(w.key.key),
    actor: apiKeyActor(w),
    action: 'user.created',
    target: idOf,
    org: w.org,
    forbidden: w.readOnly,
    badBody: true,
  }),
  'PATCH /api/service/users/:userId': async (w) => {
    const user = await serviceUser(w);
    return {
      method: 'PATCH',
      path: `/api/service/users/${user}`,
      body: { email: uniqueEmail('renamed') },
      as: new Client(w.base).apiKey(w.key.key),
      actor: apiKeyActor(w),
      action: 'user.updated',
      target: user,
      org: w.org,
      forbidden: w.readOnly,
      badBody: true,
    };
  },
  'DELETE /api/service/users/:userId': async (w) => {
    const user = await serviceUser(w);
    return {
      method: 'DELETE',
      path: `/api/service/users/${user}`,
      as: new Client(w.base).apiKey(w.key.key),
      actor: apiKeyActor(w),
      action: 'user.deleted',
      target: user,
      org: w.org,
      forbidden: w.readOnly,
    };
  },
  'POST /api/service/subscriptions': async (w) => {
    const user = await serviceUser(w);
    const plan = await createPlan(w.owner, w.org, w.svc.slug, uniqueSlug('plan'));
    return {
      method: 'POST',
      path: '/api/service/subscriptions',
      body: { user_id: user, plan_id: plan },
      as: new Client(w.base).apiKey(w.key.key),
      actor: apiKeyActor(w),
      action: 'subscription.created',
      target: idOf,
      org: w.org,
      forbidden: w.readOnly,
      badBody: true,
    };
  },
  'PATCH /api/service/subscriptions/:userId': async (w) => {
    const user = await subscribedUser(w);
    const sub = await new Client(w.base).apiKey(w.key.key).get<{ id: string }>(`/api/service/subscriptions/${user}`);
    return {
      method: 'PATCH',
      path: `/api/service/subscriptions/${user}`,
      body: { status: 'cancelled' },
      as: new Client(w.base).apiKey(w.key.key),
      actor: apiKeyActor(w),
      action: 'subscription.updated',
      target: sub.body.id,
      org: w.org,
      forbidden: w.readOnly,
      badBody: true,
    };
  },
  'DELETE /api/service/subscriptions/:userId': async (w) => {
    const user = await subscribedUser(w);
    const sub = await new Client(w.base).apiKey(w.key.key).get<{ id: string }>(`/api/service/subscriptions/${user}`);
    return {
      method: 'DELETE',
      path: `/api/service/subscriptions/${user}`,
      as: new Client(w.base).apiKey(w.key.key),
      actor: apiKeyActor(w),
      action: 'subscription.deleted',
      target: sub.body.id,
      org: w.org,
      forbidden: w.readOnly,
    };
  },
  'PATCH /api/service/info': (w) => ({
    method: 'PATCH',
    path: '/api/service/info',
    body: { name: 'Renamed by key' },
    as: new Client(w.base).apiKey(w.key.key),
    actor: apiKeyActor(w),
    action: 'service.updated',
    target: w.svc.id,
    org: w.org,
    forbidden: w.readOnly,
    badBody: true,
  }),
};

export const SCENARIOS: Record<string, Scenario> = { ...ADMIN_PLANE, ...MORE, ...WEBHOOK_SCENARIOS, ...ACCOUNT_SCENARIOS };
