// Encrypted assertions (CONTRACT §14, SECURITY.md 45), proven by independent decryption for each content
// algorithm: @node-saml/node-saml with decryptionPvk validates the Response and reads NameID and attributes;
// the xmlsec1 command line decrypts with the SP key and then verifies the decrypted Assertion's signature
// pinned to the IdP certificate; the raw Response carries neither the NameID nor any attribute value.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { CookieJar, browserFetch, completeSignIn, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { nodeSamlSp, spEnd } from '../helpers/node-saml.ts';
import { generateKeyPair, type KeyPair } from '../helpers/saml-attacks.ts';
import { createKey, createPlan } from '../helpers/fixtures.ts';
import { Client } from '../helpers/http.ts';
import { protocolSchemaError } from '../helpers/saml-xml.ts';

const ALGORITHMS = [
  ['aes256-gcm', 'http://www.w3.org/2009/xmlenc11#aes256-gcm'],
  ['aes128-gcm', 'http://www.w3.org/2009/xmlenc11#aes128-gcm'],
  ['aes256-cbc', 'http://www.w3.org/2001/04/xmlenc#aes256-cbc'],
] as const;
const SP_KEYS: KeyPair = generateKeyPair('encryption.sp.example.com');
const SP_KEY_PEM = SP_KEYS.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function xmlsec(args: string[], files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'xmlsec-enc-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return execFileSync(
    'xmlsec1',
    args.map((a) => (a in files ? join(dir, a) : a)),
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** xmlsec1 --decrypt with the SP's private key: the Response with the Assertion in place of EncryptedData. */
function xmlsecDecrypt(xml: string): string {
  return xmlsec(['--decrypt', '--privkey-pem', 'sp.key', 'r.xml'], { 'sp.key': SP_KEY_PEM, 'r.xml': xml });
}

function xmlsecVerify(xml: string, certPem: string, node: 'Response' | 'Assertion'): string {
  const id = node === 'Response' ? 'urn:oasis:names:tc:SAML:2.0:protocol:Response' : 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion';
  return xmlsec(
    [
      '--verify',
      '--enabled-key-data',
      'x509',
      '--pubkey-cert-pem',
      'cert.pem',
      '--id-attr:ID',
      id,
      '--node-xpath',
      `//*[local-name()='${node}']/*[local-name()='Signature']`,
      'r.xml',
    ],
    { 'cert.pem': certPem, 'r.xml': xml },
  );
}

async function encryptedWorld(base: string, algorithm?: string, extra: Record<string, unknown> = {}): Promise<SamlWorld> {
  return samlWorld(base, {
    encrypt_assertions: true,
    sp_encryption_certificate: SP_KEYS.certPem,
    ...(algorithm ? { encryption_algorithm: algorithm } : {}),
    ...extra,
  });
}

async function signIn(world: SamlWorld, extra: Parameters<typeof nodeSamlSp>[1] = {}) {
  const saml = nodeSamlSp(spEnd(world), { decryptionPvk: SP_KEY_PEM, ...extra });
  const jar = new CookieJar();
  const first = await browserFetch(jar, await saml.getAuthorizeUrlAsync('enc-relay', undefined, {}));
  return { saml, resp: samlResponseFrom(await completeSignIn(world, jar, first)) };
}

describe.each(databases())('encrypted assertions on $name', (factory) => {
  const srv = suiteServer(factory);

  it.each(ALGORITHMS)('%s: node-saml decrypts and validates; xmlsec1 decrypts and verifies the Assertion; nothing in clear', async (name, uri) => {
    const world = await encryptedWorld(srv.url, name);
    const planName = `Plan-${name}-secret-value`;
    const planId = await createPlan(world.admin, world.org, world.svc.slug, planName, ['feature-alpha-x', 'feature-beta-y']);
    const key = await createKey(world.admin, world.org, world.svc.slug, ['write:users', 'write:subscriptions']);
    const api = new Client(srv.url).apiKey(key.key);
    expect((await api.post('/api/service/users', { email: world.userEmail })).status).toBe(200);
    expect((await api.post('/api/service/subscriptions', { user_id: world.userId, plan_id: planId })).status).toBe(200);

    const { saml, resp } = await signIn(world);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse, RelayState: resp.RelayState ?? '' });
    expect(profile?.nameID).toBe(world.userEmail);
    expect(profile?.email).toBe(world.userEmail);
    expect(profile?.uid).toBe(world.userId);
    expect(profile?.plan).toBe(planName);
    expect(profile?.features).toEqual(['feature-alpha-x', 'feature-beta-y']);

    // SECURITY.md 45: the Response on the wire carries none of it in clear.
    const raw = resp.xml;
    expect(raw).toContain('<saml:EncryptedAssertion');
    expect(raw).toContain(`Algorithm="${uri}"`);
    expect(raw).toContain('Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"');
    expect(raw).not.toContain('<saml:Assertion');
    for (const secret of [world.userEmail, world.userId, planName, 'feature-alpha-x', 'feature-beta-y', 'NameID', 'AttributeValue'])
      expect(raw).not.toContain(secret);
    expect(protocolSchemaError(raw)).toBeNull();
    // The Response signature covers the EncryptedAssertion.
    expect(xmlsecVerify(raw, world.idpCertPem, 'Response')).toBe('');

    const decrypted = xmlsecDecrypt(raw);
    expect(decrypted).toContain('<saml:Assertion');
    expect(decrypted).toContain(world.userEmail);
    expect(decrypted).not.toContain('EncryptedData');
    expect(xmlsecVerify(decrypted, world.idpCertPem, 'Assertion')).toBe('');
  });

  it('the default algorithm is aes256-gcm, shown by GET; an SP without the key cannot read the Assertion', async () => {
    const world = await encryptedWorld(srv.url);
    const cfg = await world.admin.client.get<Record<string, unknown>>(`/api/organizations/${world.org}/services/${world.svc.slug}/saml`);
    expect(cfg.body).toMatchObject({
      encrypt_assertions: true,
      encryption_algorithm: 'aes256-gcm',
    });
    expect(String(cfg.body.sp_encryption_certificate)).toContain('BEGIN CERTIFICATE');
    const { resp } = await signIn(world);
    expect(resp.xml).toContain('Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"');
    const other = generateKeyPair('other.sp.example.com');
    const wrongKey = nodeSamlSp(spEnd(world), { decryptionPvk: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    await expect(wrongKey.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse })).rejects.toThrow();
  });

  it('sign_assertions only (Response unsigned): the decrypted Assertion verifies and node-saml accepts it', async () => {
    const world = await encryptedWorld(srv.url, 'aes128-gcm', { sign_response: false });
    const { saml, resp } = await signIn(world, { wantAuthnResponseSigned: false });
    expect(resp.xml.match(/<ds:Signature /g) ?? []).toHaveLength(0);
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    expect(profile?.nameID).toBe(world.userEmail);
    expect(xmlsecVerify(xmlsecDecrypt(resp.xml), world.idpCertPem, 'Assertion')).toBe('');
  });

  it('sign_assertions: false with encryption: the Assertion is still signed before encryption (CONTRACT §14), and node-saml wanting it signed accepts it', async () => {
    const world = await encryptedWorld(srv.url, 'aes256-gcm', { sign_assertions: false, sign_response: true });
    const cfg = await world.admin.client.get<Record<string, unknown>>(`/api/organizations/${world.org}/services/${world.svc.slug}/saml`);
    expect(cfg.body).toMatchObject({ sign_assertions: false, sign_response: true, encrypt_assertions: true });
    const { saml, resp } = await signIn(world, { wantAssertionsSigned: true, wantAuthnResponseSigned: true });
    expect(resp.xml).toContain('<saml:EncryptedAssertion');
    expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Response')).toBe('');
    const decrypted = xmlsecDecrypt(resp.xml);
    expect(decrypted).toMatch(/<saml:Assertion [^>]*>.*<ds:Signature /s);
    expect(xmlsecVerify(decrypted, world.idpCertPem, 'Assertion')).toBe('');
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    expect(profile?.nameID).toBe(world.userEmail);
  });

  it('turning encryption on leaves the IdP metadata byte for byte as it was: no encryption key or method is published', async () => {
    const world = await samlWorld(srv.url, {});
    const before = await fetch(world.urls.metadata);
    expect(before.status).toBe(200);
    const beforeXml = await before.text();
    const path = `/api/organizations/${world.org}/services/${world.svc.slug}/saml`;
    const on = await world.admin.client.post(path, {
      enabled: true,
      entity_id: 'https://sp.example.com/metadata',
      acs_url: 'http://localhost:4567/saml/acs',
      encrypt_assertions: true,
      sp_encryption_certificate: SP_KEYS.certPem,
    });
    expect(on.status, on.text).toBe(200);
    expect((await world.admin.client.get<Record<string, unknown>>(path)).body).toMatchObject({ encrypt_assertions: true });
    const afterXml = await (await fetch(world.urls.metadata)).text();
    expect(afterXml).toBe(beforeXml);
    expect(afterXml).toContain('use="signing"');
    expect(afterXml).not.toContain('use="encryption"');
    expect(afterXml).not.toContain('EncryptionMethod');
  });

  it('encrypt_assertions: false again sends the Assertion in clear', async () => {
    const world = await encryptedWorld(srv.url);
    const path = `/api/organizations/${world.org}/services/${world.svc.slug}/saml`;
    const off = await world.admin.client.post(path, {
      enabled: true,
      entity_id: 'https://sp.example.com/metadata',
      acs_url: 'http://localhost:4567/saml/acs',
      encrypt_assertions: false,
    });
    expect(off.status).toBe(200);
    const { saml, resp } = await signIn(world);
    expect(resp.xml).toContain('<saml:Assertion');
    expect(resp.xml).not.toContain('EncryptedAssertion');
    expect((await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse })).profile?.nameID).toBe(world.userEmail);
  });
});
