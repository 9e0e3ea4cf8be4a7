// The audit log and sign-in activity in the OpenAPI catalog (CONTRACT §12), kept beside the catalog so
// that file stays under its size limit; openapi-catalog.ts lists this group with the others.
import { z } from 'zod';
import { AuditFilter, SignInFilter } from '../audit/index.ts';
import { json, type RouteGroup } from './openapi-doc.ts';
import { listOf } from './openapi-schemas.ts';

const ORG = '/api/organizations/:org';
const Instant = z.string().describe('RFC 3339 UTC');
const Nullable = z.string().nullable();

const AuditEvent = z
  .object({
    id: z.string().describe('aud_…'),
    action: z.string().describe('organization.updated, api_key.created, saml.configured, … (docs/api.md lists them all)'),
    actor: z.object({ type: z.enum(['account', 'api_key', 'system']), id: z.string(), email: z.string().optional() }),
    target: z.object({ type: z.string(), id: z.string() }),
    ip: Nullable,
    user_agent: Nullable,
    request_id: Nullable,
    changes: z.record(z.string(), z.unknown()).nullable().describe("The action's allowed fields only; never a secret"),
    created_at: Instant,
  })
  .meta({ id: 'AuditEvent' });

const SignIn = z
  .object({
    id: z.string().describe('sgn_…'),
    flow: z.enum(['sso', 'idp_initiated', 'login', 'slo']),
    outcome: z.enum(['success', 'refused']),
    reason: Nullable.describe('Stable code (docs/api.md, Sign-in activity)'),
    user_id: Nullable,
    email: Nullable,
    service: Nullable.describe('Service slug'),
    service_id: Nullable,
    binding: Nullable,
    authn_context: Nullable,
    ip: Nullable,
    user_agent: Nullable,
    request_id: Nullable.describe('The reference shown on an error page'),
    created_at: Instant,
  })
  .meta({ id: 'SignIn' });

const f = AuditFilter.shape;
const s = SignInFilter.shape;
const window = {
  since: { schema: f.since, description: 'Only events at or after this instant (RFC 3339)' },
  until: { schema: f.until, description: 'Only events at or before this instant (RFC 3339)' },
};

export const AUDIT_GROUP: RouteGroup = {
  tag: 'Audit log and sign-in activity',
  description: 'Who changed what, and every sign-in outcome with its reason (CONTRACT §12); append-only',
  security: 'bearer',
  routes: {
    [`GET ${ORG}/audit-events`]: {
      summary: "The organization's audit log, newest first (admin)",
      paginated: true,
      query: {
        action: { schema: f.action, description: 'One action name' },
        actor: { schema: f.actor, description: 'An actor id (acct_…, key_…, cli:…) or an account email' },
        ...window,
      },
      ok: json(200, 'Audit events', listOf('events', AuditEvent)),
    },
    [`GET ${ORG}/sign-ins`]: {
      summary: 'Sign-in activity, newest first (admin)',
      paginated: true,
      query: {
        user_id: { schema: s.user_id, description: 'A user id (usr_…)' },
        service: { schema: s.service, description: 'A service slug or id' },
        outcome: { schema: s.outcome, description: 'success or refused' },
        reason: { schema: s.reason, description: 'A reason code' },
        request_id: { schema: s.request_id, description: 'The reference shown on an error page' },
        ...window,
      },
      ok: json(200, 'Sign-ins', listOf('sign_ins', SignIn)),
    },
  },
};
