// IdP signing certificates of a service's SAML configuration through the admin API (docs/api.md, SAML configuration):
// generation, rotation, pending certificates and activation, and what disabling SAML does to them; on every database.
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { createOrg, createService, registerAdmin, type Admin } from '../helpers/fixtures.ts';
import { RFC3339_UTC, expectError, expectStatus } from '../helpers/admin-plane.ts';
import {
  ENABLE_SAML,
  freshSamlService,
  samlConfigOf,
  samlPath,
  CookieJar,
  SP_ACS,
  SP_ENTITY,
  browserFetch,
  completeSignIn,
  samlResponseFrom,
  samlWorld,
  type SamlCertificateBody,
} from '../helpers/saml.ts';
import { NAME_ID, NS, all, authnRequest, one, parseXml, pemBody, redirectUrl, text, verifiesWith } from '../helpers/saml-xml.ts';

const DAY_MS = 86_400_000;

describe.each(databases())('SAML certificates (docs/api.md) on $name', (factory) => {
  const srv = suiteServer(factory);
  let owner: Admin;
  const freshService = () => freshSamlService(owner);
  const getConfig = (path: string) => samlConfigOf(owner, path);

  beforeAll(async () => {
    owner = await registerAdmin(srv.url, 'owner');
  });

  it('enabling without a certificate generates one: RSA-2048, SHA-256, self-signed, 3 years, subject naming org and service', async () => {
    const o = await createOrg(owner);
    const s = (await createService(owner, o)).slug;
    const path = samlPath(o, s);
    const before = Date.now();
    expectStatus(await owner.client.post(path, ENABLE_SAML), 200);
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
    expectStatus(await owner.client.post(path, { ...ENABLE_SAML, name_id_format: NAME_ID.transient }), 200);
    const again = await owner.client.get<{ certificates: SamlCertificateBody[] }>(`${path}/certificates`);
    expect(again.body.certificates.map((x) => x.id)).toEqual([c.id]);
    const s2 = (await createService(owner, o)).slug;
    expectStatus(await owner.client.post(samlPath(o, s2), ENABLE_SAML), 200);
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

  it('…/certificates/:id/activate: 400 while SAML is disabled, so a retired key cannot sign again', async () => {
    const t = await freshService();
    expectStatus(await owner.client.post(t.path(), { enabled: true, entity_id: SP_ENTITY, acs_url: SP_ACS }), 200);
    const [first] = (await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'))).body.certificates;
    expectStatus(await owner.client.delete(t.path()), 200);
    expectError(await owner.client.post(t.path(`/certificates/${first?.id ?? ''}/activate`)), 400, 'BAD_REQUEST');
    const after = (await owner.client.get<{ certificates: SamlCertificateBody[] }>(t.path('/certificates'))).body.certificates;
    expect(after.map((c) => c.status)).toEqual(['inactive']);
  });

  it('POST …/saml/certificate (no body or activate:true) makes the new certificate the only active one', async () => {
    const t = await freshService();
    expectStatus(await owner.client.post(t.path(), ENABLE_SAML), 200);
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
    const enables = await Promise.all([1, 2, 3].map(() => owner.client.post(t.path(), ENABLE_SAML)));
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
    expectStatus(await owner.client.post(t.path(), ENABLE_SAML), 200);
    const mine = (await owner.client.get<SamlCertificateBody>(t.path('/certificate'))).body;
    const u = await freshService();
    expectStatus(await owner.client.post(u.path(), ENABLE_SAML), 200);
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
    expectStatus(await owner.client.post(t.path(), ENABLE_SAML), 200);
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
    expectStatus(await owner.client.post(t.path(), ENABLE_SAML), 200);
    const fresh = await owner.client.get<SamlCertificateBody>(t.path('/certificate'));
    expectStatus(fresh, 200);
    expect([first.id, pending.body.id]).not.toContain(fresh.body.id);
    expect((await fetch(cfg.metadata_url)).status).toBe(200);
  });
});
