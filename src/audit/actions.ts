// Every audit action and the only `changes` fields it may carry. recordAudit keeps exactly these keys
// and drops anything else, so a secret (a key, a hash, a password, a token, a private key) can reach
// an event only by being named here, and none is: the list is the allow-list, reviewed in one place
// (docs/security.md, attack 47). docs/api.md lists the same actions.
export const AUDIT_ACTIONS = {
  'organization.created': ['slug', 'name'],
  'organization.updated': ['name', 'max_services', 'display_name', 'logo_url', 'primary_color', 'support_url', 'mfa_policy'],
  'organization.deleted': ['slug'],
  'member.updated': ['account_id', 'email', 'role'],
  'member.removed': ['account_id', 'email', 'role'],
  'invitation.created': ['email', 'role', 'expires_at'],
  'invitation.revoked': [],
  'invitation.accepted': ['account_id', 'email', 'role'],
  // An admin account's own TOTP, listed in the log of every organization it belongs to.
  'account.totp_enabled': [],
  'account.totp_disabled': [],
  'service.created': ['slug', 'name', 'service_type', 'redirect_uris', 'github_scopes', 'google_scopes', 'microsoft_scopes'],
  'service.updated': ['name', 'redirect_uris', 'github_scopes', 'google_scopes', 'microsoft_scopes'],
  'service.deleted': ['slug'],
  'plan.created': ['service_id', 'name', 'price_cents', 'currency', 'features'],
  'plan.updated': ['service_id', 'name', 'price_cents', 'currency', 'features'],
  'plan.deleted': ['service_id', 'name'],
  'api_key.created': ['service_id', 'name', 'prefix', 'environment', 'permissions', 'expires_at'],
  'api_key.deleted': ['service_id', 'name', 'prefix'],
  'saml.configured': [
    'service_id',
    'enabled',
    'entity_id',
    'acs_url',
    'slo_url',
    'name_id_format',
    'attribute_mapping',
    'sign_assertions',
    'sign_response',
    'sp_certificate_changed',
    'want_authn_requests_signed',
    'allow_idp_initiated',
    'certificate_created',
    'require_mfa',
    'acs_urls',
    'name_id_source',
    'encrypt_assertions',
    'encryption_algorithm',
    'sp_encryption_certificate_changed',
    'sp_metadata_url',
    'sp_metadata_signing_certificate_changed',
    'metadata_refresh_hours',
  ],
  'saml.metadata_refresh_failed': ['service_id', 'sp_metadata_url', 'error'],
  'saml.metadata_refreshed': ['service_id', 'sp_metadata_url', 'fields'],
  'saml.disabled': ['service_id'],
  'saml.certificate.created': ['service_id', 'status', 'valid_from', 'valid_until'],
  'saml.certificate.activated': ['service_id', 'status', 'valid_from', 'valid_until'],
  'user.created': ['email', 'service_id', 'password_set'],
  'user.linked': ['email', 'service_id'],
  'user.updated': ['email', 'disabled', 'service_id', 'groups', 'attributes'],
  'user.deleted': ['email', 'service_id'],
  'user.unlinked': ['email', 'service_id'],
  'user.password_link.created': ['email', 'expires_at'],
  'user.mfa_reset': ['email'],
  'subscription.created': ['service_id', 'user_id', 'plan_id', 'status', 'current_period_end'],
  'subscription.updated': ['service_id', 'user_id', 'status', 'current_period_end'],
  'subscription.deleted': ['service_id', 'user_id', 'plan_id'],
  // Never `secret`: a webhook's signing secret is shown once, to the caller, and stored sealed.
  'webhook.created': ['url', 'events', 'description', 'enabled'],
  'webhook.updated': ['url', 'events', 'description', 'enabled'],
  'webhook.deleted': ['url'],
  'webhook.secret_rotated': [],
  'webhook.test_sent': ['event_id'],
  'webhook.delivery_retried': ['delivery_id'],
} as const satisfies Record<string, readonly string[]>;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export const ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as AuditAction[];
export const isAuditAction = (value: string): value is AuditAction => Object.hasOwn(AUDIT_ACTIONS, value);

/** The event's `changes`: only the action's allowed fields that were given; null when none was. */
export function allowedChanges(action: AuditAction, changes: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!changes) return null;
  const allowed: readonly string[] = AUDIT_ACTIONS[action];
  const kept = Object.entries(changes).filter(([k, v]) => allowed.includes(k) && v !== undefined);
  return kept.length ? Object.fromEntries(kept) : null;
}

/** What an action is about, from its first word (saml.certificate.* is about a certificate, member.* about an account). */
export function targetTypeOf(action: AuditAction): string {
  if (action.startsWith('saml.certificate.')) return 'certificate';
  const noun = action.slice(0, action.indexOf('.'));
  return noun === 'saml' ? 'service' : noun === 'member' ? 'account' : noun;
}
