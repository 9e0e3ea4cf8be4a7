// Why a SAML message was refused, as a stable code: the same word in the warn log line, in
// tessera_sso_outcomes_total / tessera_slo_outcomes_total{reason}, and beside the reference on the error
// page, so a user's screenshot, a log search and a dashboard all meet on it. The names docs/api.md
// gives sign-in activity (Planned surface) are used where it has one. Codes are never renamed: add a
// new one instead.
// The XML layer (saml/xml/) throws these too, so this file imports nothing from the pipeline.
import { AppError } from '../../http/errors.ts';

export type RefusalReason =
  // Not a SAML message we can read: bad base64/DEFLATE/XML, several roots, the wrong element, a bad query string, a missing or invalid required field.
  | 'malformed_request'
  // Over the binding's size limit (Redirect 16 KiB encoded, POST 128 KiB, 256 KiB inflated): 400, as the
  // contract answers every AuthnRequest it does not accept (a body over 1 MiB is the body reader's 413).
  | 'request_too_large'
  // A DOCTYPE or ENTITY declaration: never parsed, so no entity expansion and no external fetch.
  | 'dtd_forbidden'
  // Not valid against the SAML 2.0 protocol schema.
  | 'schema_invalid'
  // No signature where the service requires one (want_authn_requests_signed, or any logout message with an SP certificate).
  | 'unsigned_request'
  // A signature that does not verify, or does not cover exactly the whole message (wrapping, extra references).
  | 'bad_signature'
  // A signature or digest algorithm weaker than RSA-SHA256 / SHA-256 (SHA-1 above all).
  | 'weak_algorithm'
  // A signed message for a service that has no SP certificate to verify it with.
  | 'no_sp_certificate'
  // The Issuer is not the entity ID configured for this service.
  | 'unknown_issuer'
  // AssertionConsumerServiceURL is not the registered acs_url.
  | 'acs_mismatch'
  // A response binding other than HTTP-POST was asked for.
  | 'unsupported_binding'
  // Destination is not this endpoint's URL.
  | 'destination_mismatch'
  // IssueInstant older than the 5-minute window (plus skew), or a LogoutRequest past its NotOnOrAfter.
  | 'expired_request'
  // IssueInstant further in the future than the allowed clock skew.
  | 'future_request'
  // A message ID this service has already accepted.
  | 'replayed_request'
  // RelayState over 80 bytes.
  | 'relay_state_too_long'
  // No such organization or service, or SAML is disabled for it: 404.
  | 'unknown_service'
  // /init for a service that does not allow IdP-initiated sign-in: 404.
  | 'idp_initiated_disabled'
  // A verified LogoutRequest naming no session, from a service with no SLO URL to answer at.
  | 'unknown_principal'
  // A LogoutResponse that no logout in progress is waiting for (unknown, already used or expired).
  | 'unexpected_logout_response'
  // The signed-in user lacks the attribute name_id_source names: no Response rather than another NameID. 403.
  | 'name_id_unavailable';

/** The reasons whose HTTP answer is not the usual 400 (kept from before reasons existed). */
const NOT_400: Partial<Record<RefusalReason, { status: number; code: string; headers?: Record<string, string> }>> = {
  unknown_service: { status: 404, code: 'NOT_FOUND' },
  idp_initiated_disabled: { status: 404, code: 'NOT_FOUND' },
  name_id_unavailable: { status: 403, code: 'FORBIDDEN' },
};

const MAX_VALUE_CHARS = 200;

/** Values come from the message: bounded, so a hostile Issuer cannot fill a log line. */
function clip(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
}

/**
 * A refused SAML message. `received` and `expected` are what came and what is configured, for the log
 * line only (never on the page): public values such as an Issuer, an ACS URL, a Destination, an
 * instant or an algorithm, never a secret and never the message itself.
 */
export class SamlRefusal extends AppError {
  declare readonly reason: RefusalReason;
  readonly received: string | undefined;
  readonly expected: string | undefined;
  /** The signed-in user the refusal is about, when there is one (its sign-in activity row names them). */
  readonly user: RefusedUser | undefined;

  constructor(reason: RefusalReason, message: string, values: RefusalValues = {}) {
    const answer = NOT_400[reason];
    super(answer?.status ?? 400, answer?.code ?? 'BAD_REQUEST', message, { reason, headers: { ...answer?.headers } });
    this.received = clip(values.received);
    this.expected = clip(values.expected);
    this.user = values.user;
  }
}

export interface RefusedUser {
  id: string;
  email: string;
}

/** What a refusal shows beside its reason: the values compared (log line), and the user (activity row). */
export interface RefusalValues {
  received?: string | undefined;
  expected?: string | undefined;
  user?: RefusedUser | undefined;
}

export const refuse = (reason: RefusalReason, message: string, values?: RefusalValues): SamlRefusal => new SamlRefusal(reason, message, values);
