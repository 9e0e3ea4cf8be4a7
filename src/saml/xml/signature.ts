// XML signatures: the only place xml-crypto and crypto.verify meet SAML messages.
// Verification returns the verified content, never a boolean (docs/architecture.md, convention 5): callers read
// values only from what was signed. KeyInfo in a message is ignored; only the configured SP
// certificate verifies.
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { refuse } from '../pipeline/reasons.ts';
import { NS, documentRoot } from './parse.ts';
import { ALG, certificateBody } from './dsig-common.ts';

const SIG_HASH: Record<string, string> = { [ALG.rsaSha256]: 'sha256', [ALG.rsaSha384]: 'sha384', [ALG.rsaSha512]: 'sha512' };
const STRONG_DIGESTS = new Set([ALG.sha256, 'http://www.w3.org/2001/04/xmldsig-more#sha384', 'http://www.w3.org/2001/04/xmlenc#sha512']);

/** True when the message carries an enveloped signature at all (to decide whether to verify). */
export function hasEnvelopedSignature(doc: Document): boolean {
  return doc.getElementsByTagNameNS(NS.dsig, 'Signature').length > 0;
}

/**
 * Verifies the single enveloped signature of the root element with the SP certificate and returns the
 * signed (canonical) XML of that root. Wrapping tricks fail here: more than one Signature, a Signature
 * that is not a direct child of the root, a reference other than "#<root ID>", duplicate IDs.
 */
export function verifyEnvelopedSignature(xml: string, doc: Document, spCertificatePem: string): string {
  const root = documentRoot(doc);
  if (!root) throw refuse('malformed_request', 'SAML message has no root');
  const signatures = doc.getElementsByTagNameNS(NS.dsig, 'Signature');
  if (signatures.length !== 1) throw refuse('bad_signature', 'SAML message must carry exactly one signature');
  const signature = signatures.item(0) as Element;
  if (signature.parentNode !== root) throw refuse('bad_signature', 'The signature must be a direct child of the signed message');
  const rootId = root.getAttribute('ID');
  if (!rootId) throw refuse('bad_signature', 'The signed message has no ID');
  let sameId = 0;
  const all = doc.getElementsByTagName('*');
  for (let i = 0; i < all.length; i++) {
    const el = all.item(i) as Element;
    for (const attr of ['ID', 'Id', 'id']) if (el.getAttribute(attr) === rootId) sameId++;
  }
  if (sameId !== 1) throw refuse('bad_signature', 'Duplicate ID in the signed message');

  const sx = new SignedXml({ publicCert: spCertificatePem, getCertFromKeyInfo: () => null });
  try {
    sx.loadSignature(signature);
  } catch {
    throw refuse('bad_signature', 'The signature could not be read');
  }
  if (!SIG_HASH[sx.signatureAlgorithm ?? ''])
    throw refuse('weak_algorithm', 'Signature algorithm must be RSA-SHA256 or stronger', { received: sx.signatureAlgorithm });
  const refs = sx.getReferences();
  if (refs.length !== 1 || refs[0]?.uri !== `#${rootId}`) throw refuse('bad_signature', 'The signature must reference the whole message');
  if (!STRONG_DIGESTS.has(refs[0].digestAlgorithm))
    throw refuse('weak_algorithm', 'Digest algorithm must be SHA-256 or stronger', { received: refs[0].digestAlgorithm });
  let valid: boolean;
  try {
    valid = sx.checkSignature(xml);
  } catch {
    valid = false;
  }
  const signed = valid ? sx.getSignedReferences() : [];
  if (signed.length !== 1 || !signed[0]) throw refuse('bad_signature', 'Signature verification failed');
  return signed[0];
}

/** Splits a raw query string into raw (still URL-encoded) values; a repeated parameter is refused. */
export function rawQueryParams(rawQuery: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const name = decodeQueryComponent(eq === -1 ? part : part.slice(0, eq));
    if (out.has(name)) throw refuse('malformed_request', `Query parameter ${name} appears more than once`);
    out.set(name, eq === -1 ? '' : part.slice(eq + 1));
  }
  return out;
}

export function decodeQueryComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw refuse('malformed_request', 'Malformed query string');
  }
}

/**
 * HTTP-Redirect binding signature (SAML bindings §3.4.4.1): computed over the query bytes exactly as
 * received — `SAMLRequest=…[&RelayState=…]&SigAlg=…` — with the SP certificate.
 */
export function verifyRedirectSignature(params: Map<string, string>, messageParam: 'SAMLRequest' | 'SAMLResponse', spCertificatePem: string): void {
  const message = params.get(messageParam);
  const sigAlgRaw = params.get('SigAlg');
  const sigRaw = params.get('Signature');
  if (message === undefined || sigAlgRaw === undefined || sigRaw === undefined) {
    // Neither part: an unsigned message; only one of them: a signature that cannot be checked.
    throw refuse(sigAlgRaw === undefined && sigRaw === undefined ? 'unsigned_request' : 'bad_signature', 'The request must be signed (SigAlg and Signature)');
  }
  const sigAlg = decodeQueryComponent(sigAlgRaw);
  const hash = SIG_HASH[sigAlg];
  if (!hash) throw refuse('weak_algorithm', 'Signature algorithm must be RSA-SHA256 or stronger', { received: sigAlg });
  const relay = params.get('RelayState');
  const signedText = `${messageParam}=${message}${relay !== undefined ? `&RelayState=${relay}` : ''}&SigAlg=${sigAlgRaw}`;
  let ok: boolean;
  try {
    ok = cryptoVerify(hash, Buffer.from(signedText, 'utf8'), spCertificatePem, Buffer.from(decodeQueryComponent(sigRaw), 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw refuse('bad_signature', 'Signature verification failed');
}

/** Signs the element named `local` (the root or a child found by XPath) with an enveloped signature after its Issuer. */
export function signEnveloped(
  xml: string,
  local: 'Assertion' | 'Response' | 'LogoutRequest' | 'LogoutResponse',
  key: KeyObject,
  certificatePem: string,
): string {
  const keyInfo = `<ds:X509Data><ds:X509Certificate>${certificateBody(certificatePem)}</ds:X509Certificate></ds:X509Data>`;
  const sx = new SignedXml({ privateKey: key, signatureAlgorithm: ALG.rsaSha256, canonicalizationAlgorithm: ALG.excC14n, getKeyInfoContent: () => keyInfo });
  const path = `/*[local-name(.)='${local}']`;
  sx.addReference({ xpath: path, transforms: [ALG.enveloped, ALG.excC14n], digestAlgorithm: ALG.sha256 });
  sx.computeSignature(xml, { prefix: 'ds', location: { reference: `${path}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sx.getSignedXml();
}
