// The CONTRACT §14 additions to POST/GET …/saml: encryption settings (certificate strength, the cross-field
// rule), several ACS endpoints (acs_urls next to acs_url) and what SP metadata import fills in for them.
import { X509Certificate } from 'node:crypto';
import { SAML } from '@node-saml/node-saml';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { type Res } from '../helpers/http.ts';
import { createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { ENABLE_SAML, freshSamlService, samlConfigOf } from '../helpers/saml.ts';
import { generateKeyPair } from '../helpers/saml-attacks.ts';
import { signingWith } from '../helpers/node-saml.ts';
import { rsaCertificate } from '../helpers/saml-xml.ts';

const GOOD = generateKeyPair('enc.example.com');
const SHORT_KEY_CERT = rsaCertificate(1024);
// A strong certificate with a weak one behind it: only the first would have been read.
const BUNDLE = rsaCertificate(2048) + SHORT_KEY_CERT;
const EXPONENT_3_CERT = rsaCertificate(2048, 3);
const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const fingerprint = (pem: unknown) => (typeof pem === 'string' ? new X509Certificate(pem).fingerprint256 : null);

describe.each(databases())('SAML configuration additions (CONTRACT §14) on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  const fieldsOf = (res: Res<unknown>, status = 400) => (expectError(res, status).details ?? []).map((d) => d.field);

  beforeAll(async () => {
    owner = await registerAdmin(srv.url, 'owner');
    await createOrg(owner);
  });

  describe('encryption', () => {
    it('encrypt_assertions without a certificate is a 400 naming encrypt_assertions; with one it is stored and shown', async () => {
      const t = await freshSamlService(owner);
      expect(fieldsOf(await owner.client.post(t.path(), { ...ENABLE_SAML, encrypt_assertions: true }))).toContain('encrypt_assertions');
      expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);
      expectStatus(
        await owner.client.post(t.path(), {
          ...ENABLE_SAML,
          encrypt_assertions: true,
          sp_encryption_certificate: GOOD.certPem,
          encryption_algorithm: 'aes256-cbc',
        }),
        200,
      );
      const cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      expect(cfg).toMatchObject({ encrypt_assertions: true, encryption_algorithm: 'aes256-cbc' });
      expect(fingerprint(cfg.sp_encryption_certificate)).toBe(new X509Certificate(GOOD.certPem).fingerprint256);
      // Removing the certificate while encryption stays on is refused: the merged result is what counts.
      expect(fieldsOf(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_encryption_certificate: null }))).toContain('encrypt_assertions');
      expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, encrypt_assertions: false, sp_encryption_certificate: null }), 200);
      expect(await samlConfigOf(owner, t.path())).toMatchObject({ encrypt_assertions: false, sp_encryption_certificate: null });
    });

    it.each([
      ['a 1024-bit key', SHORT_KEY_CERT, /at least 2048 bits/],
      ['exponent 3', EXPONENT_3_CERT, /exponent must be 65537/],
      ['not a certificate', 'not a pem', /not a PEM X.509 certificate/],
      ['two certificates, the second weak', BUNDLE, /one certificate/],
    ])('SECURITY 45: sp_encryption_certificate with %s is refused at configuration', async (_name, pem, message) => {
      const t = await freshSamlService(owner);
      const res = await owner.client.post(t.path(), { ...ENABLE_SAML, encrypt_assertions: true, sp_encryption_certificate: pem });
      const body = expectError(res, 400, 'BAD_REQUEST');
      expect(body.details?.map((d) => d.field)).toContain('sp_encryption_certificate');
      expect(body.error).toMatch(message);
      expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);
    });

    it.each([
      ['a 1024-bit key', SHORT_KEY_CERT, /at least 2048 bits/],
      ['not a certificate', 'not a pem', /not a PEM X.509 certificate/],
    ])('sp_metadata_signing_certificate with %s is refused without sp_metadata_url too', async (_name, pem, message) => {
      const t = await freshSamlService(owner);
      const res = await owner.client.post(t.path(), { ...ENABLE_SAML, sp_metadata_signing_certificate: pem });
      const body = expectError(res, 400, 'BAD_REQUEST');
      expect(body.details?.map((d) => d.field)).toContain('sp_metadata_signing_certificate');
      expect(body.error).toMatch(message);
      expect(await samlConfigOf(owner, t.path())).toMatchObject({ enabled: false, sp_metadata_signing_certificate: null });
      // A good one alone is stored (it pins the next metadata fetch), and null clears it.
      expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_metadata_signing_certificate: GOOD.certPem }), 200);
      const cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      expect(fingerprint(cfg.sp_metadata_signing_certificate)).toBe(new X509Certificate(GOOD.certPem).fingerprint256);
      expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_metadata_signing_certificate: null }), 200);
      expect(await samlConfigOf(owner, t.path())).toMatchObject({ sp_metadata_signing_certificate: null });
    });

    it('an unknown encryption_algorithm is a 400 naming it', async () => {
      const t = await freshSamlService(owner);
      const res = await owner.client.post(t.path(), { ...ENABLE_SAML, encryption_algorithm: 'tripledes-cbc' });
      expect(fieldsOf(res)).toContain('encryption_algorithm');
    });

    it('SP metadata import fills sp_encryption_certificate from KeyDescriptor use="encryption" (node-saml metadata), without turning encryption on', async () => {
      const signing = generateKeyPair('signing.example.com');
      const sp = new SAML({
        entryPoint: 'https://idp.invalid/sso',
        issuer: 'https://enc-md.example.com/sp',
        callbackUrl: 'https://enc-md.example.com/acs',
        idpCert: signing.certPem,
        // node-saml lists a certificate only for the keys it holds.
        decryptionPvk: GOOD.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        ...signingWith(signing),
      });
      const xml = sp.generateServiceProviderMetadata(GOOD.certPem, signing.certPem);
      expect(xml).toContain('use="encryption"');
      const t = await freshSamlService(owner);
      expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_xml: xml }), 200);
      const cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      expect(fingerprint(cfg.sp_encryption_certificate)).toBe(new X509Certificate(GOOD.certPem).fingerprint256);
      expect(fingerprint(cfg.sp_certificate)).toBe(new X509Certificate(signing.certPem).fingerprint256);
      expect(cfg.encrypt_assertions).toBe(false);
    });

    it('SP metadata with a weak encryption key is refused as a whole', async () => {
      const body = SHORT_KEY_CERT.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
      const xml =
        `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://weak.example.org/sp">` +
        `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
        `<md:AssertionConsumerService index="0" Binding="${POST}" Location="https://weak.example.org/acs"/></md:SPSSODescriptor></md:EntityDescriptor>`;
      const t = await freshSamlService(owner);
      const res = await owner.client.post(t.path(), { enabled: true, sp_metadata_xml: xml });
      expect(expectError(res, 400).error).toMatch(/encryption certificate: key must be at least 2048 bits/);
    });
  });

  describe('acs_urls', () => {
    const A = 'https://sp.example.com/acs-a';
    const B = 'https://sp.example.com/acs-b';
    const base = { enabled: true, entity_id: 'https://sp.example.com/metadata' };

    it('stored with their indexes; acs_url in GET is the default; no is_default → the first; acs_url alone later means one endpoint', async () => {
      const t = await freshSamlService(owner);
      expectStatus(
        await owner.client.post(t.path(), {
          ...base,
          acs_urls: [
            { url: A, binding: 'HTTP-POST', index: 1 },
            { url: B, index: 2, is_default: true },
          ],
        }),
        200,
      );
      let cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      expect(cfg.acs_url).toBe(B);
      expect(cfg.acs_urls).toEqual([
        { url: A, binding: 'HTTP-POST', index: 1, is_default: false },
        { url: B, binding: 'HTTP-POST', index: 2, is_default: true },
      ]);
      expectStatus(
        await owner.client.post(t.path(), {
          ...base,
          acs_urls: [
            { url: B, index: 9 },
            { url: A, index: 4 },
          ],
        }),
        200,
      );
      cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      expect(cfg.acs_url).toBe(B);
      expect((cfg.acs_urls as { is_default: boolean }[]).map((e) => e.is_default)).toEqual([true, false]);
      // Sent together, acs_url must be the default endpoint.
      expectStatus(await owner.client.post(t.path(), { ...base, acs_url: B, acs_urls: [{ url: B, index: 0 }] }), 200);
      expect(fieldsOf(await owner.client.post(t.path(), { ...base, acs_url: A, acs_urls: [{ url: B, index: 0 }] }))).toContain('acs_url');
      expectStatus(await owner.client.post(t.path(), { ...base, acs_url: A }), 200);
      cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      expect(cfg.acs_url).toBe(A);
      expect(cfg.acs_urls).toEqual([{ url: A, binding: 'HTTP-POST', index: 0, is_default: true }]);
    });

    it.each([
      [
        'a repeated index',
        [
          { url: A, index: 1 },
          { url: B, index: 1 },
        ],
      ],
      [
        'two defaults',
        [
          { url: A, index: 1, is_default: true },
          { url: B, index: 2, is_default: true },
        ],
      ],
      ['an index above 32767', [{ url: A, index: 32768 }]],
      ['a negative index', [{ url: A, index: -1 }]],
      ['the Redirect binding', [{ url: A, index: 0, binding: 'HTTP-Redirect' }]],
      ['a non-https URL', [{ url: 'http://sp.example.com/acs', index: 0 }]],
      ['a URL with a fragment', [{ url: `${A}#x`, index: 0 }]],
      ['an empty list', []],
      ['33 endpoints', Array.from({ length: 33 }, (_, i) => ({ url: `${A}/${i}`, index: i }))],
      ['an unknown field', [{ url: A, index: 0, extra: 1 }]],
    ])('%s is a 400 naming acs_urls (an unknown field with its path), nothing stored', async (name, list) => {
      const t = await freshSamlService(owner);
      const fields = fieldsOf(await owner.client.post(t.path(), { ...base, acs_urls: list }));
      expect(fields.join(',')).toMatch(/acs_urls/);
      if (name === 'an unknown field') expect(fields).toEqual(['acs_urls.0.extra']);
      expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);
    });

    it('SP metadata import fills every HTTP-POST endpoint with its index (Redirect ones left out); an explicit acs_url replaces them', async () => {
      const acs = (index: number, location: string, extra = '', binding = POST) =>
        `<md:AssertionConsumerService index="${index}" Binding="${binding}" Location="${location}"${extra}/>`;
      const xml =
        `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://multi.example.org/sp"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` +
        acs(0, 'https://multi.example.org/acs0', ' isDefault="false"') +
        acs(1, 'https://multi.example.org/redirect', '', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect') +
        acs(5, 'https://multi.example.org/acs5') +
        acs(2, 'https://multi.example.org/acs2') +
        `</md:SPSSODescriptor></md:EntityDescriptor>`;
      const t = await freshSamlService(owner);
      expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_xml: xml }), 200);
      const cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
      // No isDefault="true": the first endpoint not marked isDefault="false" is the default.
      expect(cfg.acs_url).toBe('https://multi.example.org/acs5');
      expect(cfg.acs_urls).toEqual([
        { url: 'https://multi.example.org/acs0', binding: 'HTTP-POST', index: 0, is_default: false },
        { url: 'https://multi.example.org/acs5', binding: 'HTTP-POST', index: 5, is_default: true },
        { url: 'https://multi.example.org/acs2', binding: 'HTTP-POST', index: 2, is_default: false },
      ]);
      expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_xml: xml, acs_url: 'https://multi.example.org/only' }), 200);
      expect(((await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>).acs_urls).toEqual([
        { url: 'https://multi.example.org/only', binding: 'HTTP-POST', index: 0, is_default: true },
      ]);
    });
  });
});
