// Interoperability: @node-saml/node-saml as an independent SP drives SP-initiated SSO through real
// HTTP (both request bindings), and validates the Response (signatures, audience, InResponseTo, times);
// the xmlsec1 command line verifies the same signatures pinned to the metadata certificate.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SAML, SamlConfig } from '@node-saml/node-saml';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { CookieJar, SP_ACS, browserFetch, completeSignIn, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { nodeSamlSp, serviceEnd, spEnd } from '../helpers/node-saml.ts';
import { addSamlService } from '../helpers/saml-attacks.ts';
import { createPlan, createKey } from '../helpers/fixtures.ts';
import { Client } from '../helpers/http.ts';

const NAMEID = {
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
  persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
  transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
  unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
};

/** The suites' SP, with no clock skew allowed: the IdP's times must be right as issued. */
function sp(world: SamlWorld, extra: Partial<SamlConfig> = {}): SAML {
  return nodeSamlSp(spEnd(world), { acceptedClockSkewMs: 0, ...extra });
}

function xmlsecVerify(xml: string, certPem: string, node: 'Response' | 'Assertion'): string {
  const dir = mkdtempSync(join(tmpdir(), 'xmlsec-'));
  writeFileSync(join(dir, 'r.xml'), xml);
  writeFileSync(join(dir, 'cert.pem'), certPem);
  const id = node === 'Response' ? 'urn:oasis:names:tc:SAML:2.0:protocol:Response' : 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion';
  return execFileSync(
    'xmlsec1',
    [
      '--verify',
      '--enabled-key-data',
      'x509',
      '--pubkey-cert-pem',
      join(dir, 'cert.pem'),
      '--id-attr:ID',
      id,
      '--node-xpath',
      `//*[local-name()='${node}']/*[local-name()='Signature']`,
      join(dir, 'r.xml'),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

async function redirectLogin(world: SamlWorld, saml: SAML, jar: CookieJar, relay = 'relay-123') {
  const url = await saml.getAuthorizeUrlAsync(relay, undefined, {});
  const first = await browserFetch(jar, url);
  return samlResponseFrom(await completeSignIn(world, jar, first));
}

describe.each(databases())('node-saml SP against Tessera on $name', (factory) => {
  const srv = suiteServer(factory);

  it('HTTP-Redirect: sign-in, then node-saml validates the signed Response and reads NameID and attributes; xmlsec1 agrees', async () => {
    const world = await samlWorld(srv.url);
    const planId = await createPlan(world.admin, world.org, world.svc.slug, 'Gold', ['sso', 'audit-log']);
    const key = await createKey(world.admin, world.org, world.svc.slug, ['write:users', 'write:subscriptions']);
    const api = new Client(srv.url).apiKey(key.key);
    expect((await api.post('/api/service/users', { email: world.userEmail })).status).toBe(200);
    expect((await api.post('/api/service/subscriptions', { user_id: world.userId, plan_id: planId })).status).toBe(200);

    const saml = sp(world);
    const jar = new CookieJar();
    const resp = await redirectLogin(world, saml, jar);
    expect(resp.action).toBe(SP_ACS);
    expect(resp.RelayState).toBe('relay-123');
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse, RelayState: resp.RelayState ?? '' });
    expect(profile?.nameID).toBe(world.userEmail);
    expect(profile?.nameIDFormat).toBe(NAMEID.email);
    expect(profile?.email).toBe(world.userEmail);
    expect(profile?.uid).toBe(world.userId);
    expect(profile?.plan).toBe('Gold');
    expect(profile?.features).toEqual(['sso', 'audit-log']);
    expect(profile?.sessionIndex).toMatch(/^_/);

    expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Response')).toBe('');
    expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Assertion')).toBe('');
  });

  it('HTTP-POST binding (deflated by node-saml) and a second SSO in the same session without sign-in', async () => {
    const world = await samlWorld(srv.url);
    const saml = sp(world, { authnRequestBinding: 'HTTP-POST' });
    const jar = new CookieJar();
    const msg = await saml.getAuthorizeMessageAsync('post-relay');
    const first = await browserFetch(jar, world.urls.sso, { form: { SAMLRequest: String(msg.SAMLRequest), RelayState: String(msg.RelayState) } });
    expect(first.status).toBe(302);
    const resp = samlResponseFrom(await completeSignIn(world, jar, first));
    const ok = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse, RelayState: resp.RelayState ?? '' });
    expect(ok.profile?.nameID).toBe(world.userEmail);

    // Second service of the same organization, same browser: no sign-in page.
    const second = await addSamlService(world, { entity_id: 'https://second.example.com/sp', acs_url: 'http://localhost:4568/acs' });
    const saml2 = nodeSamlSp(await serviceEnd(world, second, 'https://second.example.com/sp', 'http://localhost:4568/acs'), { acceptedClockSkewMs: 0 });
    const direct = await browserFetch(jar, await saml2.getAuthorizeUrlAsync('', undefined, {}));
    expect(direct.status).toBe(200);
    const resp2 = samlResponseFrom(direct);
    expect(resp2.action).toBe('http://localhost:4568/acs');
    const ok2 = await saml2.validatePostResponseAsync({ SAMLResponse: resp2.SAMLResponse });
    expect(ok2.profile?.nameID).toBe(world.userEmail);
  });

  it.each([
    ['persistent', NAMEID.persistent],
    ['transient', NAMEID.transient],
    ['unspecified', NAMEID.unspecified],
  ])('NameID format %s', async (_name, format) => {
    const world = await samlWorld(srv.url, { name_id_format: format });
    const saml = sp(world);
    const jar = new CookieJar();
    const first = await redirectLogin(world, saml, jar);
    const a = await saml.validatePostResponseAsync({ SAMLResponse: first.SAMLResponse });
    const second = samlResponseFrom(await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {})));
    const b = await saml.validatePostResponseAsync({ SAMLResponse: second.SAMLResponse });
    expect(a.profile?.nameIDFormat).toBe(format);
    if (format === NAMEID.persistent) {
      expect(a.profile?.nameID).toMatch(/^tsr-/);
      expect(b.profile?.nameID).toBe(a.profile?.nameID);
    } else if (format === NAMEID.transient) {
      expect(b.profile?.nameID).not.toBe(a.profile?.nameID);
    } else {
      expect(a.profile?.nameID).toBe(world.userId);
    }
  });

  it.each([
    [true, false],
    [false, true],
    [true, true],
  ])('sign_assertions=%s sign_response=%s is what node-saml and xmlsec1 see', async (signAssertions, signResponse) => {
    const world = await samlWorld(srv.url, { sign_assertions: signAssertions, sign_response: signResponse });
    const saml = sp(world, { wantAssertionsSigned: signAssertions, wantAuthnResponseSigned: signResponse });
    const resp = await redirectLogin(world, saml, new CookieJar());
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    expect(profile?.nameID).toBe(world.userEmail);
    const signatures = resp.xml.match(/<ds:Signature /g) ?? [];
    expect(signatures.length).toBe(Number(signAssertions) + Number(signResponse));
    if (signResponse) expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Response')).toBe('');
    if (signAssertions) expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Assertion')).toBe('');
  });

  it('values with XML-special and whitespace characters are escaped canonically and still verify', async () => {
    const world = await samlWorld(srv.url);
    const tricky = 'Gold & "Co" <b>\'x\'</b>\ttab\nline\rcr >';
    const planId = await createPlan(world.admin, world.org, world.svc.slug, tricky, ['a&b', '<script>', 'q"uote', 'tab\there', 'new\nline']);
    const key = await createKey(world.admin, world.org, world.svc.slug, ['write:users', 'write:subscriptions']);
    const api = new Client(srv.url).apiKey(key.key);
    expect((await api.post('/api/service/users', { email: world.userEmail })).status).toBe(200);
    expect((await api.post('/api/service/subscriptions', { user_id: world.userId, plan_id: planId })).status).toBe(200);
    const saml = sp(world);
    const resp = await redirectLogin(world, saml, new CookieJar(), 'r&"<>');
    expect(resp.RelayState).toBe('r&"<>');
    const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
    expect(profile?.plan).toBe(tricky.replace(/\r/g, '\r'));
    expect(profile?.features).toEqual(['a&b', '<script>', 'q"uote', 'tab\there', 'new\nline']);
    expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Response')).toBe('');
    expect(xmlsecVerify(resp.xml, world.idpCertPem, 'Assertion')).toBe('');
  });

  it('rotation: after POST …/saml/certificate only the new certificate signs', async () => {
    const world = await samlWorld(srv.url);
    // A Response before the rotation: the service (and its key) is now in the instance's SAML directory.
    const jar = new CookieJar();
    const first = sp(world);
    const before = await redirectLogin(world, first, jar);
    await expect(first.validatePostResponseAsync({ SAMLResponse: before.SAMLResponse })).resolves.toBeTruthy();
    const rotated = await world.admin.client.post<{ public_key: string; status: string }>(
      `/api/organizations/${world.org}/services/${world.svc.slug}/saml/certificate`,
    );
    expect(rotated.status).toBe(201);
    expect(rotated.body.status).toBe('active');
    const saml = sp({ ...world, idpCertPem: rotated.body.public_key });
    const resp = await redirectLogin(world, saml, jar);
    await expect(saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse })).resolves.toBeTruthy();
    const oldSp = sp(world);
    await expect(oldSp.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse })).rejects.toThrow();
    expect(() => xmlsecVerify(resp.xml, world.idpCertPem, 'Response')).toThrow();
    expect(xmlsecVerify(resp.xml, rotated.body.public_key, 'Response')).toBe('');
  });
});
