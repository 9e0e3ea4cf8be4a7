// GET /saml/:org/:service/metadata (docs/api.md, SAML protocol): the IdP metadata an SP imports. No SAML metadata XSD
// ships in node_modules, so the document is checked for well-formedness, for the schema's element order
// inside IDPSSODescriptor, and read back by an independent implementation (samlify).
import { X509Certificate } from 'node:crypto';
import * as samlify from 'samlify';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client } from '../helpers/http.ts';
import { createOrg, createService, registerAdmin, uniqueSlug, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { ENABLE_SAML, samlPath } from '../helpers/saml.ts';
import { BINDING, NAME_ID, NS, all, childrenOf, one, parseXml, pemBody, rsaCertificate, text } from '../helpers/saml-xml.ts';

interface Urls {
  idp_entity_id: string;
  metadata_url: string;
  sso_url: string;
  slo_url_idp: string;
}
interface Cert {
  id: string;
  public_key: string;
  status: string;
}

const SP_CERT = rsaCertificate(2048);

/** The descriptor lists the endpoint twice, at one location: once per binding, Redirect and POST. */
function expectBothBindings(idp: Element, endpoint: 'SingleSignOnService' | 'SingleLogoutService', location: string): void {
  const listed = childrenOf(idp, NS.metadata, endpoint).map((e) => [e.getAttribute('Binding'), e.getAttribute('Location')]);
  expect(listed).toHaveLength(2);
  expect(listed).toEqual(
    expect.arrayContaining([
      [BINDING.redirect, location],
      [BINDING.post, location],
    ]),
  );
}

describe.each(databases())('IdP metadata on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  let org: string;

  /** A service of `org` configured with `config`; returns its slug, URLs and active certificate. */
  const configured = async (config: Record<string, unknown> = ENABLE_SAML, o = org) => {
    const slug = (await createService(owner, o)).slug;
    expectStatus(await owner.client.post(samlPath(o, slug), config), 200);
    const urls = (await owner.client.get<Urls>(samlPath(o, slug))).body;
    const cert = await owner.client.get<Cert>(samlPath(o, slug, '/certificate'));
    return { slug, urls, cert: cert.body };
  };
  const metadata = async (url: string) => {
    const res = await fetch(url);
    const body = await res.text();
    return { res, body };
  };
  const descriptor = (xml: string): Element => one(parseXml(xml), NS.metadata, 'IDPSSODescriptor');

  beforeAll(async () => {
    owner = await registerAdmin(srv.url, 'owner');
    org = await createOrg(owner);
  });

  it('application/samlmetadata+xml; entityID {PUBLIC_URL}/saml/:org/:service/metadata; one IDPSSODescriptor with both SSO bindings, both SLO bindings, NameIDFormat and the signing certificate', async () => {
    const t = await configured();
    const expectedEntity = `${srv.url}/saml/${org}/${t.slug}/metadata`;
    expect(t.urls.idp_entity_id).toBe(expectedEntity);
    expect(t.urls.metadata_url).toBe(expectedEntity);

    const { res, body } = await metadata(t.urls.metadata_url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type') ?? '').toMatch(/^application\/samlmetadata\+xml(;|$)/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(body).not.toMatch(/PRIVATE KEY|<!DOCTYPE/);

    const doc = parseXml(body);
    const root = doc.documentElement as Element;
    expect(root.namespaceURI).toBe(NS.metadata);
    expect(root.localName).toBe('EntityDescriptor');
    expect(root.getAttribute('entityID')).toBe(expectedEntity);
    expect(all(doc, NS.metadata, 'IDPSSODescriptor')).toHaveLength(1);
    expect(all(doc, NS.metadata, 'SPSSODescriptor')).toHaveLength(0);
    const idp = one(doc, NS.metadata, 'IDPSSODescriptor');
    expect(idp.parentNode === root, 'IDPSSODescriptor is a child of EntityDescriptor').toBe(true);
    expect((idp.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/)).toContain(NS.protocol);
    expect(idp.getAttribute('WantAuthnRequestsSigned')).toBe('false');

    // Child order as saml-schema-metadata-2.0 requires (SSODescriptorType, then IDPSSODescriptorType).
    const order = Array.from({ length: idp.childNodes.length }, (_, i) => idp.childNodes.item(i))
      .filter((n): n is Element => n.nodeType === 1)
      .map((e) => {
        expect(e.namespaceURI).toBe(NS.metadata);
        return e.localName;
      })
      .join(' ');
    expect(order).toMatch(/^(KeyDescriptor )*(SingleLogoutService )*(NameIDFormat )*(SingleSignOnService ?)+$/);

    expectBothBindings(idp, 'SingleSignOnService', t.urls.sso_url);
    expect(t.urls.sso_url).toBe(`${srv.url}/saml/${org}/${t.slug}/sso`);
    expectBothBindings(idp, 'SingleLogoutService', t.urls.slo_url_idp);
    expect(t.urls.slo_url_idp).toBe(`${srv.url}/saml/${org}/${t.slug}/slo`);
    expect(childrenOf(idp, NS.metadata, 'NameIDFormat').map(text)).toEqual([NAME_ID.email]);

    const keys = childrenOf(idp, NS.metadata, 'KeyDescriptor');
    expect(keys).toHaveLength(1);
    const key = keys[0] as Element;
    expect(key.getAttribute('use')).toBe('signing');
    const x509 = one(key, NS.dsig, 'X509Certificate');
    expect((x509.parentNode as Element).localName).toBe('X509Data');
    expect(text(x509)).toBe(pemBody(t.cert.public_key));
  });

  it('an organization and service named outside ASCII (CJK, emoji, "&" and "<") get a certificate OpenSSL reads, naming both in UTF-8', async () => {
    // node-forge wrote such names as PrintableString by default: invalid DER that no SP could load.
    const slug = uniqueSlug();
    expectStatus(await owner.client.post('/api/organizations', { slug, name: '名前 🎉 R&D <beta>' }), 201);
    const svc = uniqueSlug('svc');
    expectStatus(await owner.client.post(`/api/organizations/${slug}/services`, { slug: svc, name: 'Shop 🎉 Ü', service_type: 'web' }), 201);
    expectStatus(await owner.client.post(samlPath(slug, svc), ENABLE_SAML), 200);
    const urls = (await owner.client.get<Urls>(samlPath(slug, svc))).body;
    const x509 = one(descriptor((await metadata(urls.metadata_url)).body), NS.dsig, 'X509Certificate');
    const cert = new X509Certificate(Buffer.from(text(x509), 'base64'));
    // OpenSSL's display form escapes "<" and ">" (RFC 4514); the certificate holds them as they were.
    expect(cert.subject.split('\n')).toEqual(expect.arrayContaining(['CN=Shop 🎉 Ü SAML signing', 'O=名前 🎉 R&D \\<beta\\>']));
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('samlify reads the entity ID, both SSO and SLO locations, NameIDFormat, WantAuthnRequestsSigned and the signing certificate', async () => {
    const t = await configured({ ...ENABLE_SAML, name_id_format: NAME_ID.persistent, sp_certificate: SP_CERT, want_authn_requests_signed: true });
    const { res, body } = await metadata(t.urls.metadata_url);
    expect(res.status).toBe(200);
    const idp = samlify.IdentityProvider({ metadata: body });
    const meta = idp.entityMeta;
    expect(meta.getEntityID()).toBe(t.urls.idp_entity_id);
    expect(meta.getSingleSignOnService('redirect')).toBe(t.urls.sso_url);
    expect(meta.getSingleSignOnService('post')).toBe(t.urls.sso_url);
    expect(meta.getSingleLogoutService('redirect')).toBe(t.urls.slo_url_idp);
    expect(meta.getSingleLogoutService('post')).toBe(t.urls.slo_url_idp);
    expect(meta.isWantAuthnRequestsSigned()).toBe(true);
    expect(([] as string[]).concat(meta.getNameIDFormat())).toEqual([NAME_ID.persistent]);
    expect(meta.getX509Certificate('signing')).toBe(pemBody(t.cert.public_key));
  });

  it('WantAuthnRequestsSigned and NameIDFormat follow the configuration as it changes', async () => {
    const t = await configured({ ...ENABLE_SAML, name_id_format: NAME_ID.transient, sp_certificate: SP_CERT, want_authn_requests_signed: true });
    let idp = descriptor((await metadata(t.urls.metadata_url)).body);
    expect(idp.getAttribute('WantAuthnRequestsSigned')).toBe('true');
    expect(childrenOf(idp, NS.metadata, 'NameIDFormat').map(text)).toEqual([NAME_ID.transient]);

    expectStatus(
      await owner.client.post(samlPath(org, t.slug), { ...ENABLE_SAML, name_id_format: NAME_ID.unspecified, want_authn_requests_signed: false }),
      200,
    );
    idp = descriptor((await metadata(t.urls.metadata_url)).body);
    expect(idp.getAttribute('WantAuthnRequestsSigned')).toBe('false');
    expect(childrenOf(idp, NS.metadata, 'NameIDFormat').map(text)).toEqual([NAME_ID.unspecified]);
  });

  it('publishes the active and each pending certificate as signing keys, never an inactive one', async () => {
    const t = await configured();
    const pending = await owner.client.post<Cert>(samlPath(org, t.slug, '/certificate'), { activate: false });
    expectStatus(pending, 201);
    let body = (await metadata(t.urls.metadata_url)).body;
    const keys = () =>
      childrenOf(descriptor(body), NS.metadata, 'KeyDescriptor').map((k) => {
        expect(k.getAttribute('use')).toBe('signing');
        return text(one(k, NS.dsig, 'X509Certificate'));
      });
    expect(keys()).toEqual([pemBody(t.cert.public_key), pemBody(pending.body.public_key)]);
    expect(samlify.IdentityProvider({ metadata: body }).entityMeta.getX509Certificate('signing')).toEqual([
      pemBody(t.cert.public_key),
      pemBody(pending.body.public_key),
    ]);

    const rotated = await owner.client.post<Cert>(samlPath(org, t.slug, '/certificate'));
    expectStatus(rotated, 201);
    body = (await metadata(t.urls.metadata_url)).body;
    expect(keys()).toEqual([pemBody(rotated.body.public_key)]);
  });

  it("404 for an unknown organization, an unknown service, another organization's service, malformed slugs, SAML never configured, disabled or deleted", async () => {
    const live = await configured();
    const base = `${srv.url}/saml`;
    const otherOrg = await createOrg(owner);
    const never = (await createService(owner, org)).slug;
    const disabled = await configured();
    expectStatus(await owner.client.post(samlPath(org, disabled.slug), { enabled: false }), 200);
    const deleted = await configured();
    expectStatus(await owner.client.delete(samlPath(org, deleted.slug)), 200);

    expect((await metadata(`${base}/${org}/${live.slug}/metadata`)).res.status).toBe(200);
    const missing = [
      `${base}/no-such-org-anywhere/${live.slug}/metadata`,
      `${base}/${org}/no-such-service-here/metadata`,
      `${base}/${otherOrg}/${live.slug}/metadata`,
      `${base}/${org.toUpperCase()}/${live.slug}/metadata`,
      `${base}/${org}/${'x'.repeat(300)}/metadata`,
      `${base}/${org}/%2e%2e/metadata`,
      `${base}/${org}/${never}/metadata`,
      `${base}/${org}/${disabled.slug}/metadata`,
      `${base}/${org}/${deleted.slug}/metadata`,
    ];
    for (const url of missing) {
      const { res, body } = await metadata(url);
      expect(res.status, url).toBe(404);
      expect(body).not.toContain('EntityDescriptor');
      expect(body).not.toMatch(/BEGIN CERTIFICATE|X509Certificate/);
    }
    // A program's 404 has the contract's error shape, whether it asks for JSON or for anything (fetch()'s
    // */*); a browser's navigation gets a page.
    for (const accept of ['application/json', '*/*', 'application/samlmetadata+xml']) {
      const json = await new Client(srv.url).get(`/saml/${org}/${disabled.slug}/metadata`, { accept });
      expectError(json, 404, 'NOT_FOUND');
    }
    const browser = await new Client(srv.url).get(`/saml/${org}/${disabled.slug}/metadata`, { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(browser.status).toBe(404);
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/);

    // Re-enabling publishes it again.
    expectStatus(await owner.client.post(samlPath(org, disabled.slug), ENABLE_SAML), 200);
    expect((await metadata(disabled.urls.metadata_url)).res.status).toBe(200);
  });
});
