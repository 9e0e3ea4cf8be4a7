// SAML configuration and IdP signing certificates through the admin API (docs/api.md, SAML configuration), on every database.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer } from '../helpers/server.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client, type Json, type Res } from '../helpers/http.ts';
import { addMember, createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { expectError, expectStatus } from '../helpers/admin-plane.ts';
import { ENABLE_SAML, freshSamlService, samlConfigOf, samlPath, SP_ACS, SP_ENTITY, type SamlCertificateBody, type SamlConfigBody } from '../helpers/saml.ts';
import { NAME_ID, pemBody, rsaCertificate } from '../helpers/saml-xml.ts';

// Test certificates for sp_certificate, generated once (key generation is the slow part).
const GOOD_CERT = rsaCertificate(2048);
const SHORT_KEY_CERT = rsaCertificate(1024);
const EXPONENT_3_CERT = rsaCertificate(2048, 3);

describe.each(databases())('SAML configuration (docs/api.md) on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  let member: Admin;
  let outsider: Admin;
  let org: string;
  let svc: string;

  const freshService = () => freshSamlService(owner);
  const getConfig = (path: string) => samlConfigOf(owner, path);
  const expect400 = (res: Res<unknown>, field?: string) => {
    const body = expectError(res, 400, 'BAD_REQUEST');
    if (field) expect((body.details ?? []).map((d) => d.field).join(',')).toContain(field);
  };

  beforeAll(async () => {
    owner = await registerAdmin(srv.url, 'owner');
    org = await createOrg(owner);
    svc = (await createService(owner, org)).slug;
    member = await addMember(owner, org, 'member', srv.url);
    outsider = await registerAdmin(srv.url, 'outsider');
  });

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
      ...ENABLE_SAML,
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
    expectStatus(await owner.client.post(t.path(), ENABLE_SAML), 200);
    expect((await getConfig(t.path())).name_id_format).toBe(NAME_ID.email);

    const u = await freshService();
    expect400(await owner.client.post(u.path(), { entity_id: SP_ENTITY, acs_url: SP_ACS }), 'enabled');
    expect400(await owner.client.post(u.path(), { enabled: 'yes', entity_id: SP_ENTITY, acs_url: SP_ACS }), 'enabled');
    expect400(await owner.client.post(u.path(), { enabled: true, acs_url: SP_ACS }), 'entity_id');
    expect400(await owner.client.post(u.path(), { enabled: true, entity_id: '', acs_url: SP_ACS }), 'entity_id');
    expect400(await owner.client.post(u.path(), { enabled: true, entity_id: SP_ENTITY }), 'acs_url');
    expect400(await owner.client.post(u.path(), { ...ENABLE_SAML, entity_id: `https://sp.example.com/${'e'.repeat(1024)}` }), 'entity_id');
    // Nothing of the refused attempts was stored.
    expect((await getConfig(u.path())).enabled).toBe(false);
    expect((await getConfig(u.path())).has_certificate).toBe(false);

    const longest = `https://sp.example.com/${'e'.repeat(1024 - 'https://sp.example.com/'.length)}`;
    expect(longest.length).toBe(1024);
    expectStatus(await owner.client.post(u.path(), { ...ENABLE_SAML, entity_id: longest }), 200);
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
      expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, acs_url: acs }), 200);
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
      expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, acs_url: acs }), 'acs_url');
    }
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, slo_url: 'https://sp.example.com/slo' }), 200);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, slo_url: 'http://127.0.0.1:9000/slo' }), 200);
    for (const slo of ['http://sp.example.com/slo', 'javascript:alert(1)', '/slo']) {
      expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, slo_url: slo }), 'slo_url');
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
      expectStatus(await a.client.post(path, { ...ENABLE_SAML, acs_url: 'http://sp.internal.example/acs', slo_url: 'http://sp.internal.example/slo' }), 200);
      const cfg = await a.client.get<SamlConfigBody>(path);
      expect(cfg.body.acs_url).toBe('http://sp.internal.example/acs');
      expect(cfg.body.slo_url).toBe('http://sp.internal.example/slo');
      expect(cfg.body.idp_entity_id).toBe(`https://idp.example.test/saml/${o}/${s}/metadata`);
      expect(cfg.body.sso_url).toBe(`https://idp.example.test/saml/${o}/${s}/sso`);
      for (const acs of ['javascript:alert(1)', '/acs', 'ftp://sp.internal.example/acs']) {
        expect400(await a.client.post(path, { ...ENABLE_SAML, acs_url: acs }), 'acs_url');
      }
    } finally {
      await lax.stop();
    }
    // The default server still refuses the same URL.
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, acs_url: 'http://sp.internal.example/acs' }), 'acs_url');
  });

  it('name_id_format must be one of the four URNs', async () => {
    const t = await freshService();
    for (const format of Object.values(NAME_ID)) {
      expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, name_id_format: format }), 200);
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
      expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, name_id_format: format }), 'name_id_format');
    }
  });

  it('sign_assertions and sign_response: both false is 400, also when the other one is already stored as false', async () => {
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sign_assertions: false, sign_response: false }));
    expect((await getConfig(t.path())).enabled).toBe(false);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, sign_assertions: false, sign_response: true }), 200);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, sign_assertions: true, sign_response: false }), 200);
    // sign_response is stored as false; turning sign_assertions off now would leave nothing signed.
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sign_assertions: false }));
    const cfg = await getConfig(t.path());
    expect(cfg.sign_assertions || cfg.sign_response).toBe(true);
    expect(cfg.sign_assertions).toBe(true);
  });

  it('sp_certificate: a PEM X.509 RSA certificate of at least 2048 bits with e = 65537', async () => {
    const t = await freshService();
    const good = await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: GOOD_CERT });
    expectStatus(good, 200);
    const stored = (await getConfig(t.path())).sp_certificate ?? '';
    expect(pemBody(stored)).toBe(pemBody(GOOD_CERT));
    expect(new X509Certificate(stored).fingerprint256).toBe(new X509Certificate(GOOD_CERT).fingerprint256);

    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: SHORT_KEY_CERT }), 'sp_certificate');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: EXPONENT_3_CERT }), 'sp_certificate');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: 'not a certificate' }), 'sp_certificate');
    expect400(
      await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' }),
      'sp_certificate',
    );
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: pemBody(GOOD_CERT).slice(0, 200) }), 'sp_certificate');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: 42 }), 'sp_certificate');
    // None of the refused certificates replaced the good one.
    expect(pemBody((await getConfig(t.path())).sp_certificate ?? '')).toBe(pemBody(GOOD_CERT));
  });

  it('want_authn_requests_signed needs sp_certificate', async () => {
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, want_authn_requests_signed: true }), 'want_authn_requests_signed');
    expect((await getConfig(t.path())).want_authn_requests_signed).toBe(false);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, want_authn_requests_signed: true, sp_certificate: GOOD_CERT }), 200);
    const cfg = await getConfig(t.path());
    expect(cfg.want_authn_requests_signed).toBe(true);
    expect(cfg.sp_certificate).not.toBeNull();
    // Removing the certificate while signed requests are still wanted would leave nothing to verify with.
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: null }));
    const after = await getConfig(t.path());
    expect(after.want_authn_requests_signed && after.sp_certificate === null).toBe(false);
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, sp_certificate: null, want_authn_requests_signed: false }), 200);
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
    expectStatus(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: full }), 200);
    expect((await getConfig(t.path())).attribute_mapping).toEqual(full);

    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: { password_hash: 'pw' } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: { email: '' } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: { email: '   ' } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: { email: 7 } }), 'attribute_mapping');
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: ['email'] }), 'attribute_mapping');
    const many: Json = {};
    for (let i = 0; i < 51; i++) many[`source_${i}`] = `attr${i}`;
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, attribute_mapping: many }), 'attribute_mapping');
    expect((await getConfig(t.path())).attribute_mapping).toEqual(full);
  });

  it('unknown fields and prototype keys are 400; the body must be a JSON object', async () => {
    const t = await freshService();
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, private_key: 'x' }));
    expect400(await owner.client.post(t.path(), { ...ENABLE_SAML, idp_entity_id: 'https://evil.example.com' }));
    expect400(await owner.client.post(t.path(), `{"enabled":true,"entity_id":"${SP_ENTITY}","acs_url":"${SP_ACS}","__proto__":{"x":1}}`));
    expect400(await owner.client.post(t.path(), [ENABLE_SAML]));
    expect((await getConfig(t.path())).enabled).toBe(false);
    // The certificate endpoint's body is checked the same way.
    expectStatus(await owner.client.post(t.path(), ENABLE_SAML), 200);
    expect400(await owner.client.post(t.path('/certificate'), { activate: 'no' }));
    expect400(await owner.client.post(t.path('/certificate'), { activate: true, bits: 1024 }));
  });

  it('roles: a member reads (200) but cannot change anything (403); a non-member gets 404; no token 401', async () => {
    const path = samlPath(org, svc);
    expectStatus(await owner.client.post(path, ENABLE_SAML), 200);
    const cert = await owner.client.get<SamlCertificateBody>(`${path}/certificate`);
    expectStatus(cert, 200);

    expectStatus(await member.client.get(path), 200);
    expect((await member.client.get<SamlConfigBody>(path)).body.entity_id).toBe(SP_ENTITY);
    expectStatus(await member.client.get(`${path}/certificate`), 200);
    expectStatus(await member.client.get(`${path}/certificates`), 200);
    expectError(await member.client.post(path, { ...ENABLE_SAML, entity_id: 'https://member.example.com' }), 403, 'FORBIDDEN');
    expectError(await member.client.put(path, { ...ENABLE_SAML, entity_id: 'https://member.example.com' }), 403, 'FORBIDDEN');
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
      const body = verb === 'POST' && sub === '' ? ENABLE_SAML : undefined;
      expectError(await outsider.client.request(verb, `${path}${sub}`, body), 404, 'NOT_FOUND');
      expectError(await new Client(srv.url).request(verb, `${path}${sub}`, body), 401, 'UNAUTHORIZED');
    }
    expectError(await owner.client.get(samlPath(org, 'no-such-service')), 404, 'NOT_FOUND');
    expectError(await owner.client.get(samlPath('no-such-org-here', svc)), 404, 'NOT_FOUND');
    // Nothing changed through the refused calls.
    const list = await owner.client.get<{ certificates: SamlCertificateBody[] }>(`${path}/certificates`);
    expect(list.body.certificates.filter((c) => c.status === 'active').map((c) => c.id)).toEqual([cert.body.id]);
  });
});
