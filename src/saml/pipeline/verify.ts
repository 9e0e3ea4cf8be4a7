// Step: parse (no DTD, bounded depth, schema-valid) and verify the signature with the configured SP
// certificate. Returns the root element to read from: for a POST-signed message, the signed XML itself.
// `required` defaults to want_authn_requests_signed (AuthnRequests); logout messages pass their own rule.
import { badRequest } from '../../http/errors.ts';
import { NS, parseSamlXml } from '../xml/parse.ts';
import { hasEnvelopedSignature, verifyEnvelopedSignature, verifyRedirectSignature } from '../xml/signature.ts';
import type { SchemaValidator } from '../xml/schema.ts';
import type { IncomingMessage, ResolvedService } from './types.ts';

export function parseAndVerify(xml: string, msg: IncomingMessage, target: ResolvedService, schema: SchemaValidator, expected: 'AuthnRequest' | 'LogoutRequest' | 'LogoutResponse', required = target.settings.wantAuthnRequestsSigned): { root: Element; signed: boolean } {
  const doc = parseSamlXml(xml, schema);
  const root = doc.documentElement;
  if (root.namespaceURI !== NS.protocol || root.localName !== expected) throw badRequest(`Expected a ${expected}`);
  const cert = target.settings.spCertificate;
  if (msg.binding === 'redirect') {
    if (hasEnvelopedSignature(doc)) throw badRequest('HTTP-Redirect messages carry their signature in the query string');
    const present = msg.rawParams.has('Signature') || msg.rawParams.has('SigAlg');
    if (!present && !required) return { root, signed: false };
    if (!cert) throw badRequest('Signed requests need an SP certificate in the SAML configuration');
    verifyRedirectSignature(msg.rawParams, expected === 'LogoutResponse' ? 'SAMLResponse' : 'SAMLRequest', cert);
    return { root, signed: true };
  }
  const present = hasEnvelopedSignature(doc);
  if (!present && !required) return { root, signed: false };
  if (!present) throw badRequest('The request must be signed');
  if (!cert) throw badRequest('Signed requests need an SP certificate in the SAML configuration');
  const signedXml = verifyEnvelopedSignature(xml, doc, cert);
  // From here on only the signed bytes are read (XSW defence).
  const verified = parseSamlXml(signedXml, schema).documentElement;
  if (verified.namespaceURI !== NS.protocol || verified.localName !== expected) throw badRequest(`Expected a signed ${expected}`);
  return { root: verified, signed: true };
}
