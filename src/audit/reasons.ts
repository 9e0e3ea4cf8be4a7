// The stable `reason` codes of sign-in activity (docs/api.md, Sign-in activity): every SAML refusal
// code (saml/pipeline/reasons.ts) and the hosted sign-in page's own. The record below must name every
// refusal code, so a code added there without being added here does not compile.
import type { RefusalReason } from '../saml/pipeline/reasons.ts';

const REFUSALS: Record<RefusalReason, true> = {
  malformed_request: true,
  name_id_unavailable: true,
  request_too_large: true,
  dtd_forbidden: true,
  schema_invalid: true,
  unsigned_request: true,
  bad_signature: true,
  weak_algorithm: true,
  no_sp_certificate: true,
  unknown_issuer: true,
  acs_mismatch: true,
  unsupported_binding: true,
  destination_mismatch: true,
  expired_request: true,
  future_request: true,
  replayed_request: true,
  relay_state_too_long: true,
  unknown_service: true,
  idp_initiated_disabled: true,
  unknown_principal: true,
  unexpected_logout_response: true,
};

/** The hosted sign-in page's outcomes, and SSO's own answers that are not refusals of the message. */
export const HOSTED_REASONS = [
  'wrong_password',
  'unknown_user',
  'user_disabled',
  'rate_limited',
  'no_passive',
  'mfa_failed',
  'mfa_required',
  'no_authn_context',
] as const;
export type HostedReason = (typeof HOSTED_REASONS)[number];
export type SignInReason = RefusalReason | HostedReason;

export const SIGN_IN_REASONS: readonly SignInReason[] = [...(Object.keys(REFUSALS) as RefusalReason[]), ...HOSTED_REASONS];
