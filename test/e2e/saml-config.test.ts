// SAML configuration and IdP signing certificates through the admin API (docs/api.md, SAML configuration), on every database.
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { Client, type Json, type Res } from '../helpers/http.ts';
import { addMember, createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { RFC3339_UTC, expectError, expectStatus } from '../helpers/admin-plane.ts';
import { CookieJar, SP_ACS, SP_ENTITY, browserFetch, completeSignIn, samlResponseFrom, samlWorld } from '../helpers/saml.ts';
import { NAME_ID, NS, all, authnRequest, one, parseXml, pemBody, redirectUrl, rsaCertificate, text, verifiesWith } from '../helpers/saml-xml.ts';

interface SamlConfigBody {
  enabled: boolean;
  entity_id: string | null;
  acs_url: string | null;
  slo_url: string | null;
  name_id_format: string;
  attribute_mapping: Record<string, string>;
  sign_assertions: boolean;
  sign_response: boolean;
  sp_certificate: string | null;
  want_authn_requests_signed: boolean;
  has_certificate: boolean;
  idp_entity_id: string;
  metadata_url: string;
  sso_url: string;
  slo_url_idp: string;
}

interface SamlCertificateBody {
  id: string;
  public_key: string;
  valid_from: string;
  valid_until: string;
  is_active: boolean;
  status: 'active' | 'pending' | 'inactive';
}

const DAY_MS = 86_400_000;
const ENABLE = { enabled: true, entity_id: SP_ENTITY, acs_url: SP_ACS };

// Test certificates for sp_certificate, generated once (key generation is the slow part).
const GOOD_CERT = rsaCertificate(2048);
const SHORT_KEY_CERT = rsaCertificate(1024);
const EXPONENT_3_CERT = rsaCertificate(2048, 3);

describe.each(databases())('SAML configuration (docs/api.md) on $name', (factory) => {
  let srv: TestServer;
  let owner: Admin;
  let member: Admin;
  let outsider: Admin;
  let org: string;
  let svc: string;

  const samlPath = (o: string, s: string, rest = '') => `/api/organizations/${o}/services/${s}/saml${rest}`;
  /** A brand-new, never-configured service in its own organization (keeps clear of the services-per-org limit). */
  const freshService = async (): Promise<{ org: string; svc: string; path: (rest?: string) => string }> => {
    const o = await createOrg(owner);
    const s = (await createService(owner, o)).slug;
    return { org: o, svc: s, path: (rest = '') => samlPath(o, s, rest) };
  };
  const getConfig = async (path: string): Promise<SamlConfigBody> => {
    const res = await owner.client.get<SamlConfigBody>(path);
    expectStatus(res, 200);
    return res.body;
  };
  const expect400 = (res: Res<unknown>, field?: string) => {
    const body = expectError(res, 400, 'BAD_REQUEST');
    if (field) expect((body.details ?? []).map((d) => d.field).join(',')).toContain(field);
  };

  beforeAll(async () => {
    srv = await startTestServer(factory);
    owner = await registerAdmin(srv.url, 'owner');
    org = await createOrg(owner);
    svc = (await createService(owner, org)).slug;
    member = await addMember(owner, org, 'member', srv.url);
    outsider = await registerAdmin(srv.url, 'outsider');
  });
  afterAll(async () => srv?.stop());

  it('GET …/saml on a never-configured service: 200 enabled:false, defaults and the IdP URLs; no certificate, no metadata', async () => {
    const t = await freshService();
    const cfg = await getConfig(t.path());
    const base = `${srv.url}/saml/${t.org}/${t.svc}`;
    expect(cfg).toMatchObject({
      enabled: false,
      entity_id: null,
      acs_url: null,
      slo_url: null,
      name_id_format: NAME_ID.email,
      attribute_mapping: {},
      sign_assertions: true,
      sign_response: true,
      sp_certificate: null,
      want_authn_requests_signed: false,
      has_certificate: false,
      idp_entity_id: `${base}/metadata`,
      metadata_url: `${base}/metadata`,
      sso_url: `${base}/sso`,
      slo_url_idp: `${base}/slo`,
    });
    expectError(await owner.client.get(t.path('/certificate')), 404, 'NOT_FOUND');
    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    expectStatus(list, 200);
    expect(list.body.certificates).toEqual([]);
    expect((await fetch(`${base}/metadata`)).status).toBe(404);
  });

  it('POST stores the configuration (200 {message}), GET reads it back, PUT is an alias that updates it', async () => {
    const t = await freshService();
    const res = await owner.client.post(t.path(), {
      ...ENABLE,
      slo_url: 'https://sp.example.com/slo',
      name_id_format: NAME_ID.persistent,
      attribute_mapping: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', features: 'features' },
      sign_assertions: true,
      sign_response: false,
    });
    expectStatus(res, 200);
    expect(res.body).toEqual({ message: 'SAML configuration updated successfully' });
    const cfg = await getConfig(t.path());
    expect(cfg).toMatchObject({
      enabled: true,
      entity_id: SP_ENTITY,
      acs_url: SP_ACS,
      slo_url: 'https://sp.example.com/slo',
      name_id_format: NAME_ID.persistent,
      attribute_mapping: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress', features: 'features' },
      sign_assertions: true,
      sign_response: false,
      want_authn_requests_signed: false,
      has_certificate: true,
    });

    const put = await owner.client.put(t.path(), {
      enabled: true,
      entity_id: 'https://other.example.com/sp',
      acs_url: 'https://other.example.com/acs',
      name_id_format: NAME_ID.transient,
      sign_response: true,
    });
    expectStatus(put, 200);
    expect(put.body).toEqual({ message: 'SAML configuration updated successfully' });
    const after = await getConfig(t.path());
    expect(after.entity_id).toBe('https://other.example.com/sp');
    expect(after.acs_url).toBe('https://other.example.com/acs');
    expect(after.name_id_format).toBe(NAME_ID.transient);
    expect(after.sign_response).toBe(true);
  });

  it('name_id_format defaults to emailAddress; enabled is required; enabled:true needs entity_id (≤ 1024) and acs_url', async () => {
    const t = await freshService();
    expectStatus(await owner.client.post(t.path(), ENABLE), 200);
    expect((await getConfig(t.path())).name_id_format).toBe(NAME_ID.email);

    const u = await freshService();
    expect400(await owner.client.post(u.path(), { entity_id: SP_ENTITY, acs_url: SP_ACS }), 'enabled');
    expect400(await owner.client.post(u.path(), { enabled: 'yes', entity_id: SP_ENTITY, acs_url: SP_ACS }), 'enabled');
    expect400(await owner.client.post(u.path(), { enabled: true, acs_url: SP_ACS }), 'entity_id');
    expect400(await owner.client.post(u.path(), { enabled: true, entity_id: '', acs_url: SP_ACS }), 'entity_id');
    expect400(await owner.client.post(u.path(), { enabled: true, entity_id: SP_ENTITY }), 'acs_url');
    expect400(await owner.client.post(u.path(), { ...ENABLE, entity_id: `https://sp.example.com/${'e'.repeat(1024)}` }), 'entity_id');
    // Nothing of the refused attempts was stored.
    expect((await getConfig(u.path())).enabled).toBe(false);
    expect((await getConfig(u.path())).has_certificate).toBe(false);

    const longest = `https://sp.example.com/${'e'.repeat(1024 - 'https://sp.example.com/'.length)}`;
    expect(longest.length).toBe(1024);
    expectStatus(await owner.client.post(u.path(), { ...ENABLE, entity_id: longest }), 200);
    expect((await getConfig(u.path())).entity_id).toBe(longest);

    // Disabled configurations may omit them, and generate no certificate.
    const v = await freshService();
    expectStatus(await owner.client.post(v.path(), { enabled: false }), 200);
    const cfg = await getConfig(v.path());
    expect(cfg.enabled).toBe(false);
    expect(cfg.has_certificate).toBe(false);
    expectError(await owner.client.get(v.path('/certificate')), 404, 'NOT_FOUND');
  });

  it('acs_url and slo_url: absolute https; plain http only for localhost and 127.0.0.1', async () => {
    const t = await freshService();
    for (const acs of [
      'https://sp.example.com/acs',
      'https://sp.example.com:8443/saml/acs?x=1',
      'http://localhost/acs',
      'http://localhost:4567/acs',
      'http://127.0.0.1:8080/acs',
    ]) {
      expectStatus(await owner.client.post(t.path(), { ...ENABLE, acs_url: acs }), 200);
      expect((await getConfig(t.path())).acs_url).toBe(acs);
    }
    for (const acs of [
      'http://sp.example.com/acs',
      'http://10.0.0.5/acs',
      'http://localhost.evil.com/acs',
      '/saml/acs',
      'sp.example.com/acs',
      'javascript:alert(1)',
      'data:text/html,x',
      'ftp://sp.example.com/acs',
      'https://user:pw@sp.example.com/acs',
      '',
    ]) {
      expect400(await owner.client.post(t.path(), { ...ENABLE, acs_url: acs }), 'acs_url');
    }
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, slo_url: 'https://sp.example.com/slo' }), 200);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, slo_url: 'http://127.0.0.1:9000/slo' }), 200);
    for (const slo of ['http://sp.example.com/slo', 'javascript:alert(1)', '/slo']) {
      expect400(await owner.client.post(t.path(), { ...ENABLE, slo_url: slo }), 'slo_url');
    }
    expect((await getConfig(t.path())).slo_url).toBe('http://127.0.0.1:9000/slo');
  });

  it('TESSERA_ALLOW_HTTP_ACS=true allows plain http on any host (still absolute http/https only); PUBLIC_URL shapes the IdP URLs', async () => {
    const lax = await startTestServer(factory, { TESSERA_ALLOW_HTTP_ACS: 'true', PUBLIC_URL: 'https://idp.example.test/' });
    try {
      const a = await registerAdmin(lax.url);
      const o = await createOrg(a);
      const s = (await createService(a, o)).slug;
      const path = samlPath(o, s);
      expectStatus(await a.client.post(path, { ...ENABLE, acs_url: 'http://sp.internal.example/acs', slo_url: 'http://sp.internal.example/slo' }), 200);
      const cfg = await a.client.get<SamlConfigBody>(path);
      expect(cfg.body.acs_url).toBe('http://sp.internal.example/acs');
      expect(cfg.body.slo_url).toBe('http://sp.internal.example/slo');
      expect(cfg.body.idp_entity_id).toBe(`https://idp.example.test/saml/${o}/${s}/metadata`);
      expect(cfg.body.sso_url).toBe(`https://idp.example.test/saml/${o}/${s}/sso`);
      for (const acs of ['javascript:alert(1)', '/acs', 'ftp://sp.internal.example/acs']) {
        expect400(await a.client.post(path, { ...ENABLE, acs_url: acs }), 'acs_url');
      }
    } finally {
      await lax.stop();
    }
    // The default server still refuses the same URL.
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE, acs_url: 'http://sp.internal.example/acs' }), 'acs_url');
  });

  it('name_id_format must be one of the four URNs', async () => {
    const t = await freshService();
    for (const format of Object.values(NAME_ID)) {
      expectStatus(await owner.client.post(t.path(), { ...ENABLE, name_id_format: format }), 200);
      expect((await getConfig(t.path())).name_id_format).toBe(format);
    }
    for (const format of [
      'email',
      'urn:oasis:names:tc:SAML:2.0:nameid-format:emailAddress',
      'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName',
      `${NAME_ID.email} `,
      '',
      null,
    ]) {
      expect400(await owner.client.post(t.path(), { ...ENABLE, name_id_format: format }), 'name_id_format');
    }
  });

  it('sign_assertions and sign_response: both false is 400, also when the other one is already stored as false', async () => {
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE, sign_assertions: false, sign_response: false }));
    expect((await getConfig(t.path())).enabled).toBe(false);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, sign_assertions: false, sign_response: true }), 200);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, sign_assertions: true, sign_response: false }), 200);
    // sign_response is stored as false; turning sign_assertions off now would leave nothing signed.
    expect400(await owner.client.post(t.path(), { ...ENABLE, sign_assertions: false }));
    const cfg = await getConfig(t.path());
    expect(cfg.sign_assertions || cfg.sign_response).toBe(true);
    expect(cfg.sign_assertions).toBe(true);
  });

  it('sp_certificate: a PEM X.509 RSA certificate of at least 2048 bits with e = 65537', async () => {
    const t = await freshService();
    const good = await owner.client.post(t.path(), { ...ENABLE, sp_certificate: GOOD_CERT });
    expectStatus(good, 200);
    const stored = (await getConfig(t.path())).sp_certificate ?? '';
    expect(pemBody(stored)).toBe(pemBody(GOOD_CERT));
    expect(new X509Certificate(stored).fingerprint256).toBe(new X509Certificate(GOOD_CERT).fingerprint256);

    expect400(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: SHORT_KEY_CERT }), 'sp_certificate');
    expect400(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: EXPONENT_3_CERT }), 'sp_certificate');
    expect400(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: 'not a certificate' }), 'sp_certificate');
    expect400(
      await owner.client.post(t.path(), { ...ENABLE, sp_certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      'sp_certificate',
    );
    expect400(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: pemBody(GOOD_CERT).slice(0, 200) }), 'sp_certificate');
    expect400(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: 42 }), 'sp_certificate');
    // None of the refused certificates replaced the good one.
    expect(pemBody((await getConfig(t.path())).sp_certificate ?? '')).toBe(pemBody(GOOD_CERT));
  });

  it('want_authn_requests_signed needs sp_certificate', async () => {
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE, want_authn_requests_signed: true }), 'want_authn_requests_signed');
    expect((await getConfig(t.path())).want_authn_requests_signed).toBe(false);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, want_authn_requests_signed: true, sp_certificate: GOOD_CERT }), 200);
    const cfg = await getConfig(t.path());
    expect(cfg.want_authn_requests_signed).toBe(true);
    expect(cfg.sp_certificate).not.toBeNull();
    // Removing the certificate while signed requests are still wanted would leave nothing to verify with.
    expect400(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: null }));
    const after = await getConfig(t.path());
    expect(after.want_authn_requests_signed && after.sp_certificate === null).toBe(false);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, sp_certificate: null, want_authn_requests_signed: false }), 200);
    expect((await getConfig(t.path())).sp_certificate).toBeNull();
  });

  it('attribute_mapping: known sources only, non-empty names, at most 50 entries', async () => {
    const t = await freshService();
    const full = {
      id: 'uid',
      email: 'mail',
      created_at: 'created',
      plan_id: 'planId',
      plan_name: 'plan',
      subscription_status: 'status',
      features: 'urn:oid:1.3.6.1.4.1.5923.1.1.1.7',
    };
    expectStatus(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: full }), 200);
    expect((await getConfig(t.path())).attribute_mapping).toEqual(full);

    expect400(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: { password_hash: 'pw' } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: { email: '' } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: { email: '   ' } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: { email: 7 } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: ['email'] }), 'attribute_mapping');
    const many: Json = {};
    for (let i = 0; i < 51; i++) many[`source_${i}`] = `attr${i}`;
    expect400(await owner.client.post(t.path(), { ...ENABLE, attribute_mapping: many }), 'attribute_mapping');
    expect((await getConfig(t.path())).attribute_mapping).toEqual(full);
  });

  it('unknown fields and prototype keys are 400; the body must be a JSON object', async () => {
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE, private_key: 'x' }));
    expect400(await owner.client.post(t.path(), { ...ENABLE, idp_entity_id: 'https://evil.example.com' }));
    expect400(await owner.client.post(t.path(), `{"enabled":true,"entity_id":"${SP_ENTITY}","acs_url":"${SP_ACS}","__proto__":{"x":1}}`));
    expect400(await owner.client.post(t.path(), [ENABLE]));
    expect((await getConfig(t.path())).enabled).toBe(false);
    // The certificate endpoint's body is checked the same way.
    expectStatus(await owner.client.post(t.path(), ENABLE), 200);
    expect400(await owner.client.post(t.path('/certificate'), { activate: 'no' }));
    expect400(await owner.client.post(t.path('/certificate'), { activate: true, bits: 1024 }));
  });

  it('roles: a member reads (200) but cannot change anything (403); a non-member gets 404; no token 401', async () => {
    const path = samlPath(org, svc);
    expectStatus(await owner.client.post(path, ENABLE), 200);
    const cert = await owner.client.get<SamlCertificateBody>(`${path}/certificate`);
    expectStatus(cert, 200);

    expectStatus(await member.client.get(path), 200);
    expect((await member.client.get<SamlConfigBody>(path)).body.entity_id).toBe(SP_ENTITY);
    expectStatus(await member.client.get(`${path}/certificate`), 200);
    expectStatus(await member.client.get(`${path}/certificates`), 200);
    expectError(await member.client.post(path, { ...ENABLE, entity_id: 'https://member.example.com' }), 403, 'FORBIDDEN');
    expectError(await member.client.put(path, { ...ENABLE, entity_id: 'https://member.example.com' }), 403, 'FORBIDDEN');
    expectError(await member.client.delete(path), 403, 'FORBIDDEN');
    expectError(await member.client.post(`${path}/certificate`), 403, 'FORBIDDEN');
    expectError(await member.client.post(`${path}/certificates/${cert.body.id}/activate`), 403, 'FORBIDDEN');
    const still = await getConfig(path);
    expect(still.entity_id).toBe(SP_ENTITY);
    expect(still.enabled).toBe(true);

    for (const [verb, sub] of [
      ['GET', ''],
      ['POST', ''],
      ['DELETE', ''],
      ['GET', '/certificate'],
      ['GET', '/certificates'],
      ['POST', '/certificate'],
      ['POST', `/certificates/${cert.body.id}/activate`],
    ] as const) {
      const body = verb === 'POST' && sub === '' ? ENABLE : undefined;
      expectError(await outsider.client.request(verb, `${path}${sub}`, body), 404, 'NOT_FOUND');
      expectError(await new Client(srv.url).request(verb, `${path}${sub}`, body), 401, 'UNAUTHORIZED');
    }
    expectError(await owner.client.get(samlPath(org, 'no-such-service')), 404, 'NOT_FOUND');
    expectError(await owner.client.get(samlPath('no-such-org-here', svc)), 404, 'NOT_FOUND');
    // Nothing changed through the refused calls.
    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(`${path}/certificates`);
    expect(list.body.certificates.filter((c) => c.status === 'active').map((c) => c.id)).toEqual([cert.body.id]);
  });

  it('enabling without a certificate generates one: RSA-2048, SHA-256, self-signed, 3 years, subject naming org and service', async () => {
    const o = await createOrg(owner);
    const s = (await createService(owner, o)).slug;
    const path = samlPath(o, s);
    const before = Date.now();
    expectStatus(await owner.client.post(path, ENABLE), 200);
    expect((await getConfig(path)).has_certificate).toBe(true);

    const res = await owner.client.get<SamlCertificateBody>(`${path}/certificate`);
    expectStatus(res, 200);
    const c = res.body;
    expect(c.id).toMatch(/^cert_[A-Za-z0-9_-]+$/);
    expect(c.status).toBe('active');
    expect(c.is_active).toBe(true);
    expect(c.valid_from).toMatch(RFC3339_UTC);
    expect(c.valid_until).toMatch(RFC3339_UTC);
    expect(c.public_key).toMatch(/^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/);
    expect(res.text).not.toMatch(/PRIVATE KEY|encrypted|private_key/i);

    const from = Date.parse(c.valid_from);
    const until = Date.parse(c.valid_until);
    expect(Math.abs(from - before)).toBeLessThan(5 * 60_000);
    expect(until - from).toBeGreaterThanOrEqual(3 * 365 * DAY_MS);
    expect(until - from).toBeLessThanOrEqual(3 * 366 * DAY_MS);

    const x509 = new X509Certificate(c.public_key);
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(x509.publicKey.asymmetricKeyDetails?.publicExponent).toBe(65537n);
    expect(Math.abs(Date.parse(x509.validFrom) - from)).toBeLessThan(2000);
    expect(Math.abs(Date.parse(x509.validTo) - until)).toBeLessThan(2000);
    expect(x509.subject).toContain(`Org ${o}`);
    expect(x509.subject).toContain(`Service ${s}`);
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.ca).toBe(false);

    const forgeCert = forge.pki.certificateFromPem(c.public_key);
    expect(forgeCert.siginfo.algorithmOid).toBe(forge.pki.oids.sha256WithRSAEncryption);

    // Enabling again keeps the same certificate; a second service gets its own, with a different serial.
    expectStatus(await owner.client.post(path, { ...ENABLE, name_id_format: NAME_ID.transient }), 200);
    const again = await owner.client.get<{ certificates: SamlCertificateBody[] }>(`${path}/certificates`);
    expect(again.body.certificates.map((x) => x.id)).toEqual([c.id]);
    const s2 = (await createService(owner, o)).slug;
    expectStatus(await owner.client.post(samlPath(o, s2), ENABLE), 200);
    const other = await owner.client.get<SamlCertificateBody>(`${samlPath(o, s2)}/certificate`);
    expectStatus(other, 200);
    expect(other.body.id).not.toBe(c.id);
    const otherX509 = new X509Certificate(other.body.public_key);
    expect(otherX509.serialNumber).not.toBe(x509.serialNumber);
    expect(otherX509.subject).toContain(`Service ${s2}`);
    expect(otherX509.publicKey.export({ format: 'der', type: 'spki' }).equals(x509.publicKey.export({ format: 'der', type: 'spki' }))).toBe(false);
  });

  it('POST …/saml/certificate: 400 unless SAML is enabled', async () => {
    const t = await freshService();
    expectError(await owner.client.post(t.path('/certificate')), 400, 'BAD_REQUEST');
    expectStatus(await owner.client.post(t.path(), { enabled: false, entity_id: SP_ENTITY, acs_url: SP_ACS }), 200);
    expectError(await owner.client.post(t.path('/certificate'), { activate: false }), 400, 'BAD_REQUEST');
    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    expect(list.body.certificates).toEqual([]);
  });

  it('POST …/saml/certificate (no body or activate:true) makes the new certificate the only active one', async () => {
    const t = await freshService();
    expectStatus(await owner.client.post(t.path(), ENABLE), 200);
    const first = (await owner.client.get<SamlCertificateBody>(t.path('/certificate'))).body;
    const second = await owner.client.post<SamlCertificateBody>(t.path('/certificate'));
    expectStatus(second, 201);
    expect(second.body).toMatchObject({ status: 'active', is_active: true });
    expect(second.body.id).not.toBe(first.id);
    expect(second.text).not.toMatch(/PRIVATE KEY/);
    const third = await owner.client.post<SamlCertificateBody>(t.path('/certificate'), { activate: true });
    expectStatus(third, 201);
    expect(third.body.status).toBe('active');

    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    expectStatus(list, 200);
    expect(list.body.certificates.map((c) => [c.id, c.status, c.is_active])).toEqual([
      [first.id, 'inactive', false],
      [second.body.id, 'inactive', false],
      [third.body.id, 'active', true],
    ]);
    for (const c of list.body.certificates) expect(c.public_key).toContain('BEGIN CERTIFICATE');
    const active = await owner.client.get<SamlCertificateBody>(t.path('/certificate'));
    expect(active.body.id).toBe(third.body.id);
    expect(active.body.public_key).toBe(third.body.public_key);
  });

  it('concurrent enabling and concurrent rotations still leave exactly one active certificate', async () => {
    const t = await freshService();
    const enables = await Promise.all([1, 2, 3].map(() => owner.client.post(t.path(), ENABLE)));
    expect(enables.map((r) => r.status)).toEqual([200, 200, 200]);
    const afterEnable = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    expect(afterEnable.body.certificates.filter((c) => c.status === 'active')).toHaveLength(1);

    const rotations = await Promise.all([1, 2, 3].map(() => owner.client.post<SamlCertificateBody>(t.path('/certificate'))));
    expect(rotations.map((r) => r.status)).toEqual([201, 201, 201]);
    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    const active = list.body.certificates.filter((c) => c.status === 'active');
    expect(active).toHaveLength(1);
    expect(rotations.map((r) => r.body.id)).toContain(active[0]?.id);
    expect((await owner.client.get<SamlCertificateBody>(t.path('/certificate'))).body.id).toBe(active[0]?.id);

    const pendings = await Promise.all([1, 2, 3].map(() => owner.client.post<SamlCertificateBody>(t.path('/certificate'), { activate: false })));
    expect(pendings.map((r) => r.body.status)).toEqual(['pending', 'pending', 'pending']);
    const activations = await Promise.all(pendings.map((p) => owner.client.post<SamlCertificateBody>(t.path(`/certificates/${p.body.id}/activate`))));
    expect(activations.map((r) => r.status)).toEqual([200, 200, 200]);
    const final = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    const finalActive = final.body.certificates.filter((c) => c.status === 'active');
    expect(finalActive).toHaveLength(1);
    expect(final.body.certificates.filter((c) => c.status === 'pending')).toHaveLength(0);
    expect(pendings.map((p) => p.body.id)).toContain(finalActive[0]?.id);
  });

  it('{activate:false} publishes a pending certificate next to the active one while the active one keeps signing; …/activate switches', async () => {
    const world = await samlWorld(srv.url);
    const path = samlPath(world.org, world.svc.slug);
    const activeCert = (await world.admin.client.get<SamlCertificateBody>(`${path}/certificate`)).body;
    const pending = await world.admin.client.post<SamlCertificateBody>(`${path}/certificate`, { activate: false });
    expectStatus(pending, 201);
    expect(pending.body).toMatchObject({ status: 'pending', is_active: false });

    // GET …/certificate still answers the active one; the list shows both.
    expect((await world.admin.client.get<SamlCertificateBody>(`${path}/certificate`)).body.id).toBe(activeCert.id);
    const list = await world.admin.client.get<{ certificates: SamlCertificateBody[] }>(`${path}/certificates`);
    expect(list.body.certificates.map((c) => [c.id, c.status])).toEqual([
      [activeCert.id, 'active'],
      [pending.body.id, 'pending'],
    ]);

    const keysInMetadata = async () => {
      const res = await fetch(world.urls.metadata);
      expect(res.status).toBe(200);
      return all(parseXml(await res.text()), NS.metadata, 'KeyDescriptor').map((k) => {
        expect(k.getAttribute('use')).toBe('signing');
        return text(one(k, NS.dsig, 'X509Certificate'));
      });
    };
    expect(await keysInMetadata()).toEqual([pemBody(activeCert.public_key), pemBody(pending.body.public_key)]);

    const jar = new CookieJar();
    const signIn = async () => {
      const req = authnRequest({ issuer: SP_ENTITY, destination: world.urls.sso });
      const page = await completeSignIn(world, jar, await browserFetch(jar, redirectUrl(world.urls.sso, req.xml)));
      return samlResponseFrom(page).xml;
    };
    const signedBefore = await signIn();
    const before = parseXml(signedBefore);
    expect(verifiesWith(signedBefore, before.documentElement as Element, activeCert.public_key)).toBe(true);
    expect(verifiesWith(signedBefore, before.documentElement as Element, pending.body.public_key)).toBe(false);
    // Every KeyInfo in the Response names the active certificate.
    expect(all(before, NS.dsig, 'X509Certificate').map(text)).toEqual(Array(2).fill(pemBody(activeCert.public_key)));

    const switched = await world.admin.client.post<SamlCertificateBody>(`${path}/certificates/${pending.body.id}/activate`);
    expectStatus(switched, 200);
    expect(switched.body).toMatchObject({ id: pending.body.id, status: 'active', is_active: true });
    const after = await world.admin.client.get<{ certificates: SamlCertificateBody[] }>(`${path}/certificates`);
    expect(after.body.certificates.map((c) => [c.id, c.status])).toEqual([
      [activeCert.id, 'inactive'],
      [pending.body.id, 'active'],
    ]);
    expect((await world.admin.client.get<SamlCertificateBody>(`${path}/certificate`)).body.id).toBe(pending.body.id);
    expect(await keysInMetadata()).toEqual([pemBody(pending.body.public_key)]);

    const signedAfter = await signIn();
    const afterDoc = parseXml(signedAfter);
    expect(verifiesWith(signedAfter, afterDoc.documentElement as Element, pending.body.public_key)).toBe(true);
    expect(verifiesWith(signedAfter, afterDoc.documentElement as Element, activeCert.public_key)).toBe(false);
  });

  it("…/certificates/:id/activate: 404 for an unknown, malformed or other service's certificate id", async () => {
    const t = await freshService();
    expectStatus(await owner.client.post(t.path(), ENABLE), 200);
    const mine = (await owner.client.get<SamlCertificateBody>(t.path('/certificate'))).body;
    const u = await freshService();
    expectStatus(await owner.client.post(u.path(), ENABLE), 200);
    const theirs = (await owner.client.get<SamlCertificateBody>(u.path('/certificate'))).body;

    expectError(await owner.client.post(t.path('/certificates/cert_doesnotexist0000000000/activate')), 404, 'NOT_FOUND');
    expectError(await owner.client.post(t.path('/certificates/not-an-id/activate')), 404, 'NOT_FOUND');
    expectError(await owner.client.post(t.path(`/certificates/${theirs.id}/activate`)), 404, 'NOT_FOUND');
    expectError(await owner.client.post(t.path(`/certificates/${encodeURIComponent("cert_' OR 1=1 --")}/activate`)), 404, 'NOT_FOUND');
    // The other service's certificate was not moved or changed, and ours is still the active one.
    expect((await owner.client.get<SamlCertificateBody>(u.path('/certificate'))).body).toMatchObject({ id: theirs.id, status: 'active' });
    expect((await owner.client.get<SamlCertificateBody>(t.path('/certificate'))).body.id).toBe(mine.id);
    expectStatus(await owner.client.post(t.path(`/certificates/${mine.id}/activate`)), 200);
  });

  it('DELETE …/saml: 200 {message}, SAML disabled, every certificate inactive, metadata and SSO 404; enabling again issues a new certificate', async () => {
    const t = await freshService();
    expectStatus(await owner.client.post(t.path(), ENABLE), 200);
    const first = (await owner.client.get<SamlCertificateBody>(t.path('/certificate'))).body;
    const pending = await owner.client.post<SamlCertificateBody>(t.path('/certificate'), { activate: false });
    expectStatus(pending, 201);
    const cfg = await getConfig(t.path());
    expect((await fetch(cfg.metadata_url)).status).toBe(200);

    const del = await owner.client.delete<{ message: string }>(t.path());
    expectStatus(del, 200);
    expect(typeof del.body.message).toBe('string');
    expect(del.body.message.length).toBeGreaterThan(0);

    const after = await getConfig(t.path());
    expect(after.enabled).toBe(false);
    expect(after.has_certificate).toBe(false);
    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'));
    expect(list.body.certificates.map((c) => [c.id, c.status, c.is_active])).toEqual([
      [first.id, 'inactive', false],
      [pending.body.id, 'inactive', false],
    ]);
    expectError(await owner.client.get(t.path('/certificate')), 404, 'NOT_FOUND');
    expect((await fetch(cfg.metadata_url)).status).toBe(404);
    const req = authnRequest({ issuer: SP_ENTITY, destination: cfg.sso_url });
    const sso = await fetch(redirectUrl(cfg.sso_url, req.xml), { redirect: 'manual', headers: { accept: 'application/json' } });
    expect(sso.status).toBe(404);
    expect(await sso.text()).not.toContain('SAMLResponse');
    const ssoPost = await fetch(cfg.sso_url, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ SAMLRequest: Buffer.from(req.xml).toString('base64') }).toString(),
    });
    expect(ssoPost.status).toBe(404);
    expectError(await owner.client.post(t.path('/certificate')), 400, 'BAD_REQUEST');

    // Re-enabling finds no active certificate and generates a fresh one (the old ones stay retired).
    expectStatus(await owner.client.post(t.path(), ENABLE), 200);
    const fresh = await owner.client.get<SamlCertificateBody>(t.path('/certificate'));
    expectStatus(fresh, 200);
    expect([first.id, pending.body.id]).not.toContain(fresh.body.id);
    expect((await fetch(cfg.metadata_url)).status).toBe(200);
  });
});
