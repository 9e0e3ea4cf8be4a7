// Steps: read what Single Logout uses of the (verified) LogoutRequest or LogoutResponse, on top of the
// common header. Only a plain NameID identifies the principal (BaseID/EncryptedID are refused); every
// text read here refuses comments and processing instructions, so `alice@x.com<!---->.evil.com` never
// matches anyone.
import { NS, childText, children, plainText } from '../xml/parse.ts';
import { XS_ID, attr, instant, readHeader, type VerifiedRoot } from './reader.ts';
import { refuse } from './reasons.ts';
import type { LogoutRequestData, LogoutResponseData } from './types.ts';

const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const MAX_SESSION_INDEXES = 20;

export function readLogoutRequest({ root, signed }: VerifiedRoot): { message: LogoutRequestData } {
  const header = readHeader(root, 'LogoutRequest');
  if (children(root, NS.assertion, 'BaseID').length || children(root, NS.assertion, 'EncryptedID').length)
    throw refuse('malformed_request', 'Only a plain NameID is supported in a LogoutRequest');
  const nameId = childText(root, NS.assertion, 'NameID');
  if (!nameId) throw refuse('malformed_request', 'LogoutRequest has no NameID');
  const indexes = children(root, NS.protocol, 'SessionIndex').map(plainText).filter(Boolean);
  // The SessionIndex ties the request to one sign-in; without it a NameID alone would end every session.
  if (!indexes.length) throw refuse('malformed_request', 'LogoutRequest has no SessionIndex');
  if (indexes.length > MAX_SESSION_INDEXES) throw refuse('malformed_request', 'LogoutRequest has too many SessionIndex elements');
  const notOnOrAfter = attr(root, 'NotOnOrAfter');
  return {
    message: {
      ...header,
      notOnOrAfter: notOnOrAfter === undefined ? undefined : instant(notOnOrAfter, 'LogoutRequest NotOnOrAfter'),
      nameId,
      sessionIndexes: [...new Set(indexes)],
      signed,
    },
  };
}

export function readLogoutResponse({ root, signed }: VerifiedRoot): { message: LogoutResponseData } {
  const header = readHeader(root, 'LogoutResponse');
  const inResponseTo = attr(root, 'InResponseTo') ?? '';
  if (!XS_ID.test(inResponseTo)) throw refuse('malformed_request', 'LogoutResponse has no valid InResponseTo');
  const status = children(root, NS.protocol, 'Status')[0];
  const code = status ? children(status, NS.protocol, 'StatusCode')[0] : undefined;
  if (!code) throw refuse('malformed_request', 'LogoutResponse has no StatusCode');
  return { message: { ...header, inResponseTo, success: code.getAttribute('Value') === SUCCESS, signed } };
}
