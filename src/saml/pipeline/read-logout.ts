// Step: read the fields Single Logout uses from the (verified) LogoutRequest or LogoutResponse element.
// Only a plain NameID identifies the principal (BaseID/EncryptedID are refused); every text read here
// refuses comments and processing instructions, so `alice@x.com<!---->.evil.com` never matches anyone.
import { badRequest } from '../../http/errors.ts';
import { NS, childText, children, plainText } from '../xml/parse.ts';
import type { LogoutRequestData, LogoutResponseData } from './types.ts';

const ID = /^[A-Za-z_][\w.-]{0,255}$/;
const SUCCESS = 'urn:oasis:names:tc:SAML:2.0:status:Success';
const MAX_SESSION_INDEXES = 20;

function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? el.getAttribute(name) ?? undefined : undefined;
}

function instant(value: string | undefined, what: string): Date {
  const d = new Date(value ?? '');
  if (Number.isNaN(d.getTime())) throw badRequest(`${what} is invalid`);
  return d;
}

/** ID, Version, IssueInstant, Issuer and Destination: common to both logout messages. */
function readCommon(root: Element, kind: string) {
  const id = root.getAttribute('ID') ?? '';
  if (!ID.test(id)) throw badRequest(`${kind} ID is not a valid xs:ID`);
  if (root.getAttribute('Version') !== '2.0') throw badRequest('Only SAML 2.0 is supported');
  const issuer = childText(root, NS.assertion, 'Issuer');
  if (!issuer) throw badRequest(`${kind} has no Issuer`);
  return { id, issueInstant: instant(attr(root, 'IssueInstant'), `${kind} IssueInstant`), issuer, destination: attr(root, 'Destination') };
}

export function readLogoutRequest(root: Element, signed: boolean): LogoutRequestData {
  const common = readCommon(root, 'LogoutRequest');
  if (children(root, NS.assertion, 'BaseID').length || children(root, NS.assertion, 'EncryptedID').length) throw badRequest('Only a plain NameID is supported in a LogoutRequest');
  const nameId = childText(root, NS.assertion, 'NameID');
  if (!nameId) throw badRequest('LogoutRequest has no NameID');
  const indexes = children(root, NS.protocol, 'SessionIndex').map(plainText).filter(Boolean);
  // The SessionIndex ties the request to one sign-in; without it a NameID alone would end every session.
  if (!indexes.length) throw badRequest('LogoutRequest has no SessionIndex');
  if (indexes.length > MAX_SESSION_INDEXES) throw badRequest('LogoutRequest has too many SessionIndex elements');
  const notOnOrAfter = attr(root, 'NotOnOrAfter');
  return {
    ...common,
    notOnOrAfter: notOnOrAfter === undefined ? undefined : instant(notOnOrAfter, 'LogoutRequest NotOnOrAfter'),
    nameId,
    sessionIndexes: [...new Set(indexes)],
    signed,
  };
}

export function readLogoutResponse(root: Element, signed: boolean): LogoutResponseData {
  const common = readCommon(root, 'LogoutResponse');
  const inResponseTo = attr(root, 'InResponseTo') ?? '';
  if (!ID.test(inResponseTo)) throw badRequest('LogoutResponse has no valid InResponseTo');
  const status = children(root, NS.protocol, 'Status')[0];
  const code = status ? children(status, NS.protocol, 'StatusCode')[0] : undefined;
  if (!code) throw badRequest('LogoutResponse has no StatusCode');
  return { ...common, inResponseTo, success: code.getAttribute('Value') === SUCCESS, signed };
}
