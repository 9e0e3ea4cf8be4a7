// Step: read the fields the flow uses from the (verified) AuthnRequest element.
import { badRequest } from '../../http/errors.ts';
import { NS, childText } from '../xml/parse.ts';
import type { AuthnRequestData } from './types.ts';

const ID = /^[A-Za-z_][\w.-]{0,255}$/;

export function readAuthnRequest(root: Element, signed: boolean): AuthnRequestData {
  const id = root.getAttribute('ID') ?? '';
  if (!ID.test(id)) throw badRequest('AuthnRequest ID is not a valid xs:ID');
  if (root.getAttribute('Version') !== '2.0') throw badRequest('Only SAML 2.0 is supported');
  const issueInstant = new Date(root.getAttribute('IssueInstant') ?? '');
  if (Number.isNaN(issueInstant.getTime())) throw badRequest('AuthnRequest IssueInstant is invalid');
  const issuer = childText(root, NS.assertion, 'Issuer');
  if (!issuer) throw badRequest('AuthnRequest has no Issuer');
  const attr = (name: string) => (root.hasAttribute(name) ? root.getAttribute(name) ?? undefined : undefined);
  return {
    id,
    issueInstant,
    issuer,
    destination: attr('Destination'),
    acsUrl: attr('AssertionConsumerServiceURL'),
    protocolBinding: attr('ProtocolBinding'),
    forceAuthn: attr('ForceAuthn') === 'true' || attr('ForceAuthn') === '1',
    isPassive: attr('IsPassive') === 'true' || attr('IsPassive') === '1',
    signed,
  };
}
