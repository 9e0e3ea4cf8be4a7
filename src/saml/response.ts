// Builds the SAML Response for a signed-in user: Assertion (NameID per format, bearer confirmation,
// conditions, authn statement, mapped attributes), signed as configured with RSA-SHA256 and exclusive
// c14n, the Signature right after the Issuer. Templates are plain strings in canonical form with every
// value escaped; they are digested as written and signed with a pre-parsed KeyObject.
import { secureRandom } from '../security/random.ts';
import type { KeyObject } from 'node:crypto';
import { samlId, samlTime } from './xml/escape.ts';
import { c14nAttr as a, c14nText as t, signCanonical } from './xml/canonical-sign.ts';
import { encryptAssertion } from './xml/encrypt.ts';
import type { SamlSettings } from './settings.ts';

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  noAuthnContext: 'urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
} as const;

const ATTR_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const ATTR_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';

export interface Signer {
  key: KeyObject;
  certificatePem: string;
}

export interface AssertionSubject {
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  authnInstant: Date;
  /** The AuthnContextClassRef stated (authn-context.ts). */
  authnContextClassRef: string;
  /** Values by attribute source (settings.ts); a source without a value sends no Attribute. */
  attributes: Partial<Record<string, string | string[]>>;
}

export interface ResponseInput {
  idpEntityId: string;
  settings: SamlSettings;
  inResponseTo: string | undefined;
  now: Date;
  /** The verified ACS endpoint this Response goes to (Destination, Recipient). */
  acsUrl: string;
}

// Every template below is written in exclusive-canonical form (see xml/canonical-sign.ts): attributes
// in canonical order (unqualified ones by local name), empty elements expanded, canonical escaping, and
// each namespace declared on the first element that uses it. Keep it that way when editing: the
// interop tests (node-saml, xmlsec1) fail on any difference.
const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SAMLP_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';

function attributeStatement(settings: SamlSettings, values: AssertionSubject['attributes']): string {
  const parts: string[] = [];
  for (const [source, name] of settings.attributeMapping) {
    const v = values[source];
    const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
    // A source without a value (no plan, no such attribute, no groups, a plan without features) sends no Attribute.
    if (list.length === 0) continue;
    const format = /^[a-z][a-z0-9+.-]*:/i.test(name) ? ATTR_URI : ATTR_BASIC;
    parts.push(
      `<saml:Attribute Name="${a(name)}" NameFormat="${format}">${list.map((s) => `<saml:AttributeValue>${t(s)}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
    );
  }
  return parts.length ? `<saml:AttributeStatement>${parts.join('')}</saml:AttributeStatement>` : '';
}

/** The Assertion (canonical form) and its ID. */
export function buildAssertion(input: ResponseInput, subject: AssertionSubject): { id: string; xml: string } {
  const { settings, now } = input;
  const id = samlId();
  const notBefore = samlTime(new Date(now.getTime() - 60_000));
  const notOnOrAfter = samlTime(new Date(now.getTime() + 5 * 60_000));
  const irt = input.inResponseTo ? ` InResponseTo="${a(input.inResponseTo)}"` : '';
  const qualifiers =
    subject.nameIdFormat.endsWith(':persistent') || subject.nameIdFormat.endsWith(':transient')
      ? ` NameQualifier="${a(input.idpEntityId)}" SPNameQualifier="${a(settings.entityId)}"`
      : '';
  const xml =
    `<saml:Assertion xmlns:saml="${SAML_NS}" ID="${id}" IssueInstant="${samlTime(now)}" Version="2.0">` +
    `<saml:Issuer>${t(input.idpEntityId)}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="${a(subject.nameIdFormat)}"${qualifiers}>${t(subject.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${notOnOrAfter}" Recipient="${a(input.acsUrl)}"></saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${t(settings.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${samlTime(subject.authnInstant)}" SessionIndex="${a(subject.sessionIndex)}"><saml:AuthnContext><saml:AuthnContextClassRef>${t(subject.authnContextClassRef)}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    attributeStatement(settings, subject.attributes) +
    '</saml:Assertion>';
  return { id, xml };
}

function responseEnvelope(input: ResponseInput, status: string, inner: string, message?: string): { id: string; xml: string } {
  const id = samlId();
  const irt = input.inResponseTo ? ` InResponseTo="${a(input.inResponseTo)}"` : '';
  const statusCode =
    status === STATUS.success
      ? `<samlp:StatusCode Value="${status}"></samlp:StatusCode>`
      : `<samlp:StatusCode Value="${status === STATUS.noPassive || status === STATUS.authnFailed || status === STATUS.noAuthnContext ? STATUS.responder : STATUS.requester}"><samlp:StatusCode Value="${status}"></samlp:StatusCode></samlp:StatusCode>`;
  const xml =
    `<samlp:Response xmlns:samlp="${SAMLP_NS}" Destination="${a(input.acsUrl)}" ID="${id}"${irt} IssueInstant="${samlTime(input.now)}" Version="2.0">` +
    `<saml:Issuer xmlns:saml="${SAML_NS}">${t(input.idpEntityId)}</saml:Issuer>` +
    `<samlp:Status>${statusCode}${message ? `<samlp:StatusMessage>${t(message)}</samlp:StatusMessage>` : ''}</samlp:Status>` +
    inner +
    '</samlp:Response>';
  return { id, xml };
}

/**
 * A successful Response with one Assertion, signed as the SP asked (at least one signature always). With
 * encryption the Assertion is always signed first, whatever sign_assertions says, then encrypted into an
 * EncryptedAssertion (CONTRACT §14 "signed first, then encrypted"; docs/saml.md, encrypted assertions):
 * once decrypted, an Assertion must still prove its issuer, since an SP that decrypts and then reads the
 * Assertion on its own no longer has the Response signature around it. The Response signature (when
 * asked) covers the EncryptedAssertion.
 */
export function buildSuccessResponse(input: ResponseInput, subject: AssertionSubject, signer: Signer): string {
  const assertion = buildAssertion(input, subject);
  const { encryption } = input.settings;
  const signedAssertion =
    input.settings.signAssertions || encryption !== null ? signCanonical(assertion.xml, assertion.id, signer.key, signer.certificatePem) : assertion.xml;
  const assertionXml = encryption ? encryptAssertion(signedAssertion, encryption.certificatePem, encryption.algorithm) : signedAssertion;
  const response = responseEnvelope(input, STATUS.success, assertionXml);
  return input.settings.signResponse || !input.settings.signAssertions
    ? signCanonical(response.xml, response.id, signer.key, signer.certificatePem)
    : response.xml;
}

/** An error Response (e.g. NoPassive): never an Assertion, always signed. */
export function buildErrorResponse(input: ResponseInput, status: string, message: string, signer: Signer): string {
  const response = responseEnvelope(input, status, '', message);
  return signCanonical(response.xml, response.id, signer.key, signer.certificatePem);
}

export function transientNameId(): string {
  return `_${secureRandom(20).toString('hex')}`;
}
