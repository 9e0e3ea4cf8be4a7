// The shapes of the API answers the console reads (CONTRACT §1–§8; /openapi.json).
export type Role = 'owner' | 'admin' | 'member';

export interface Account {
  id: string;
  email: string;
  name: string | null;
}
export interface OrgSummary {
  id: string;
  slug: string;
  name: string;
  role: Role;
}
export interface Me {
  account: Account;
  organizations: OrgSummary[];
  mfa: { totp: boolean };
}
export interface Usage {
  current_services: number;
  max_services: number;
}
export interface Member {
  account_id: string;
  email: string;
  name: string | null;
  role: Role;
  joined_at: string;
}
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: string;
  expires_at: string;
}
export interface Service {
  id: string;
  slug: string;
  name: string;
  service_type: string;
  client_id: string;
  redirect_uris: string[];
  created_at: string;
}
export interface Plan {
  id: string;
  name: string;
  price_cents: number;
  currency: string;
  features: string[];
}
export interface PlanEntry {
  plan: Plan;
  subscription_count: number;
}
export interface ApiKey {
  id: string;
  prefix: string;
  name: string;
  permissions: string[];
  environment: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}
export interface SamlConfig {
  enabled: boolean;
  entity_id: string | null;
  acs_url: string | null;
  slo_url: string | null;
  name_id_format: string;
  /** email, id or attributes.<name>; null: the format's default (§14). */
  name_id_source: string | null;
  attribute_mapping: Record<string, string>;
  sign_assertions: boolean;
  sign_response: boolean;
  sp_certificate: string | null;
  want_authn_requests_signed: boolean;
  allow_idp_initiated: boolean;
  acs_urls: AcsEndpoint[];
  require_mfa: boolean;
  encrypt_assertions: boolean;
  sp_encryption_certificate: string | null;
  encryption_algorithm: string;
  sp_metadata_url: string | null;
  sp_metadata_signing_certificate: string | null;
  metadata_refresh_hours: number;
  metadata_fetched_at: string | null;
  metadata_next_refresh_at: string | null;
  metadata_last_error: string | null;
  has_certificate: boolean;
  idp_entity_id: string;
  metadata_url: string;
  sso_url: string;
}
export interface AcsEndpoint {
  url: string;
  binding: string;
  index: number;
  is_default: boolean;
}
export interface Certificate {
  id: string;
  public_key: string;
  valid_from: string;
  valid_until: string;
  status: 'active' | 'pending' | 'inactive';
}
export interface MfaSummary {
  totp: boolean;
  webauthn: number;
  recovery_codes_left: number;
}
export interface DirectoryUser {
  id: string;
  email: string;
  disabled: boolean;
  has_password: boolean;
  mfa: MfaSummary;
  groups: string[];
  attributes: Record<string, string>;
  created_at: string;
}
