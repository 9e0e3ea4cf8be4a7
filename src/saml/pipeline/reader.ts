// The one reader under read-request.ts and read-logout.ts: what every message the IdP takes has in
// common (ID, Version, IssueInstant, Issuer, Destination) and the attribute helpers they build on.
// It reads only the root it is given, which verify.ts made the verified one when the message is signed.
import { NS, childText, xsBoolean } from '../xml/parse.ts';
import { refuse } from './reasons.ts';
import type { MessageHeader, MessageKind } from './types.ts';

export const XS_ID = /^[A-Za-z_][\w.-]{0,255}$/;

/** Verified steps hand these on to the readers. */
export interface VerifiedRoot {
  root: Element;
  signed: boolean;
}

/** An attribute's value, undefined when absent (xmldom's getAttribute answers '' for both). */
export function attr(el: Element, name: string): string | undefined {
  return el.hasAttribute(name) ? (el.getAttribute(name) ?? undefined) : undefined;
}

/** An xs:boolean attribute: absent is false. */
export function flag(el: Element, name: string): boolean {
  return xsBoolean(attr(el, name)) === true;
}

/** A date-time attribute the schema let through that JavaScript still cannot read is refused. */
export function instant(value: string | undefined, what: string): Date {
  const d = new Date(value ?? '');
  if (Number.isNaN(d.getTime())) throw refuse('malformed_request', `${what} is invalid`);
  return d;
}

export function readHeader(root: Element, kind: MessageKind): MessageHeader {
  const id = root.getAttribute('ID') ?? '';
  if (!XS_ID.test(id)) throw refuse('malformed_request', `${kind} ID is not a valid xs:ID`);
  if (root.getAttribute('Version') !== '2.0') throw refuse('malformed_request', 'Only SAML 2.0 is supported');
  const issueInstant = instant(attr(root, 'IssueInstant'), `${kind} IssueInstant`);
  const issuer = childText(root, NS.assertion, 'Issuer');
  if (!issuer) throw refuse('malformed_request', `${kind} has no Issuer`);
  return { id, issueInstant, issuer, destination: attr(root, 'Destination') };
}
