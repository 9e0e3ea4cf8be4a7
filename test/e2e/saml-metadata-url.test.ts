// SP metadata by URL (CONTRACT §14, SECURITY.md 44) against a local metadata server: fetched when saved,
// refreshed by the server's own background job (a round run at once with runNow) with a changed
// certificate picked up; failing, oversized, slow, wrongly signed and redirecting answers keep the last
// good values, record metadata_last_error and count tessera_saml_metadata_refresh_failures_total (read
// from GET /metrics); a pinned signing certificate must verify the metadata. When the next refresh falls
// due; what a refresh overwrites (what pasting the metadata fills); two instances refreshing one due row
// fail it once. Without the allow flag a metadata URL cannot reach loopback, private or link-local addresses.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { freshSamlService, samlConfigOf } from '../helpers/saml.ts';
import { generateKeyPair, signedMetadata } from '../helpers/saml-attacks.ts';
import { Client } from '../helpers/http.ts';

const POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';
const METRICS_TOKEN = 'metrics-token-for-metadata-tests-0123456789';
const fp = (pem: unknown) => (typeof pem === 'string' ? new X509Certificate(pem).fingerprint256 : null);
const body64 = (pem: string) => pem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');

function metadata(cert: string, acs = 'https://md.example.org/acs', attrs = ''): string {
  return (
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" ID="_md1" entityID="https://md.example.org/sp"${attrs}>` +
    `<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body64(cert)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
    `<md:AssertionConsumerService index="0" Binding="${POST}" Location="${acs}"/></md:SPSSODescriptor></md:EntityDescriptor>`
  );
}

const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const TRANSIENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient';

/** Metadata that gives every field an import can fill: two ACS, SLO, both certificates, AuthnRequestsSigned, NameIDFormats. */
function richMetadata(signing: string, encryption: string, ...nameIdFormats: string[]): string {
  const key = (use: string, pem: string) =>
    `<md:KeyDescriptor use="${use}"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${body64(pem)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
  return (
    `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://md.example.org/sp-rich">` +
    `<md:SPSSODescriptor AuthnRequestsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">${key('signing', signing)}${key('encryption', encryption)}` +
    `<md:SingleLogoutService Binding="${POST}" Location="https://md.example.org/slo"/>${nameIdFormats.map((f) => `<md:NameIDFormat>${f}</md:NameIDFormat>`).join('')}` +
    `<md:AssertionConsumerService index="3" Binding="${POST}" Location="https://md.example.org/acs-3"/>` +
    `<md:AssertionConsumerService index="7" isDefault="true" Binding="${POST}" Location="https://md.example.org/acs-7"/></md:SPSSODescriptor></md:EntityDescriptor>`
  );
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
  // The tests run refresh rounds themselves (runNow): neither server runs the round a minute, which could
  // take a row a test has just made due.
  const env = { TESSERA_WEBHOOKS_ALLOW_PRIVATE: 'true', TESSERA_METRICS_TOKEN: METRICS_TOKEN };
  const srv = suiteServer(factory, env, undefined, { metadataRefreshTimer: false });
  // A second instance on the same database, as behind a load balancer: its refresh job sees the same rows.
  const twin = suiteServer(factory, env, () => srv.db, { metadataRefreshTimer: false });
  const strict = suiteServer(factory);
  const served: Served = { status: 200, body: '', delayMs: 0 };
  let requests = 0;
  let mdServer: Server;
  let mdUrl: string;
  let owner: Admin;
  /** tessera_saml_metadata_refresh_failures_total as a server's GET /metrics shows it. */
  const failures = async (server: { url: string } = srv) => {
    const res = await new Client(server.url).bearer(METRICS_TOKEN).get('/metrics');
    expect(res.status).toBe(200);
    const line = /^tessera_saml_metadata_refresh_failures_total (\d+)$/m.exec(res.text);
    expect(line, 'the counter is exported').not.toBeNull();
    return Number(line?.[1]);
  };

  beforeAll(async () => {
    mdServer = createServer((_req, res) => {
      requests++;
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
  const makeDue = (serviceId: string) => srv.deps.db.samlConfig.update({ where: { serviceId }, data: { metadataNextRefreshAt: new Date(Date.now() - 1000) } });
  /** Makes the service's metadata due, runs a round of the server's own refresh job, returns the configuration after it. */
  const refresh = async (path: string, serviceId: string) => {
    await makeDue(serviceId);
    await srv.metadataRefresh.runNow();
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
    // What the refresh changed is audited (the fields, not their values); a refresh that changes nothing is not.
    const refreshed = async () =>
      (
        await owner.client.get<{ events: { target: { id: string }; actor: { id: string }; changes: { fields?: string[] } }[] }>(
          `/api/organizations/${t.org}/audit-events?action=saml.metadata_refreshed&limit=100`,
        )
      ).body.events.filter((e) => e.target.id === serviceId);
    expect((await refreshed()).map((e) => [e.actor.id, [...(e.changes.fields ?? [])].sort()])).toEqual([
      ['job:metadata-refresh', ['acs_urls', 'sp_certificate']],
    ]);
    await refresh(t.path(), serviceId);
    expect(await refreshed()).toHaveLength(1);

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

  // CONTRACT §14: every metadata_refresh_hours (default 24), sooner when cacheDuration/validUntil says so;
  // the same rule when saved and after each refresh.
  it.each([
    ['validUntil about an hour away', 1, (now: number) => ` validUntil="${new Date(now + 3600_000).toISOString()}"`, undefined],
    ['neither cacheDuration nor validUntil, no metadata_refresh_hours', 24, () => '', undefined],
    ['metadata_refresh_hours 6', 6, () => '', 6],
  ] as const)('next refresh with %s: about %s h after the fetch', async (_name, expected, attrs, hours) => {
    const t = await freshSamlService(owner);
    const expectNext = (cfg: Record<string, unknown>, hoursAway: number) => {
      const fetchedAt = Date.parse(String(cfg.metadata_fetched_at));
      expect(Math.abs(Date.now() - fetchedAt)).toBeLessThan(60_000);
      const next = Date.parse(String(cfg.metadata_next_refresh_at)) - fetchedAt;
      expect(next).toBeGreaterThan(hoursAway * 3600_000 - 10_000);
      expect(next).toBeLessThan(hoursAway * 3600_000 + 10_000);
    };
    serve({ body: metadata(SP_A.certPem, 'https://md.example.org/acs', attrs(Date.now())) });
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, ...(hours ? { metadata_refresh_hours: hours } : {}) }), 200);
    const saved = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
    expect(saved.metadata_refresh_hours).toBe(hours ?? 24);
    expectNext(saved, expected);
    serve({ body: metadata(SP_B.certPem, 'https://md.example.org/acs', attrs(Date.now())) });
    const refreshed = await refresh(t.path(), await serviceIdOf(t.org, t.svc));
    expect(fp(refreshed.sp_certificate)).toBe(fp(SP_B.certPem));
    expect(Date.parse(String(refreshed.metadata_fetched_at))).toBeGreaterThan(Date.parse(String(saved.metadata_fetched_at)));
    expectNext(refreshed, expected);
  });

  it('a refresh overwrites exactly what pasting the same metadata as sp_metadata_xml fills; the NameID format once the SP no longer lists the stored one', async () => {
    const rich = richMetadata(SP_B.certPem, SP_A.certPem, TRANSIENT);
    const byUrl = await freshSamlService(owner);
    serve({ body: metadata(SP_A.certPem) });
    expectStatus(await owner.client.post(byUrl.path(), { enabled: true, sp_metadata_url: mdUrl }), 200);
    // What the admin set by hand on a metadata-derived field is the metadata's again after a refresh.
    const by = { enabled: true, entity_id: 'https://md.example.org/sp', acs_url: 'https://md.example.org/acs' };
    expectStatus(await owner.client.post(byUrl.path(), { ...by, name_id_format: PERSISTENT, sign_response: false }), 200);
    expect(await samlConfigOf(owner, byUrl.path())).toMatchObject({ name_id_format: PERSISTENT, sp_metadata_url: mdUrl });
    serve({ body: rich });
    const refreshed = await refresh(byUrl.path(), await serviceIdOf(byUrl.org, byUrl.svc));
    expect(refreshed.metadata_last_error).toBeNull();

    const pasted = await freshSamlService(owner);
    expectStatus(await owner.client.post(pasted.path(), { enabled: true, sp_metadata_xml: rich, sign_response: false }), 200);
    const byPaste = (await samlConfigOf(owner, pasted.path())) as unknown as Record<string, unknown>;
    const derived = [
      'entity_id',
      'acs_url',
      'acs_urls',
      'slo_url',
      'sp_certificate',
      'sp_encryption_certificate',
      'want_authn_requests_signed',
      'name_id_format',
    ];
    const pick = (cfg: Record<string, unknown>) => Object.fromEntries(derived.map((k) => [k, cfg[k]]));
    expect(pick(refreshed)).toEqual(pick(byPaste));
    expect(refreshed).toMatchObject({
      entity_id: 'https://md.example.org/sp-rich',
      slo_url: 'https://md.example.org/slo',
      want_authn_requests_signed: true,
      name_id_format: TRANSIENT,
      // Not a metadata field: kept as the admin set it.
      sign_response: false,
    });
    expect(fp(refreshed.sp_encryption_certificate)).toBe(fp(SP_A.certPem));
    expect(refreshed.acs_urls).toHaveLength(2);
  });

  it('a refresh keeps the NameID format the admin chose while the metadata still lists it, wherever it lists it', async () => {
    const t = await freshSamlService(owner);
    serve({ body: richMetadata(SP_A.certPem, SP_A.certPem, TRANSIENT, PERSISTENT) });
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, name_id_format: PERSISTENT }), 200);
    const serviceId = await serviceIdOf(t.org, t.svc);
    expect(await refresh(t.path(), serviceId)).toMatchObject({ name_id_format: PERSISTENT, metadata_last_error: null });
    // The SP dropped it: the metadata's first format, as pasting would take.
    serve({ body: richMetadata(SP_A.certPem, SP_A.certPem, TRANSIENT) });
    expect(await refresh(t.path(), serviceId)).toMatchObject({ name_id_format: TRANSIENT, metadata_last_error: null });
    // Metadata listing no format leaves the stored one.
    serve({ body: metadata(SP_A.certPem) });
    expect(await refresh(t.path(), serviceId)).toMatchObject({ name_id_format: TRANSIENT, metadata_last_error: null });
  });

  it('a setting changed while a refresh is under way wins: the refresh that read the row before it writes nothing', async () => {
    serve({ body: metadata(SP_A.certPem) });
    const t = await freshSamlService(owner);
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl }), 200);
    const serviceId = await serviceIdOf(t.org, t.svc);
    // Unsigned metadata with another certificate, slow enough for the admin to pin a signer meanwhile.
    serve({ body: metadata(SP_B.certPem), delayMs: 1500 });
    await makeDue(serviceId);
    const fetchesBefore = requests;
    const round = srv.metadataRefresh.runNow();
    await expect.poll(() => requests - fetchesBefore, { timeout: 5000 }).toBe(1);
    const stored = { entity_id: 'https://md.example.org/sp', acs_url: 'https://md.example.org/acs' };
    expectStatus(await owner.client.post(t.path(), { enabled: true, ...stored, sp_metadata_signing_certificate: PUBLISHER.certPem }), 200);
    await round;
    let cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
    expect(cfg.metadata_last_error).toBeNull();
    // The next round reads the pin, and the unsigned metadata is refused.
    cfg = await refresh(t.path(), serviceId);
    expect(String(cfg.metadata_last_error)).toMatch(/signature/i);
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
  });

  it('a new refresh interval makes the metadata due at once, and the refresh then schedules by it; a disabled service is never fetched', async () => {
    serve({ body: metadata(SP_A.certPem) });
    const t = await freshSamlService(owner);
    const stored = { entity_id: 'https://md.example.org/sp', acs_url: 'https://md.example.org/acs' };
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl }), 200);
    const serviceId = await serviceIdOf(t.org, t.svc);
    expectStatus(await owner.client.post(t.path(), { enabled: true, ...stored, metadata_refresh_hours: 1 }), 200);
    const due = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
    expect(Date.parse(String(due.metadata_next_refresh_at))).toBeLessThanOrEqual(Date.now());
    await srv.metadataRefresh.runNow();
    const cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
    const after = Date.parse(String(cfg.metadata_next_refresh_at)) - Date.parse(String(cfg.metadata_fetched_at));
    expect(Math.abs(after - 3600_000)).toBeLessThan(60_000);
    // Disabled (DELETE …/saml): no outbound request, however due.
    expectStatus(await owner.client.delete(t.path()), 200);
    await makeDue(serviceId);
    const fetchesBefore = requests;
    await srv.metadataRefresh.runNow();
    expect(requests).toBe(fetchesBefore);
  });

  it('fetched metadata refused for what it says is a 400 naming sp_metadata_url, the field sent', async () => {
    const t = await freshSamlService(owner);
    serve({ body: metadata(SP_A.certPem).replace(POST, 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect') });
    const res = await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl });
    const error = expectError(res, 400);
    expect(error.details?.map((d) => d.field)).toEqual(['sp_metadata_url']);
    expect(error.error).toMatch(/AssertionConsumerService/);
    expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);
  });

  it('a refresh whose NameIDFormat cannot go with the stored name_id_source fails and keeps the last good values', async () => {
    const t = await freshSamlService(owner);
    serve({ body: metadata(SP_A.certPem) });
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, name_id_source: 'id' }), 200);
    serve({ body: richMetadata(SP_B.certPem, SP_A.certPem, PERSISTENT) });
    const cfg = await refresh(t.path(), await serviceIdOf(t.org, t.svc));
    expect(String(cfg.metadata_last_error)).toMatch(/NameIDFormat .* name_id_source/);
    expect(cfg).toMatchObject({
      name_id_source: 'id',
      name_id_format: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
      entity_id: 'https://md.example.org/sp',
    });
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
  });

  it('two instances refreshing one due row at once: it is claimed by one, so one failure is one audit event and one count', async () => {
    serve({ body: metadata(SP_A.certPem) });
    const t = await freshSamlService(owner);
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl }), 200);
    const serviceId = await serviceIdOf(t.org, t.svc);
    serve({ status: 500, body: 'down', delayMs: 300 });
    const before = [await failures(srv), await failures(twin)];
    await makeDue(serviceId);
    const fetchesBefore = requests;
    const counted = await Promise.all([srv.metadataRefresh.runNow(), twin.metadataRefresh.runNow(), srv.metadataRefresh.runNow()]);
    // Fetched once: the instance that lost the claim never reached the SP.
    expect(requests - fetchesBefore).toBe(1);
    expect(counted.reduce((a, b) => a + b, 0)).toBe(1);
    const after = [await failures(srv), await failures(twin)];
    expect((after[0] ?? 0) - (before[0] ?? 0) + (after[1] ?? 0) - (before[1] ?? 0)).toBe(1);
    const audit = await owner.client.get<{ events: { target: { id: string } }[] }>(
      `/api/organizations/${t.org}/audit-events?action=saml.metadata_refresh_failed&limit=100`,
    );
    expect(audit.body.events.filter((e) => e.target.id === serviceId)).toHaveLength(1);
    const cfg = (await samlConfigOf(owner, t.path())) as unknown as Record<string, unknown>;
    expect(String(cfg.metadata_last_error)).toMatch(/answered 500/);
    // The retry is the failure's (within the hour), not the claim's.
    expect(Date.parse(String(cfg.metadata_next_refresh_at)) - Date.now()).toBeGreaterThan(30 * 60_000);
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
    serve({ body: signedMetadata(metadata(SP_A.certPem), OTHER) });
    expect(
      expectError(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, sp_metadata_signing_certificate: PUBLISHER.certPem }), 400).error,
    ).toMatch(/signature/);
    expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);

    serve({ body: signedMetadata(metadata(SP_A.certPem), PUBLISHER) });
    expectStatus(await owner.client.post(t.path(), { enabled: true, sp_metadata_url: mdUrl, sp_metadata_signing_certificate: PUBLISHER.certPem }), 200);
    const serviceId = await serviceIdOf(t.org, t.svc);
    // A refresh signed with the wrong key keeps the last good values.
    serve({ body: signedMetadata(metadata(SP_B.certPem), OTHER) });
    let cfg = await refresh(t.path(), serviceId);
    expect(String(cfg.metadata_last_error)).toMatch(/signature/);
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_A.certPem));
    serve({ body: signedMetadata(metadata(SP_B.certPem), PUBLISHER) });
    cfg = await refresh(t.path(), serviceId);
    expect(cfg.metadata_last_error).toBeNull();
    expect(fp(cfg.sp_certificate)).toBe(fp(SP_B.certPem));
  });

  it('pasted metadata sent with a pin is held to it: unsigned, wrongly signed or altered after signing is a 400', async () => {
    const t = await freshSamlService(owner);
    const pinned = (xml: string) => owner.client.post(t.path(), { enabled: true, sp_metadata_xml: xml, sp_metadata_signing_certificate: PUBLISHER.certPem });
    const fieldOf = async (xml: string) => (expectError(await pinned(xml), 400).details ?? []).map((d) => d.field);
    expect(await fieldOf(metadata(SP_A.certPem))).toContain('sp_metadata_xml');
    expect(await fieldOf(signedMetadata(metadata(SP_A.certPem), OTHER))).toContain('sp_metadata_xml');
    const altered = signedMetadata(metadata(SP_A.certPem), PUBLISHER).replace('https://md.example.org/acs', 'https://evil.example/acs');
    expect(await fieldOf(altered)).toContain('sp_metadata_xml');
    expect((await samlConfigOf(owner, t.path())).enabled).toBe(false);
    expectStatus(await pinned(signedMetadata(metadata(SP_A.certPem), PUBLISHER)), 200);
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
