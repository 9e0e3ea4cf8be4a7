// The logout messages the IdP sends: a LogoutRequest to each other participant of a session and the
// LogoutResponse to the SP that asked. Plain string templates with every value escaped, signed like
// the Response (RSA-SHA256, exclusive c14n, Signature right after the Issuer).
import { xmlEscape as x, samlId, samlTime } from './xml/escape.ts';
import { signEnveloped } from './xml/signature.ts';
import { NAME_ID_FORMATS } from './settings.ts';
import { STATUS, type Signer } from './response.ts';

const NS_DECL = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';
const REASON_USER = 'urn:oasis:names:tc:SAML:2.0:logout:user';
const PARTIAL_LOGOUT = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout';
const UNKNOWN_PRINCIPAL = 'urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal';

export type LogoutOutcome = 'success' | 'partial' | 'unknown_principal';

export interface LogoutRequestInput {
  idpEntityId: string;
  spEntityId: string;
  destination: string;
  nameId: string;
  nameIdFormat: string;
  sessionIndexes: string[];
  now: Date;
}

export function buildLogoutRequest(input: LogoutRequestInput, signer: Signer): { id: string; xml: string } {
  const id = samlId();
  const notOnOrAfter = samlTime(new Date(input.now.getTime() + 5 * 60_000));
  // The same qualifiers as in the assertion, so the SP recognises the NameID it was given.
  const qualified = input.nameIdFormat === NAME_ID_FORMATS.persistent || input.nameIdFormat === NAME_ID_FORMATS.transient;
  const spnq = qualified ? ` SPNameQualifier="${x(input.spEntityId)}" NameQualifier="${x(input.idpEntityId)}"` : '';
  const xml =
    `<samlp:LogoutRequest ${NS_DECL} ID="${id}" Version="2.0" IssueInstant="${samlTime(input.now)}" Destination="${x(input.destination)}" NotOnOrAfter="${notOnOrAfter}" Reason="${REASON_USER}">` +
    `<saml:Issuer>${x(input.idpEntityId)}</saml:Issuer>` +
    `<saml:NameID Format="${x(input.nameIdFormat)}"${spnq}>${x(input.nameId)}</saml:NameID>` +
    input.sessionIndexes.map((s) => `<samlp:SessionIndex>${x(s)}</samlp:SessionIndex>`).join('') +
    '</samlp:LogoutRequest>';
  return { id, xml: signEnveloped(xml, 'LogoutRequest', signer.key, signer.certificatePem) };
}

function statusXml(outcome: LogoutOutcome): string {
  if (outcome === 'success') return `<samlp:StatusCode Value="${STATUS.success}"/>`;
  // Top-level Success with PartialLogout: the session is gone here, some participant was not reached.
  if (outcome === 'partial') return `<samlp:StatusCode Value="${STATUS.success}"><samlp:StatusCode Value="${PARTIAL_LOGOUT}"/></samlp:StatusCode>`;
  return `<samlp:StatusCode Value="${STATUS.requester}"><samlp:StatusCode Value="${UNKNOWN_PRINCIPAL}"/></samlp:StatusCode><samlp:StatusMessage>No session matches this NameID and SessionIndex</samlp:StatusMessage>`;
}

export interface LogoutResponseInput {
  idpEntityId: string;
  destination: string;
  inResponseTo: string;
  outcome: LogoutOutcome;
  now: Date;
}

export function buildLogoutResponse(input: LogoutResponseInput, signer: Signer): string {
  const xml =
    `<samlp:LogoutResponse ${NS_DECL} ID="${samlId()}" Version="2.0" IssueInstant="${samlTime(input.now)}" Destination="${x(input.destination)}" InResponseTo="${x(input.inResponseTo)}">` +
    `<saml:Issuer>${x(input.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status>${statusXml(input.outcome)}</samlp:Status>` +
    '</samlp:LogoutResponse>';
  return signEnveloped(xml, 'LogoutResponse', signer.key, signer.certificatePem);
}
