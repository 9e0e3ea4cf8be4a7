// Response shapes for the OpenAPI document. Request bodies come from the routes' own zod schemas;
// responses are built by plain presenter functions, so their shapes are described here (docs/api.md)
// and the e2e test checks real responses against a few of them so the two cannot silently diverge.
import { z } from 'zod';
import { PERMISSIONS } from '../api-keys/index.ts';
import { ROLES } from '../authz/roles.ts';
import { SERVICE_TYPES } from '../services/index.ts';
import { STATUSES } from '../service-api/subscriptions.ts';

const Timestamp = z.string().describe('RFC 3339 in UTC with Z');
const Id = (prefix: string) => z.string().describe(`Opaque id starting with ${prefix}_`);

export const ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'SERVICE_LIMIT_EXCEEDED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMIT_EXCEEDED',
  'INTERNAL_SERVER_ERROR',
  'SERVICE_UNAVAILABLE',
] as const;

export const ErrorBody = z
  .object({
    error: z.string().describe('Human-readable message'),
    error_code: z.enum(ERROR_CODES),
    timestamp: Timestamp,
    request_id: z.string(),
    details: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Only on validation errors'),
    reason: z
      .string()
      .optional()
      .describe(
        'Only on refused SAML requests: a stable code (unknown_issuer, acs_mismatch, replayed_request, …), the same as in the log line and in /metrics',
      ),
  })
  .meta({ id: 'Error' });

export const Account = z.object({ id: Id('acct'), email: z.string(), name: z.string().nullable(), created_at: Timestamp }).meta({ id: 'Account' });
export const TokenPair = z
  .object({
    access_token: z.string(),
    refresh_token: z.string().optional().describe('Absent when the request asked for refresh_cookie: the token is in the cookie'),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().describe('Access token lifetime in seconds'),
  })
  .meta({ id: 'TokenPair' });
export const Registered = TokenPair.extend({ account: Account }).meta({ id: 'Registered' });
export const Me = z
  .object({
    account: Account,
    organizations: z.array(z.object({ id: Id('org'), slug: z.string(), name: z.string(), role: z.enum(ROLES) })),
    mfa: z.object({ totp: z.boolean().describe('TOTP is enabled: sign-in needs a code') }),
  })
  .meta({ id: 'Me' });

export const Organization = z
  .object({
    id: Id('org'),
    slug: z.string(),
    name: z.string(),
    display_name: z.string().nullable().describe('Shown on the hosted pages instead of name'),
    logo_url: z.string().nullable().describe('https URL of the logo on the hosted pages'),
    primary_color: z.string().nullable().describe('#rrggbb; button text colour is chosen for WCAG AA contrast'),
    support_url: z.string().nullable().describe('https URL linked from every hosted page'),
    mfa_policy: z.enum(['off', 'optional', 'required']).describe('Whether hosted sign-in asks for a second factor (CONTRACT §11)'),
    created_at: Timestamp,
    updated_at: Timestamp,
    role: z.enum(ROLES).optional(),
  })
  .meta({ id: 'Organization' });
export const Usage = z.object({ current_services: z.number().int(), max_services: z.number().int() }).meta({ id: 'Usage' });
export const Member = z
  .object({ account_id: Id('acct'), email: z.string(), name: z.string().nullable(), role: z.enum(ROLES), joined_at: Timestamp })
  .meta({ id: 'Member' });
export const Invitation = z
  .object({
    id: Id('inv'),
    email: z.string(),
    role: z.enum(ROLES),
    status: z.enum(['pending', 'accepted', 'expired']),
    expires_at: Timestamp,
    accepted_at: Timestamp.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: 'Invitation' });

export const Service = z
  .object({
    id: Id('svc'),
    organization_id: Id('org'),
    slug: z.string(),
    name: z.string(),
    service_type: z.enum(SERVICE_TYPES),
    client_id: z.string(),
    redirect_uris: z.array(z.string()),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Service' });
export const Plan = z
  .object({
    id: Id('plan'),
    service_id: Id('svc'),
    name: z.string(),
    price_cents: z.number().int(),
    currency: z.string().describe('ISO 4217, lower-case'),
    features: z.array(z.string()),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Plan' });
export const PlanWithCount = z.object({ plan: Plan, subscription_count: z.number().int() }).meta({ id: 'PlanWithCount' });
export const ServiceDetail = z
  .object({
    service: Service,
    provider_grants: z.array(z.object({ provider: z.enum(['github', 'google', 'microsoft']), scopes: z.array(z.string()) })),
    plans: z.array(Plan),
  })
  .meta({ id: 'ServiceDetail' });

const ApiKeyFields = {
  id: Id('key'),
  prefix: z.string().describe('First 12 characters of the secret, to recognise a key'),
  name: z.string(),
  permissions: z.array(z.enum(PERMISSIONS)),
  environment: z.enum(['live', 'test']),
  expires_at: Timestamp.nullable(),
  created_at: Timestamp,
};
export const ApiKey = z.object({ ...ApiKeyFields, last_used_at: Timestamp.nullable() }).meta({ id: 'ApiKey' });
export const ApiKeyCreated = z
  .object({ ...ApiKeyFields, key: z.string().describe('sk_{environment}_{secret}; shown only in this response') })
  .meta({ id: 'ApiKeyCreated' });

export const DirectoryUser = z
  .object({
    id: Id('usr'),
    email: z.string(),
    disabled: z.boolean(),
    has_password: z.boolean(),
    mfa: z
      .object({ totp: z.boolean(), webauthn: z.number().int(), recovery_codes_left: z.number().int() })
      .describe('Second factors: a confirmed TOTP app, the number of WebAuthn credentials, unused recovery codes'),
    groups: z.array(z.string()).describe('At most 50; sent to SPs through the `groups` attribute source'),
    attributes: z.record(z.string(), z.string()).describe('At most 50; sent through `attributes.<name>` sources'),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'DirectoryUser' });
export const PasswordLink = z
  .object({
    url: z.string(),
    expires_at: Timestamp,
    email_sent: z.boolean().describe('true when send_email was asked and the SMTP server accepted the message'),
  })
  .meta({ id: 'PasswordLink' });

export const ServiceUser = z.object({ id: Id('usr'), email: z.string(), created_at: Timestamp }).meta({ id: 'ServiceUser' });
export const Subscription = z
  .object({
    id: Id('sub'),
    user_id: Id('usr'),
    plan_id: Id('plan'),
    plan_name: z.string(),
    status: z.enum(STATUSES),
    current_period_end: Timestamp,
  })
  .meta({ id: 'Subscription' });
export const Analytics = z
  .object({
    total_users: z.number().int(),
    total_subscriptions: z.number().int(),
    active_subscriptions: z.number().int(),
    total_logins_30d: z.number().int(),
    unique_users_30d: z.number().int(),
  })
  .meta({ id: 'Analytics' });
export const ServiceInfo = z
  .object({ id: Id('svc'), name: z.string(), slug: z.string(), service_type: z.enum(SERVICE_TYPES), created_at: Timestamp })
  .meta({ id: 'ServiceInfo' });

export const SamlConfig = z
  .object({
    enabled: z.boolean(),
    entity_id: z.string().nullable(),
    acs_url: z.string().nullable().describe('The default ACS endpoint'),
    acs_urls: z.array(z.object({ url: z.string(), binding: z.literal('HTTP-POST'), index: z.number().int(), is_default: z.boolean() })),
    slo_url: z.string().nullable(),
    name_id_format: z.string(),
    name_id_source: z.string().nullable().describe('email | id | attributes.<name>; null: the format default'),
    attribute_mapping: z.record(z.string(), z.string()),
    sign_assertions: z.boolean(),
    sign_response: z.boolean(),
    sp_certificate: z.string().nullable(),
    want_authn_requests_signed: z.boolean(),
    allow_idp_initiated: z.boolean(),
    require_mfa: z.boolean().describe('Every sign-in to this service needs a second factor (CONTRACT §11)'),
    encrypt_assertions: z.boolean(),
    sp_encryption_certificate: z.string().nullable(),
    encryption_algorithm: z.enum(['aes256-gcm', 'aes128-gcm', 'aes256-cbc']),
    sp_metadata_url: z.string().nullable(),
    sp_metadata_signing_certificate: z.string().nullable(),
    metadata_refresh_hours: z.number().int(),
    metadata_fetched_at: Timestamp.nullable(),
    metadata_next_refresh_at: Timestamp.nullable(),
    metadata_last_error: z.string().nullable().describe('Why the last scheduled refresh failed; null after a good one'),
    has_certificate: z.boolean(),
    idp_entity_id: z.string(),
    metadata_url: z.string(),
    sso_url: z.string(),
    slo_url_idp: z.string(),
  })
  .meta({ id: 'SamlConfig' });
export const SamlCertificate = z
  .object({
    id: Id('cert'),
    public_key: z.string().describe('PEM certificate'),
    valid_from: Timestamp,
    valid_until: Timestamp,
    is_active: z.boolean(),
    status: z.enum(['active', 'pending', 'inactive']),
  })
  .meta({ id: 'SamlCertificate' });

export const Message = z.object({ message: z.string() }).meta({ id: 'Message' });
export const Health = z.object({ status: z.string(), checks: z.record(z.string(), z.enum(['ok', 'unavailable'])).optional() }).meta({ id: 'Health' });
/** /readyz's 503: the error envelope with the readiness fields beside it. */
export const NotReady = ErrorBody.extend({
  status: z.enum(['unavailable', 'shutting_down']),
  checks: z.record(z.string(), z.enum(['ok', 'unavailable'])),
}).meta({ id: 'NotReady' });

/** `{<key>: T[], total}`: the list envelope every paginated admin list uses. */
export const listOf = (key: string, item: z.ZodType) => z.object({ [key]: z.array(item), total: z.number().int() });
