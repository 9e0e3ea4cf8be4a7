// XML Encryption of a signed Assertion for one SP (CONTRACT §14): xml-encryption does the cipher work and
// writes the EncryptedData (a fresh content key per Assertion, wrapped with RSA-OAEP mgf1p to the SP's
// certificate). Its output is not in canonical form (self-closed elements, indentation), and the Response
// around it may be signed by canonical-sign.ts, which digests the bytes as written: so the EncryptedData is
// re-parsed once and written out in exclusive-canonical form before it goes into the Response.
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import xmlenc, { type EncryptOptions } from 'xml-encryption';
import { documentRoot } from './parse.ts';

export const ENCRYPTION_ALGORITHMS = {
  'aes256-gcm': 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  'aes128-gcm': 'http://www.w3.org/2009/xmlenc11#aes128-gcm',
  'aes256-cbc': 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
} as const;
export type EncryptionAlgorithm = keyof typeof ENCRYPTION_ALGORITHMS;
export const ENCRYPTION_ALGORITHM_NAMES = Object.keys(ENCRYPTION_ALGORITHMS) as [EncryptionAlgorithm, ...EncryptionAlgorithm[]];
export const KEY_TRANSPORT = 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p';

const SAML_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
function encrypt(content: string, options: EncryptOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    xmlenc.encrypt(content, options, (err: Error | null, result: string) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}
const c14n = new ExclusiveCanonicalization();

/**
 * `<saml:EncryptedAssertion>` holding `assertionXml` encrypted for `certificatePem`, in exclusive-canonical
 * form (it declares its own namespaces, so it reads the same wherever it is placed).
 */
export async function encryptAssertion(assertionXml: string, certificatePem: string, algorithm: EncryptionAlgorithm): Promise<string> {
  const encrypted = await encrypt(assertionXml, {
    rsa_pub: certificatePem,
    pem: certificatePem,
    encryptionAlgorithm: ENCRYPTION_ALGORITHMS[algorithm],
    // OAEP with SHA-1 inside mgf1p is what every SP library decrypts (node-saml's xml-encryption 3.x
    // cannot unwrap an OAEP-SHA256 digest with MGF1-SHA1); SHA-1 there is not a collision use.
    keyEncryptionAlgorithm: KEY_TRANSPORT,
    // aes256-cbc is offered only for SPs without GCM, on the admin's explicit choice: the library's
    // refusal and its console warning would otherwise block or clutter that choice.
    disallowEncryptionWithInsecureAlgorithm: false,
    warnInsecureAlgorithm: false,
  });
  // The library's template indents between elements only (every text node is base64), so whitespace
  // between tags carries nothing.
  const doc = new DOMParser().parseFromString(encrypted.trim().replace(/>\s+</g, '><'), 'text/xml');
  const encryptedData = documentRoot(doc);
  if (!encryptedData) throw new Error('xml-encryption produced no EncryptedData');
  return `<saml:EncryptedAssertion xmlns:saml="${SAML_NS}">${c14n.process(encryptedData, {})}</saml:EncryptedAssertion>`;
}
