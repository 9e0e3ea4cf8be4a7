// One successful call of every audited write (docs/api.md, Audit log), keyed by its operation as
// /openapi.json lists it ("METHOD /koa/path"), with what its audit event must say and who may not
// make the call. The audit-log suite walks the document and fails on a write with no entry here.
import { expect } from 'vitest';
import { Client, uniqueEmail, type Json, type Res } from './http.ts';
import { addMember, createKey, createOrg, createPlan, createService, registerAdmin, uniqueSlug, type Admin } from './fixtures.ts';

export interface AuditWorld {
  base: string;
  owner: Admin;
  admin: Admin;
  member: Admin;
  org: string;
  orgId: string;
  svc: { slug: string; id: string };
  key: { id: string; key: string };
  /** A key of the same service with read:service only: refused (403) every write. */
  readOnly: Client;
  /** The suite's local webhook receiver (its server runs with TESSERA_WEBHOOKS_ALLOW_PRIVATE). */
  hookUrl: string;
  /** Every secret a scenario saw (keys, passwords, tokens): none may appear in any event. */
  secrets: string[];
}

export interface Prepared {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: Json;
  as: Client;
  actor: { type: 'account' | 'api_key'; id: string };
  action: string;
  target: string | ((res: Res) => string);
  /** The organization whose log lists the event; null when the call deleted it (then read from the database). */
  org: string | null;
  /** A caller below the required role or permission: 403, and no event. */
  forbidden?: Client;
  /** The call takes a JSON body: an unknown field is 400, and no event. */
  badBody?: boolean;
}

export const SECRET_PASSWORD = 'audit secret password 0001';
export const ORG = (w: AuditWorld) => `/api/organizations/${w.org}`;
export const SVC = (w: AuditWorld, slug = w.svc.slug) => `${ORG(w)}/services/${slug}`;
export const acct = (a: Admin) => ({ type: 'account' as const, id: a.accountId });
export const idOf = (res: Res): string => {
  const b = res.body as { id?: string };
  return b.id ?? '';
};
export const nested = (key: string) => (res: Res) => ((res.body as Record<string, { id: string }>)[key] ?? { id: '' }).id;

export async function post<T>(client: Client, path: string, body: Json): Promise<T> {
  const res = await client.post<T>(path, body);
  expect([200, 201], res.text).toContain(res.status);
  return res.body;
}

export type Scenario = (w: AuditWorld) => Prepared | Promise<Prepared>;

const ADMIN_PLANE: Record<string, Scenario> = {
  'POST /api/organizations': (w) => {
    const slug = uniqueSlug('made');
    return {
      method: 'POST',
      path: '/api/organizations',
      body: { slug, name: 'Made' },
      as: w.owner.client,
      actor: acct(w.owner),
      action: 'organization.created',
      target: (r) => nested('organization')(r),
      org: slug,
      badBody: true,
    };
  },
  'PATCH /api/organizations/:org': (w) => ({
    method: 'PATCH',
    path: ORG(w),
    body: { name: 'Renamed' },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'organization.updated',
    target: w.orgId,
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'DELETE /api/organizations/:org': async (w) => {
    const slug = await createOrg(w.owner);
    const admin = await addMember(w.owner, slug, 'admin', w.base);
    const id = (await w.owner.client.get<{ organization: { id: string } }>(`/api/organizations/${slug}`)).body.organization.id;
    return {
      method: 'DELETE',
      path: `/api/organizations/${slug}`,
      as: w.owner.client,
      actor: acct(w.owner),
      action: 'organization.deleted',
      target: id,
      org: null,
      forbidden: admin.client,
    };
  },
  'PATCH /api/organizations/:org/members/:accountId': async (w) => {
    const m = await addMember(w.owner, w.org, 'member', w.base);
    return {
      method: 'PATCH',
      path: `${ORG(w)}/members/${m.accountId}`,
      body: { role: 'admin' },
      as: w.owner.client,
      actor: acct(w.owner),
      action: 'member.updated',
      target: m.accountId,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'DELETE /api/organizations/:org/members/:accountId': async (w) => {
    const m = await addMember(w.owner, w.org, 'member', w.base);
    return {
      method: 'DELETE',
      path: `${ORG(w)}/members/${m.accountId}`,
      as: w.owner.client,
      actor: acct(w.owner),
      action: 'member.removed',
      target: m.accountId,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/invitations': (w) => ({
    method: 'POST',
    path: `${ORG(w)}/invitations`,
    body: { email: uniqueEmail('inv'), role: 'member' },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'invitation.created',
    target: nested('invitation'),
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'DELETE /api/organizations/:org/invitations/:id': async (w) => {
    const inv = await post<{ invitation: { id: string }; token: string }>(w.owner.client, `${ORG(w)}/invitations`, {
      email: uniqueEmail('inv'),
      role: 'member',
    });
    w.secrets.push(inv.token);
    return {
      method: 'DELETE',
      path: `${ORG(w)}/invitations/${inv.invitation.id}`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'invitation.revoked',
      target: inv.invitation.id,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/invitations/accept': async (w) => {
    const invitee = await registerAdmin(w.base, 'invitee');
    const inv = await post<{ invitation: { id: string }; token: string }>(w.owner.client, `${ORG(w)}/invitations`, { email: invitee.email, role: 'member' });
    w.secrets.push(inv.token);
    return {
      method: 'POST',
      path: '/api/invitations/accept',
      body: { token: inv.token },
      as: invitee.client,
      actor: acct(invitee),
      action: 'invitation.accepted',
      target: inv.invitation.id,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'POST /api/organizations/:org/services': (w) => ({
    method: 'POST',
    path: `${ORG(w)}/services`,
    body: { slug: uniqueSlug('svc'), name: 'S', service_type: 'web' },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'service.created',
    target: nested('service'),
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'PATCH /api/organizations/:org/services/:service': async (w) => {
    const s = await createService(w.owner, w.org);
    return {
      method: 'PATCH',
      path: SVC(w, s.slug),
      body: { name: 'Renamed' },
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'service.updated',
      target: s.id,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'DELETE /api/organizations/:org/services/:service': async (w) => {
    const s = await createService(w.owner, w.org);
    return {
      method: 'DELETE',
      path: SVC(w, s.slug),
      as: w.owner.client,
      actor: acct(w.owner),
      action: 'service.deleted',
      target: s.id,
      org: w.org,
      forbidden: w.admin.client,
    };
  },
  'POST /api/organizations/:org/services/:service/plans': (w) => ({
    method: 'POST',
    path: `${SVC(w)}/plans`,
    body: { name: uniqueSlug('plan'), price_cents: 500, currency: 'EUR', features: ['a'] },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'plan.created',
    target: nested('plan'),
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'PATCH /api/organizations/:org/services/:service/plans/:planId': async (w) => {
    const plan = await createPlan(w.owner, w.org, w.svc.slug, uniqueSlug('plan'));
    return {
      method: 'PATCH',
      path: `${SVC(w)}/plans/${plan}`,
      body: { price_cents: 900 },
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'plan.updated',
      target: plan,
      org: w.org,
      forbidden: w.member.client,
      badBody: true,
    };
  },
  'DELETE /api/organizations/:org/services/:service/plans/:planId': async (w) => {
    const plan = await createPlan(w.owner, w.org, w.svc.slug, uniqueSlug('plan'));
    return {
      method: 'DELETE',
      path: `${SVC(w)}/plans/${plan}`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'plan.deleted',
      target: plan,
      org: w.org,
      forbidden: w.member.client,
    };
  },
  'POST /api/organizations/:org/services/:service/api-keys': (w) => ({
    method: 'POST',
    path: `${SVC(w)}/api-keys`,
    body: { name: 'k', permissions: ['read:users'] },
    as: w.admin.client,
    actor: acct(w.admin),
    action: 'api_key.created',
    target: idOf,
    org: w.org,
    forbidden: w.member.client,
    badBody: true,
  }),
  'DELETE /api/organizations/:org/services/:service/api-keys/:id': async (w) => {
    const k = await createKey(w.owner, w.org, w.svc.slug, ['read:users']);
    w.secrets.push(k.key);
    return {
      method: 'DELETE',
      path: `${SVC(w)}/api-keys/${k.id}`,
      as: w.admin.client,
      actor: acct(w.admin),
      action: 'api_key.deleted',
      target: k.id,
      org: w.org,
      forbidden: w.member.client,
    };
  },
};

export { ADMIN_PLANE };

/** The hosted end-user pages: a user's own change belongs to no admin's trail; sign-ins among them are sign-in activity. */
const SELF_SERVICE = "an end user's own change on a hosted page: no admin's trail (recorded as sign-in activity where it is a sign-in)";

/** Writes that are not an organization's (or are recorded as sign-in activity instead), and why. */
export const NOT_AUDITED: Record<string, string> = {
  'POST /api/auth/register': 'an admin account of its own, before any organization',
  'POST /api/auth/login': 'an admin session, no organization',
  'POST /api/auth/refresh': 'an admin session, no organization',
  'POST /api/auth/logout': 'an admin session, no organization',
  'POST /api/auth/login/totp': 'an admin session, no organization',
  'POST /api/auth/mfa/totp': "a pending enrollment of the caller's own account, not active until confirmed (the confirmation is audited)",
  'POST /password': "an end user's own password, through a link an admin's audited call created",
  'POST /login': 'sign-in activity (…/sign-ins)',
  'POST /saml/:org/:service/sso': 'sign-in activity (…/sign-ins)',
  'POST /saml/:org/:service/slo': 'sign-in activity (…/sign-ins)',
  'POST /password/forgot': SELF_SERVICE,
  'POST /login/continue': SELF_SERVICE,
  'POST /login/factor': SELF_SERVICE,
  'POST /login/enroll': SELF_SERVICE,
  'POST /account/login': SELF_SERVICE,
  'POST /account/logout': SELF_SERVICE,
  'POST /account/password': SELF_SERVICE,
  'POST /account/recovery': SELF_SERVICE,
  'POST /account/totp/start': SELF_SERVICE,
  'POST /account/totp/confirm': SELF_SERVICE,
  'POST /account/passkey/start': SELF_SERVICE,
  'POST /account/passkey/finish': SELF_SERVICE,
  'POST /account/factors/remove': SELF_SERVICE,
};
