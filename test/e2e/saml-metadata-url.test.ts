// SP metadata by URL (CONTRACT §14, SECURITY.md 44) against a local metadata server: fetched when saved,
// refreshed by refreshDueMetadata (the function the server's background loop runs) with a changed
// certificate picked up; failing, oversized, slow, wrongly signed and redirecting answers keep the last
// good values, record metadata_last_error and count tessera_saml_metadata_refresh_failures_total; a
// pinned signing certificate must verify the metadata. Without the allow flag a metadata URL cannot
// reach loopback, private or link-local addresses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { freshSamlService, samlConfigOf } from '../helpers/saml.ts';
import { generateKeyPair, type KeyPair } from '../helpers/saml-attacks.ts';
import { refreshDueMetadata } from '../../src/saml/metadata-url.ts';
import { createMetrics } from '../../src/ops/metrics.ts';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const fp = (pem: unknown) => (typeof pem === 'string' ? new X509Certificate(pem).fingerprint256 : null);
const body64 = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');

function metadata(cert: string, acs = 'https://md.example.org/acs', attrs = ''): string {
  return (
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="_md1" entityID="https://md.example.org/sp"${attrs}>` +
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body64(cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:AssertionConsumerService index="0" Binding="${POST}" Location="${acs}"/></md:SPSSODescriptor></md:EntityDescriptor>`
  );
}

function signed(xml: string, keys: KeyPair): string {
  const sx = new SignedXml({
    privateKey: keys.privateKey,
    publicCert: keys.certPem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sx.addReference({
    xpath: "/*[local-name(.)='EntityDescriptor']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sx.computeSignature(xml, { prefix: 'ds', location: { reference: "/*[local-name(.)='EntityDescriptor']", action: 'prepend' } });
  return sx.getSignedXml();
}

interface Served {
  status: number;
  body: string;
  delayMs: number;
  location?: string;
}

const SP_A = generateKeyPair('md-a.example.org');
const SP_B = generateKeyPair('md-b.example.org');
const PUBLISHER = generateKeyPair('publisher.example.org');
const OTHER = generateKeyPair('other-publisher.example.org');

describe.each(databases())('SP metadata by URL on $name', (factory) => {
  // The contract's switch is the webhooks' one ("same SSRF rules as webhooks"): it must let metadata
  // URLs reach this process's servers too.
  const srv = suiteServer(factory, { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  const strict = suiteServer(factory);
  const served: Served = { status: 200, body: '', delayMs: 0 };
  let mdServer: Server;
  let mdUrl: string;
  let owner: Admin;
  const metrics = createMetrics();
  const failures = async () => (await metrics.registry.getSingleMetric('tessera_saml_metadata_refresh_failures_total')?.get())?.values[0]?.value ?? 0;

  beforeAll(async () => {
    mdServer = createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(served.status, { 'content-type': 'application/xml', ...(served.location ? { location: served.location } : {}) });
        res.end(served.body);
      }, served.delayMs);
    });
    await new Promise<void>((resolve) => {
      mdServer.listen(0, '127.0.0.1', resolve);
    });
    mdUrl = `http://127.0.0.1:${(mdServer.address() as AddressInfo).port}/metadata.xml`;
    owner = await registerAdmin(srv.url, 'owner');
    await createOrg(owner);
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        mdServer.close(() => {
          resolve();
        });
      }),
  );

  const serve = (o: Partial<Served>) => Object.assign(served, { status: 200, delayMs: 0, location: undefined, ...o });
  /** Makes the service's metadata due, runs one refresh round, returns the configuration after it. */
  const refresh = async (path: string, serviceId: string) => {
    await srv.deps.db.samlConfig.update({ where: { serviceId }, data: { metadataNextRefreshAt: new Date(Date.now() - 1000) } });
    await refreshDueMetadata(srv.deps, metrics);
    return (await samlConfigOf(owner, path)) as unknown as Record<string, unknown>;
  };
  const serviceIdOf = async (org: string, slug: string) => (await srv.deps.db.service.findFirstOrThrow({ where: { slug, organization: { slug: org } } })).id;

  it('saved: fetched at once and the fields filled; a refresh picks up a changed certificate; failures keep the last good values', async () => {
    serve({ body: metadata(SP_A.certPem, 'https://md.example.org/acs', ' cacheDuration="PT2H"') });
    const t = await freshSamlService(owner);
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, metadata_refresh_hours: 12 }), 200);
    let cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
    expect(cfg).toMatchObject({
      entity_id: 'https://md.example.org/sp',
      acs_url: 'https://md.example.org/acs',
      sp_metadata_url: mdUrl,
      metadata_refresh_hours: 12,
      metadata_last_error: null,
    });
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
    // cacheDuration PT2H is sooner than 12 hours.
    const next = Date.parse(String(cfg.metadata_next_refresh_at)) - Date.parse(String(cfg.metadata_fetched_at));
    expect(next).toBeGreaterThan(2 * 3600_000 - 5000);
    expect(next).toBeLessThan(2 * 3600_000 + 5000);
    const serviceId = await serviceIdOf(t.org, t.svc);

    // Up to the contract's 1 MiB (here ~600 KiB, a large federation entity's worth) is read.
    serve({ body: `${metadata(SP_B.certPem, 'https://md.example.org/acs-2')}<!--${'x'.repeat(600 * 1024)}-->` });
    cfg = await refresh(t.path(), serviceId);
    expect(cfg.metadata_last_error).toBeNull();
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_B.certPem));
    expect(cfg.acs_url).toBe('https://md.example.org/acs-2');

    const before = await failures();
    const cases: [string, Partial<Served>, RegExp][] = [
      ['failing', { status: 500, body: 'oops' }, /answered 500/],
      ['oversized', { body: `${metadata(SP_A.certPem)}<!--${'x'.repeat(1024 * 1024)}-->` }, /too_large/],
      ['a DTD', { body: `<!DOCTYPE x [<!ENTITY e "e">]>${metadata(SP_A.certPem)}` }, /DTD/],
      ['a redirect', { status: 302, body: '', location: 'http://169.254.169.254/latest/meta-data' }, /redirect/],
    ];
    for (const [, o, message] of cases) {
      serve(o);
      cfg = await refresh(t.path(), serviceId);
      expect(String(cfg.metadata_last_error)).toMatch(message);
      expect(fp(cfg.sp_certificate)).toBe(fp(SP_B.certPem));
      expect(cfg.acs_url).toBe('https://md.example.org/acs-2');
    }
    expect(await failures()).toBe(before + cases.length);
    expect(srv.logs.some((l) => l.includes('SP metadata refresh failed'))).toBe(true);
    // Each failure is an audit event of the server's own refresh job, not of an operator's command.
    const audit = await owner.client.get<{ events: { actor: { type: string; id: string }; target: { id: string } }[] }>(
      `/api/organizations/${t.org}/audit-events?action=saml.metadata_refresh_failed&limit=100`,
    );
    const mine = audit.body.events.filter((e) => e.target.id === serviceId);
    expect(mine).toHaveLength(cases.length);
    for (const e of mine) expect(e.actor).toMatchObject({ type: 'system', id: 'job:metadata-refresh' });
  });

  it('slow: no answer within 10 s is a failure that keeps the last good values', { timeout: 30_000 }, async () => {
    serve({ body: metadata(SP_A.certPem) });
    const t = await freshSamlService(owner);
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl }), 200);
    serve({ body: metadata(SP_B.certPem), delayMs: 11_000 });
    const cfg = await refresh(t.path(), await serviceIdOf(t.org, t.svc));
    expect(String(cfg.metadata_last_error)).toMatch(/timeout/);
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
  });

  it('pinned signing certificate: metadata signed with the right key is used; with the wrong key or unsigned it is refused', async () => {
    const t = await freshSamlService(owner);
    serve({ body: metadata(SP_A.certPem) });
    const unsigned = await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, sp_metadata_signing_certificate: PUBLISHER.certPem });
    expect(expectError(unsigned, 400).details?.map((d) => d.field)).toContain('sp_metadata_url');
    serve({ body: signed(metadata(SP_A.certPem), OTHER) });
    expect(
      expectError(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, sp_metadata_signing_certificate: PUBLISHER.certPem }), 400).error,
    ).toMatch(/signature/);
    expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);

    serve({ body: signed(metadata(SP_A.certPem), PUBLISHER) });
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, sp_metadata_signing_certificate: PUBLISHER.certPem }), 200);
    const serviceId = await serviceIdOf(t.org, t.svc);
    // A refresh signed with the wrong key keeps the last good values.
    serve({ body: signed(metadata(SP_B.certPem), OTHER) });
    let cfg = await refresh(t.path(), serviceId);
    expect(String(cfg.metadata_last_error)).toMatch(/signature/);
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
    serve({ body: signed(metadata(SP_B.certPem), PUBLISHER) });
    cfg = await refresh(t.path(), serviceId);
    expect(cfg.metadata_last_error).toBeNull();
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_B.certPem));
  });

  it('pasted metadata sent with a pin is held to it: unsigned, wrongly signed or altered after signing is a 400', async () => {
    const t = await freshSamlService(owner);
    const pinned = (xml: string) => owner.client.post(t.path(), { enabled: true, sp_metadata_xml: xml, sp_metadata_signing_certificate: PUBLISHER.certPem });
    const fieldOf = async (xml: string) => (expectError(await pinned(xml), 400).details ?? []).map((d) => d.field);
    expect(await fieldOf(metadata(SP_A.certPem))).toContain('sp_metadata_xml');
    expect(await fieldOf(signed(metadata(SP_A.certPem), OTHER))).toContain('sp_metadata_xml');
    const altered = signed(metadata(SP_A.certPem), PUBLISHER).replace('https://md.example.org/acs', 'https://evil.example/acs');
    expect(await fieldOf(altered)).toContain('sp_metadata_xml');
    expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);
    expectStatus(await pinned(signed(metadata(SP_A.certPem), PUBLISHER)), 200);
    const cfg = await samlConfigOf(owner, t.path());
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
    expect(cfg.acs_url).toBe('https://md.example.org/acs');
  });

  it('a URL that cannot be fetched when saved is a 400 naming sp_metadata_url; nothing stored', async () => {
    const t = await freshSamlService(owner);
    serve({ status: 404, body: 'no' });
    const res = await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl });
    expect(expectError(res, 400).details?.map((d) => d.field)).toContain('sp_metadata_url');
    expect(await samlConfigOf(owner, t.path())).toMatchObject({ enabled: false });
  });

  it.each([
    ['loopback', 'https://127.0.0.1/metadata.xml'],
    ['private', 'https://10.1.2.3/metadata.xml'],
    ['link-local (cloud metadata)', 'https://169.254.169.254/latest/meta-data'],
    ['IPv6 loopback', 'https://[::1]/metadata.xml'],
    ['plain http', 'http://sp.example.com/metadata.xml'],
  ])('SECURITY 44: with the allow flag off, a %s metadata URL is refused (400), nothing fetched', async (_name, url) => {
    const admin = await registerAdmin(strict.url, 'strict');
    await createOrg(admin);
    const t = await freshSamlService(admin);
    const res = await admin.client.post(t.path(), { enabled: true, sp_metadata_url: url });
    const body = expectError(res, 400);
    expect(body.details?.map((d) => d.field)).toContain('sp_metadata_url');
    expect(body.error).toMatch(/private_address|scheme/);
  });
});
