// The EncryptedAssertion encrypt.ts writes (its EncryptedData is written directly, see the reason there):
// in exclusive-canonical form as written, the same structure xml-encryption writes, and decrypted by
// xml-encryption to the Assertion, for each content algorithm. SP interoperability (node-saml, xmlsec1)
// is test/interop/saml-encryption.test.ts.
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import xmlenc from 'xml-encryption';
import { describe, expect, it } from 'vitest';
import { createSealer } from '../../security/encryption.ts';
import { generateCertificate } from '../certificates.ts';
import { ENCRYPTION_ALGORITHMS, ENCRYPTION_ALGORITHM_NAMES, KEY_TRANSPORT, encryptAssertion } from './encrypt.ts';

const sealer = createSealer('encrypt-test-key-material');
const sp = await generateCertificate(sealer, { organization: 'SP', service: 'Encryption' });
const spKeyPem = sealer.open(sp.encryptedPrivateKey, sp.id);
const ASSERTION =
  '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" IssueInstant="2026-12-05T12:00:00Z" Version="2.0">' +
  '<saml:Issuer>https://idp.example/é</saml:Issuer><saml:Subject><saml:NameID>user@example.com</saml:NameID></saml:Subject></saml:Assertion>';

const c14n = new ExclusiveCanonicalization();
function canonical(xml: string): string {
  const root = new DOMParser().parseFromString(xml, 'text/xml').documentElement;
  return c14n.process(root, {});
}
/** The structure without the values that differ on every call. */
const shape = (xml: string) => canonical(xml).replace(/(<(?:\w+:)?CipherValue>)[^<]+/g, '$1…');

function decrypt(xml: string): Promise<string> {
  return new Promise((resolve, reject) => {
    xmlenc.decrypt(
      xml,
      { key: spKeyPem, disallowDecryptionWithInsecureAlgorithm: false, warnInsecureAlgorithm: false },
      (err: Error | null, result: string) => {
        if (err) reject(err);
        else resolve(result);
      },
    );
  });
}

function libraryEncrypt(algorithm: (typeof ENCRYPTION_ALGORITHMS)[keyof typeof ENCRYPTION_ALGORITHMS]): Promise<string> {
  return new Promise((resolve, reject) => {
    xmlenc.encrypt(
      ASSERTION,
      {
        rsa_pub: sp.certificatePem,
        pem: sp.certificatePem,
        encryptionAlgorithm: algorithm,
        keyEncryptionAlgorithm: KEY_TRANSPORT,
        disallowEncryptionWithInsecureAlgorithm: false,
        warnInsecureAlgorithm: false,
      },
      (err: Error | null, result: string) => {
        if (err) reject(err);
        else resolve(result);
      },
    );
  });
}

describe.each(ENCRYPTION_ALGORITHM_NAMES)('encryptAssertion with %s', (algorithm) => {
  const out = encryptAssertion(ASSERTION, sp.certificatePem, algorithm);

  it('is in exclusive-canonical form as written, with no plaintext', () => {
    expect(canonical(out)).toBe(out);
    expect(out).not.toContain('user@example.com');
  });

  it('has the structure xml-encryption writes', async () => {
    const library = await libraryEncrypt(ENCRYPTION_ALGORITHMS[algorithm]);
    const inner = /<xenc:EncryptedData[^]*<\/xenc:EncryptedData>/.exec(out)?.[0] ?? '';
    expect(shape(inner)).toBe(shape(library.trim().replace(/>\s+</g, '><')));
  });

  it('decrypts to the Assertion, with a fresh key and IV each time', async () => {
    const data = (xml: string) => /<xenc:EncryptedData[^]*<\/xenc:EncryptedData>/.exec(xml)?.[0] ?? '';
    expect(await decrypt(data(out))).toBe(ASSERTION);
    const again = encryptAssertion(ASSERTION, sp.certificatePem, algorithm);
    expect(again).not.toBe(out);
    expect(await decrypt(data(again))).toBe(ASSERTION);
  });
});
