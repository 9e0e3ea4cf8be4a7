// Enveloped signatures over XML that Tessera writes itself, without re-parsing it. The templates in
// response.ts are written in exclusive-canonical form (namespace declarations where exc-c14n renders
// them, attributes in canonical order, empty elements expanded, canonical escaping), so the bytes of
// an element ARE its canonical form: the digest is taken over the string, the SignedInfo is built in
// canonical form too, and only the RSA signature remains. xml-crypto still signs everything else
// (LogoutRequest/LogoutResponse); node-saml, samlify and xmlsec1 verify the results in the tests.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { ALG, certificateBody } from './dsig-common.ts';
import { xmlChars } from './escape.ts';

const DS = 'http://www.w3.org/2000/09/xmldsig#';

/** Text content as exclusive canonicalization writes it. */
export function c14nText(value: string): string {
  return xmlChars(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

/** An attribute value as exclusive canonicalization writes it. */
export function c14nAttr(value: string): string {
  return xmlChars(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/**
 * Signs `canonicalXml` (one element, already in exclusive-canonical form, whose ID is `id`) with an
 * enveloped RSA-SHA256 signature placed right after its first `</saml:Issuer>`.
 */
export function signCanonical(canonicalXml: string, id: string, key: KeyObject, certificatePem: string): string {
  const digest = createHash('sha256').update(canonicalXml, 'utf8').digest('base64');
  const inner =
    `<ds:CanonicalizationMethod Algorithm="${ALG.excC14n}"></ds:CanonicalizationMethod>` +
    `<ds:SignatureMethod Algorithm="${ALG.rsaSha256}"></ds:SignatureMethod>` +
    `<ds:Reference URI="#${c14nAttr(id)}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${ALG.enveloped}"></ds:Transform><ds:Transform Algorithm="${ALG.excC14n}"></ds:Transform>` +
    `</ds:Transforms><ds:DigestMethod Algorithm="${ALG.sha256}"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference>`;
  // Canonicalised on its own, SignedInfo carries the ds declaration it inherits inside Signature.
  const signedInfoCanonical = `<ds:SignedInfo xmlns:ds="${DS}">${inner}</ds:SignedInfo>`;
  const value = sign('sha256', Buffer.from(signedInfoCanonical, 'utf8'), key).toString('base64');
  const signature =
    `<ds:Signature xmlns:ds="${DS}"><ds:SignedInfo>${inner}</ds:SignedInfo><ds:SignatureValue>${value}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certificateBody(certificatePem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>`;
  const at = canonicalXml.indexOf('</saml:Issuer>');
  if (at === -1) throw new Error('signCanonical: no Issuer to place the signature after');
  const cut = at + '</saml:Issuer>'.length;
  return canonicalXml.slice(0, cut) + signature + canonicalXml.slice(cut);
}
