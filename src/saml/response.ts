// Builds the SAML Response for a signed-in user: Assertion (NameID per format, bearer confirmation,
// conditions, authn statement, mapped attributes), signed as configured with RSA-SHA256 and exclusive
// c14n, the Signature right after the Issuer. Templates are plain strings with every value escaped;
// xml-crypto signs with a pre-parsed KeyObject.
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { xmlEscape as x, samlId, samlTime } from './xml/escape.ts';
import { signEnveloped } from './xml/signature.ts';
import type { AttributeSource, SamlSettings } from './settings.ts';

export const STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
} as const;

const NS_DECL = 'xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"';
const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const ATTR_URI = 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri';
const ATTR_BASIC = 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic';

export interface Signer { key: KeyObject; certificatePem: string }

export interface AssertionSubject {
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
  authnInstant: Date;
  attributes: Partial<Record<AttributeSource, string | string[]>>;
}

export interface ResponseInput {
  idpEntityId: string;
  settings: SamlSettings;
  inResponseTo: string | undefined;
  now: Date;
}

function attributeStatement(settings: SamlSettings, values: AssertionSubject['attributes']): string {
  const parts: string[] = [];
  for (const [source, name] of settings.attributeMapping) {
    const v = values[source];
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    const format = /^[a-z][a-z0-9+.-]*:/i.test(name) ? ATTR_URI : ATTR_BASIC;
    parts.push(`<saml:Attribute Name="${x(name)}" NameFormat="${format}">${list.map((s) => `<saml:AttributeValue xsi:type="xs:string">${x(s)}</saml:AttributeValue>`).join('')}</saml:Attribute>`);
  }
  return parts.length ? `<saml:AttributeStatement>${parts.join('')}</saml:AttributeStatement>` : '';
}

export function buildAssertion(input: ResponseInput, subject: AssertionSubject): string {
  const { settings, now } = input;
  const notBefore = samlTime(new Date(now.getTime() - 60_000));
  const notOnOrAfter = samlTime(new Date(now.getTime() + 5 * 60_000));
  const irt = input.inResponseTo ? ` InResponseTo="${x(input.inResponseTo)}"` : '';
  const spnq = subject.nameIdFormat.endsWith(':persistent') || subject.nameIdFormat.endsWith(':transient') ? ` SPNameQualifier="${x(settings.entityId)}" NameQualifier="${x(input.idpEntityId)}"` : '';
  return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${samlId()}" Version="2.0" IssueInstant="${samlTime(now)}">`
    + `<saml:Issuer>${x(input.idpEntityId)}</saml:Issuer>`
    + `<saml:Subject><saml:NameID Format="${x(subject.nameIdFormat)}"${spnq}>${x(subject.nameId)}</saml:NameID>`
    + `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData${irt} NotOnOrAfter="${notOnOrAfter}" Recipient="${x(settings.acsUrl)}"/></saml:SubjectConfirmation></saml:Subject>`
    + `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${x(settings.entityId)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    + `<saml:AuthnStatement AuthnInstant="${samlTime(subject.authnInstant)}" SessionIndex="${x(subject.sessionIndex)}"><saml:AuthnContext><saml:AuthnContextClassRef>${PASSWORD_PROTECTED}</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>`
    + attributeStatement(settings, subject.attributes)
    + '</saml:Assertion>';
}

function responseEnvelope(input: ResponseInput, status: string, inner: string, message?: string): string {
  const irt = input.inResponseTo ? ` InResponseTo="${x(input.inResponseTo)}"` : '';
  const statusCode = status === STATUS.success
    ? `<samlp:StatusCode Value="${status}"/>`
    : `<samlp:StatusCode Value="${status === STATUS.noPassive || status === STATUS.authnFailed ? STATUS.responder : STATUS.requester}"><samlp:StatusCode Value="${status}"/></samlp:StatusCode>`;
  return `<samlp:Response ${NS_DECL} ID="${samlId()}" Version="2.0" IssueInstant="${samlTime(input.now)}" Destination="${x(input.settings.acsUrl)}"${irt}>`
    + `<saml:Issuer>${x(input.idpEntityId)}</saml:Issuer>`
    + `<samlp:Status>${statusCode}${message ? `<samlp:StatusMessage>${x(message)}</samlp:StatusMessage>` : ''}</samlp:Status>`
    + inner
    + '</samlp:Response>';
}

/** A successful Response with one Assertion, signed as the SP asked (at least one signature always). */
export function buildSuccessResponse(input: ResponseInput, subject: AssertionSubject, signer: Signer): string {
  let assertion = buildAssertion(input, subject);
  if (input.settings.signAssertions) assertion = signEnveloped(assertion, 'Assertion', signer.key, signer.certificatePem);
  const response = responseEnvelope(input, STATUS.success, assertion);
  return input.settings.signResponse || !input.settings.signAssertions ? signEnveloped(response, 'Response', signer.key, signer.certificatePem) : response;
}

/** An error Response (e.g. NoPassive): never an Assertion, always signed. */
export function buildErrorResponse(input: ResponseInput, status: string, message: string, signer: Signer): string {
  return signEnveloped(responseEnvelope(input, status, '', message), 'Response', signer.key, signer.certificatePem);
}

export function transientNameId(): string {
  return `_${randomBytes(20).toString('hex')}`;
}
