// Self-signed X.509 certificates for IdP signing keys: RSA-2048 (e = 65537) via node-forge, which uses
// Node's native key generation when available, SHA-256, a random positive 128-bit serial, validFrom a
// minute in the past (clock skew at the SP). node-forge makes keys and certificates only; every
// signature Tessera checks is verified with node:crypto.
import { randomBytes } from 'node:crypto';
import type forge from 'node-forge';
import { onFirstUse } from '../lazy.ts';

/**
 * node-forge is loaded by the first certificate made, not at start-up: it is only needed when a service
 * gets a signing key, and its modules took 40-90 ms of the time to listen. Node hands this CommonJS
 * module to import() as `default` alone (`module.exports = forge` names nothing Node can see), while its
 * types declare named exports: hence the one cast.
 */
const loadForge = onFirstUse(() => import('node-forge').then((m) => (m as unknown as { default: typeof forge }).default));

export interface CertificateSubject {
  commonName: string;
  organization: string;
  unit: string;
}
export interface MadeCertificate {
  certificatePem: string;
  privateKeyPem: string;
  validFrom: Date;
  validUntil: Date;
}

export async function selfSignedCertificate(subject: CertificateSubject, years: number): Promise<MadeCertificate> {
  const forge = await loadForge();
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f; // leading byte < 0x80: a positive INTEGER
  cert.serialNumber = serial.toString('hex');
  const validFrom = new Date(Date.now() - 60_000);
  const validUntil = new Date(validFrom);
  validUntil.setUTCFullYear(validUntil.getUTCFullYear() + years);
  cert.validity.notBefore = validFrom;
  cert.validity.notAfter = validUntil;
  // UTF8String, which RFC 5280 prefers for names: node-forge's default, PrintableString, holds only
  // letters, digits and a few marks: it wrote an organization named "名前 🎉" as invalid DER that no SP
  // could load, and "R&D" outside what the type allows, which strict parsers refuse. forge encodes the value to UTF-8 itself for this tag. Its types declare
  // the field as an asn1.Class, though forge reads it as the value's universal type (asn1.Type): hence
  // the one cast, which the enum lint rule would otherwise refuse.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
  const utf8 = forge.asn1.Type.UTF8 as number as forge.asn1.Class;
  const attrs: forge.pki.CertificateField[] = [
    { name: 'commonName', value: subject.commonName, valueTagClass: utf8 },
    { name: 'organizationName', value: subject.organization, valueTagClass: utf8 },
    { shortName: 'OU', value: subject.unit, valueTagClass: utf8 },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: forge.pki.privateKeyToPem(keys.privateKey), validFrom, validUntil };
}
