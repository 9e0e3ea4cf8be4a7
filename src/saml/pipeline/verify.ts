// Step: parse (no DTD, bounded depth, schema-valid) and verify the signature with the configured SP
// certificate. Gives the root element to read from: for a POST-signed message, the signed XML itself.
// Whether an unsigned message passes is the endpoint's rule (`signingRequired`, see index.ts/logout.ts).
import { NS, parseSamlXml } from '../xml/parse.ts';
import { hasEnvelopedSignature, verifyEnvelopedSignature, verifyRedirectSignature } from '../xml/signature.ts';
import { refuse } from './reasons.ts';
import type { Inbound } from './types.ts';

type Input = Pick<Inbound, 'incoming' | 'target' | 'saml' | 'kind' | 'signingRequired'> & { xml: string };
type Verified = { root: Element; signed: boolean };

const noCertificate = () => refuse('no_sp_certificate', 'Signed requests need an SP certificate in the SAML configuration');

export function parseAndVerify({ xml, incoming, target, saml, kind, signingRequired }: Input): Verified {
  const doc = parseSamlXml(xml, saml.schema);
  const root = doc.documentElement;
  if (root.namespaceURI !== NS.protocol || root.localName !== kind)
    throw refuse('malformed_request', `Expected a ${kind}`, { received: root.localName, expected: kind });
  const cert = target.settings.spCertificate;
  if (incoming.binding === 'redirect') {
    if (hasEnvelopedSignature(doc)) throw refuse('bad_signature', 'HTTP-Redirect messages carry their signature in the query string');
    const present = incoming.rawParams.has('Signature') || incoming.rawParams.has('SigAlg');
    if (!present && !signingRequired) return { root, signed: false };
    if (!cert) throw noCertificate();
    verifyRedirectSignature(incoming.rawParams, kind === 'LogoutResponse' ? 'SAMLResponse' : 'SAMLRequest', cert);
    return { root, signed: true };
  }
  const present = hasEnvelopedSignature(doc);
  if (!present && !signingRequired) return { root, signed: false };
  if (!present) throw refuse('unsigned_request', 'The request must be signed');
  if (!cert) throw noCertificate();
  const signedXml = verifyEnvelopedSignature(xml, doc, cert);
  // From here on only the signed bytes are read (XSW defence).
  const verified = parseSamlXml(signedXml, saml.schema).documentElement;
  if (verified.namespaceURI !== NS.protocol || verified.localName !== kind) throw refuse('bad_signature', `Expected a signed ${kind}`);
  return { root: verified, signed: true };
}
