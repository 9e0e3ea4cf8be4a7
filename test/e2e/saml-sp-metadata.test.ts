// SP metadata import (POST …/saml with `sp_metadata_xml`): metadata produced by two independent SP
// implementations (node-saml's generateServiceProviderMetadata and samlify's ServiceProvider) fills in
// the configuration; explicit payload fields win; broken, hostile or incomplete metadata is a 400 that
// names the problem and leaves the stored configuration untouched.
import { X509Certificate } from 'node:crypto';
import * as samlify from 'samlify';
import { SAML } from '@node-saml/node-saml';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { CookieJar, browserFetch, type SamlConfigBody } from '../helpers/saml.ts';
import { generateKeyPair } from '../helpers/saml-attacks.ts';
import { signingWith } from '../helpers/node-saml.ts';
import { NAME_ID, pemBody, rsaCertificate } from '../helpers/saml-xml.ts';

const POST = samlify.Constants.namespace.binding.post;
const REDIRECT = samlify.Constants.namespace.binding.redirect;
const fingerprint = (pem: string | null) => (pem ? new X509Certificate(pem).fingerprint256 : null);

/** A minimal SP EntityDescriptor with raw parts, for the error cases. */
function metadata(o: { descriptor?: string; root?: string; attrs?: string; before?: string } = {}): string {
  const descriptor =
    o.descriptor ??
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService index="0" Binding="${POST}" Location="https://sp.example.org/acs"/></md:SPSSODescriptor>`;
  const root = o.root ?? 'md:EntityDescriptor';
  return `${o.before ?? ''}<${root} xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example.org/sp"${o.attrs ?? ''}>${descriptor}</${root}>`;
}

function withKey(certBody: string, attrs = ''): string {
  return (
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"${attrs}><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certBody}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:AssertionConsumerService index="0" Binding="${POST}" Location="https://sp.example.org/acs"/></md:SPSSODescriptor>`
  );
}

describe.each(databases())('SP metadata import on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  let org: string;
  const path = (svc: string) => `/api/organizations/${org}/services/${svc}/saml`;
  const read = async (svc: string) => (await owner.client.get<SamlConfigBody>(path(svc))).body;

  beforeAll(async () => {
    owner = await registerAdmin(srv.url, 'owner');
    org = await createOrg(owner);
  });

  it('node-saml metadata: entity ID, HTTP-POST ACS, SLO, signing certificate, AuthnRequestsSigned and NameIDFormat; its signed AuthnRequests are then accepted', async () => {
    const keys = generateKeyPair('node-saml-sp.example.com');
    const options = {
      entryPoint: 'https://idp.invalid/sso',
      issuer: 'https://node-saml.example.com/sp',
      callbackUrl: 'https://node-saml.example.com/login/callback',
      logoutCallbackUrl: 'https://node-saml.example.com/logout/callback',
      identifierFormat: NAME_ID.persistent,
      idpCert: keys.certPem,
      ...signingWith(keys),
    };
    const xml = new SAML(options).generateServiceProviderMetadata(null, keys.certPem);
    expect(xml).toContain('AuthnRequestsSigned="true"');
    const svc = (await createService(owner, org)).slug;
    expectStatus(await owner.client.post(path(svc), { enabled: true, sp_metadata_xml: xml }), 200);
    const cfg = await read(svc);
    expect(cfg).toMatchObject({
      enabled: true,
      entity_id: options.issuer,
      acs_url: options.callbackUrl,
      slo_url: options.logoutCallbackUrl,
      name_id_format: NAME_ID.persistent,
      want_authn_requests_signed: true,
    });
    expect(fingerprint(cfg.sp_certificate)).toBe(fingerprint(keys.certPem));

    // The imported certificate verifies node-saml's signed AuthnRequest: the browser goes to sign-in.
    const sp = new SAML({ ...options, entryPoint: cfg.sso_url });
    const res = await browserFetch(new CookieJar(), await sp.getAuthorizeUrlAsync('', undefined, {}));
    expect(res.status, res.text.slice(0, 300)).toBe(302);
    expect(res.headers.get('location') ?? '').toMatch(/^\/login\?state=/);
  });

  it('samlify metadata (default namespace, Redirect ACS listed first, Redirect-only SLO, no AuthnRequestsSigned)', async () => {
    const cert = rsaCertificate(2048, 0x10001, 'samlify-sp.example.com');
    const xml = samlify
      .ServiceProvider({
        entityID: 'https://samlify.example.com/metadata',
        authnRequestsSigned: false,
        wantAssertionsSigned: true,
        signingCert: cert,
        nameIDFormat: [NAME_ID.email, NAME_ID.transient],
        assertionConsumerService: [
          { Binding: REDIRECT, Location: 'https://samlify.example.com/acs-redirect' },
          { Binding: POST, Location: 'https://samlify.example.com/acs' },
        ],
        singleLogoutService: [{ Binding: REDIRECT, Location: 'https://samlify.example.com/slo' }],
      })
      .getMetadata();
    const svc = (await createService(owner, org)).slug;
    expectStatus(await owner.client.post(path(svc), { enabled: true, sp_metadata_xml: xml }), 200);
    const cfg = await read(svc);
    expect(cfg).toMatchObject({
      entity_id: 'https://samlify.example.com/metadata',
      acs_url: 'https://samlify.example.com/acs',
      slo_url: 'https://samlify.example.com/slo',
      name_id_format: NAME_ID.email,
      want_authn_requests_signed: false,
    });
    expect(pemBody(cfg.sp_certificate ?? '')).toBe(pemBody(cert));
  });

  it('explicit payload fields win over the metadata', async () => {
    const svc = (await createService(owner, org)).slug;
    const cert = rsaCertificate(2048);
    const xml = metadata({ descriptor: withKey(pemBody(cert), ' AuthnRequestsSigned="true"') });
    expectStatus(
      await owner.client.post(path(svc), {
        enabled: true,
        sp_metadata_xml: xml,
        acs_url: 'https://explicit.example.org/acs',
        name_id_format: NAME_ID.unspecified,
        want_authn_requests_signed: false,
        slo_url: null,
      }),
      200,
    );
    expect(await read(svc)).toMatchObject({
      entity_id: 'https://sp.example.org/sp',
      acs_url: 'https://explicit.example.org/acs',
      name_id_format: NAME_ID.unspecified,
      want_authn_requests_signed: false,
      slo_url: null,
    });
  });

  it('refuses broken, hostile or incomplete metadata with a 400 naming the reason, and keeps the stored configuration', async () => {
    const svc = (await createService(owner, org)).slug;
    expectStatus(await owner.client.post(path(svc), { enabled: true, entity_id: 'https://kept.example.org/sp', acs_url: 'https://kept.example.org/acs' }), 200);
    const before = await read(svc);
    const idpMetadata = await (await fetch(`${srv.url}/saml/${org}/${svc}/metadata`)).text();
    const cases: [string, unknown, RegExp][] = [
      ['not XML', 'this is not xml', /not well-formed/],
      ['two roots', `${metadata()}${metadata()}`, /well-formed|exactly one root/],
      ['DTD', metadata({ before: '<!DOCTYPE md:EntityDescriptor [<!ENTITY x SYSTEM "file:///etc/passwd">]>' }), /DTD/],
      ['wrong root', metadata({ root: 'md:EntitiesDescriptor' }), /EntityDescriptor/],
      ['IdP metadata', idpMetadata, /no SPSSODescriptor/],
      ['no SAML 2.0', metadata({ descriptor: '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"/>' }), /SAML 2\.0/],
      [
        'no POST ACS',
        metadata({
          descriptor: `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService index="0" Binding="${REDIRECT}" Location="https://sp.example.org/acs"/></md:SPSSODescriptor>`,
        }),
        /HTTP-POST/,
      ],
      ['garbage certificate', metadata({ descriptor: withKey('AAAA') }), /certificate/],
      ['1024-bit certificate', metadata({ descriptor: withKey(pemBody(rsaCertificate(1024))) }), /2048/],
      [
        'signed requests without a certificate',
        metadata({
          descriptor: `<md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService index="0" Binding="${POST}" Location="https://sp.example.org/acs"/></md:SPSSODescriptor>`,
        }),
        /AuthnRequestsSigned/,
      ],
      [
        'plain http ACS',
        metadata({
          descriptor: `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService index="0" Binding="${POST}" Location="http://sp.example.org/acs"/></md:SPSSODescriptor>`,
        }),
        /https/,
      ],
      ['expired', metadata({ attrs: ' validUntil="2001-01-01T00:00:00Z"' }), /expired/],
      ['not a string', 42, /string/],
    ];
    for (const [name, xml, reason] of cases) {
      const body = expectError(await owner.client.post(path(svc), { enabled: true, sp_metadata_xml: xml }), 400, 'BAD_REQUEST');
      const detail = body.details?.find((d) => d.field === 'sp_metadata_xml');
      expect(detail?.message, name).toMatch(reason);
      expect(body.error, name).toMatch(/metadata/i);
    }
    expect(await read(svc)).toEqual(before);
  });
});
