// What both signing paths (canonical-sign.ts, signature.ts) share, kept below them so neither imports
// the other: the algorithm identifiers and the certificate body that goes into ds:X509Certificate.

export const ALG = {
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha384: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

const bodies = new Map<string, string>();
/** Base64 body of a PEM certificate (what goes into ds:X509Certificate), computed once per certificate. */
export function certificateBody(pem: string): string {
  let body = bodies.get(pem);
  if (!body) {
    body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    if (bodies.size > 1000) bodies.clear();
    bodies.set(pem, body);
  }
  return body;
}
