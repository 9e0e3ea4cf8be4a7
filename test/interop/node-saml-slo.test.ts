// Interoperability: @node-saml/node-saml as the SP drives Single Logout through real HTTP. It signs in,
// sends a signed LogoutRequest (HTTP-Redirect, as node-saml does), and validates the signed
// LogoutResponse the IdP auto-POSTs to its slo_url; a second SP of the organization receives the
// IdP's LogoutRequest first and answers it by HTTP-Redirect. Forged, unsigned or other-user requests
// never end a session.
import { inflateRawSync } from 'node:zlib';
import { SignedXml } from 'xml-crypto';
import { describe, expect, it } from 'vitest';
import { ValidateInResponseTo, type Profile, type SAML } from '@node-saml/node-saml';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { nodeSamlSp, serviceEnd, signingWith, spEnd, type SpEnd } from '../helpers/node-saml.ts';
import { sloOf } from '../helpers/saml-logout.ts';
import {
  CookieJar,
  USER_PASSWORD,
  browserFetch,
  formAction,
  hiddenInput,
  completeSignIn,
  samlResponseFrom,
  samlWorld,
  type FetchResult,
  type SamlWorld,
} from '../helpers/saml.ts';
import { addSamlService, base64, expectRefused, generateKeyPair, newRequestId, type KeyPair } from '../helpers/saml-attacks.ts';
import { NS, STATUS, all, one, parseXml, protocolSchemaError, samlInstant } from '../helpers/saml-xml.ts';
import { uniqueEmail } from '../helpers/http.ts';

const SP_SLO = 'http://localhost:4567/saml/slo';
const B_ENTITY = 'https://b.example.com/sp';
const B_ACS = 'http://localhost:4568/acs';
const B_SLO = 'http://localhost:4568/slo';
const PARTIAL = 'urn:oasis:names:tc:SAML:2.0:status:PartialLogout';
const UNKNOWN_PRINCIPAL = 'urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal';
const REQUESTER = 'urn:oasis:names:tc:SAML:2.0:status:Requester';

/** node-saml for `end`, signing what it sends with `keys` (null: unsigned). */
function sp(end: SpEnd, keys: KeyPair | null): SAML {
  return nodeSamlSp(end, {
    // node-saml cannot check InResponseTo of a POSTed LogoutResponse (it looks for a Response root):
    // with `always` it refuses every one, so the tests compare InResponseTo themselves.
    validateInResponseTo: ValidateInResponseTo.ifPresent,
    ...(keys ? signingWith(keys) : {}),
  });
}

/** SP-initiated SSO in this browser (signing in when needed); returns node-saml's profile. */
async function signIn(world: SamlWorld, saml: SAML, jar: CookieJar, email = world.userEmail): Promise<Profile> {
  const first = await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {}));
  const resp = samlResponseFrom(await completeSignIn(world, jar, first, USER_PASSWORD, email));
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: resp.SAMLResponse });
  if (!profile) throw new Error('no profile');
  return profile;
}

/** The ID of the LogoutRequest node-saml put into a Redirect URL. */
function requestIdOf(url: string): string {
  const xml = inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest') ?? '', 'base64')).toString('utf8');
  return /\sID="([^"]+)"/.exec(xml)?.[1] ?? '';
}

/** The LogoutResponse on an auto-POST page: its root, top-level and nested status. */
function logoutResponse(page: FetchResult) {
  const out = samlResponseFrom(page);
  expect(protocolSchemaError(out.xml)).toBeNull();
  const root = parseXml(out.xml).documentElement as Element;
  expect(root.localName).toBe('LogoutResponse');
  const codes = all(root, NS.protocol, 'StatusCode').map((c) => c.getAttribute('Value'));
  return { ...out, root, codes };
}

/** True when this browser still has a live IdP session: a new SSO answers without the sign-in page. */
async function hasSession(saml: SAML, jar: CookieJar): Promise<boolean> {
  const res = await browserFetch(jar, await saml.getAuthorizeUrlAsync('', undefined, {}));
  if (res.status === 302) return false;
  expect(res.status).toBe(200);
  samlResponseFrom(res);
  return true;
}

/** A LogoutRequest for the HTTP-POST binding with an enveloped signature (xml-crypto). */
function postLogoutRequest(end: SpEnd, profile: Profile, key: KeyPair, certInKeyInfo = false): string {
  const xml =
    `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${newRequestId()}" Version="2.0" IssueInstant="${samlInstant(new Date())}" Destination="${end.slo}">` +
    `<saml:Issuer>${end.entity}</saml:Issuer><saml:NameID Format="${profile.nameIDFormat}">${profile.nameID}</saml:NameID>` +
    `<samlp:SessionIndex>${profile.sessionIndex ?? ''}</samlp:SessionIndex></samlp:LogoutRequest>`;
  const root = "/*[local-name(.)='LogoutRequest']";
  const sx = new SignedXml({
    privateKey: key.privateKey,
    ...(certInKeyInfo ? { publicCert: key.certPem } : {}),
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sx.addReference({
    xpath: root,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sx.computeSignature(xml, { prefix: 'ds', location: { reference: `${root}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sx.getSignedXml();
}

describe.each(databases())('Single Logout with node-saml on $name', (factory) => {
  const srv = suiteServer(factory);

  const sessionsOf = (userId: string) => srv.deps.db.idpSession.findMany({ where: { userId } });

  /** A service with an slo_url and the SP's certificate, and node-saml (signing) signed in to it in a new browser. */
  async function signedInSp() {
    const keys = generateKeyPair();
    const world = await samlWorld(srv.url, { slo_url: SP_SLO, sp_certificate: keys.certPem });
    const saml = sp(spEnd(world), keys);
    const jar = new CookieJar();
    const profile = await signIn(world, saml, jar);
    return { keys, world, saml, jar, profile };
  }

  it('HTTP-Redirect LogoutRequest: the IdP session ends and node-saml accepts the signed LogoutResponse at its slo_url', async () => {
    const { world, saml, jar, profile } = await signedInSp();
    expect(await hasSession(saml, jar)).toBe(true);

    const url = await saml.getLogoutUrlAsync(profile, 'bye-relay', {});
    expect(url.startsWith(`${sloOf(world.urls.sso)}?`)).toBe(true);
    const page = await browserFetch(jar, url);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toContain('no-store');
    const out = logoutResponse(page);
    expect(out.action).toBe(SP_SLO);
    expect(out.RelayState).toBe('bye-relay');
    expect(out.codes).toEqual([STATUS.success]);
    expect(out.root.getAttribute('InResponseTo')).toBe(requestIdOf(url));
    expect(out.root.getAttribute('Destination')).toBe(SP_SLO);
    expect(await saml.validatePostResponseAsync({ SAMLResponse: out.SAMLResponse })).toEqual({ profile: null, loggedOut: true });

    const sessions = await sessionsOf(world.userId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.endedAt).toBeInstanceOf(Date);
    expect(await hasSession(saml, jar)).toBe(false);
    // The same request again is a replay: refused locally.
    expectRefused(await browserFetch(jar, url));
  });

  it('HTTP-POST LogoutRequest with an enveloped signature is accepted too', async () => {
    const { keys, world, saml, jar, profile } = await signedInSp();
    const page = await browserFetch(jar, sloOf(world.urls.sso), {
      form: { SAMLRequest: base64(postLogoutRequest(spEnd(world), profile, keys)), RelayState: 'p' },
    });
    const out = logoutResponse(page);
    expect(out.codes).toEqual([STATUS.success]);
    expect(out.RelayState).toBe('p');
    expect((await saml.validatePostResponseAsync({ SAMLResponse: out.SAMLResponse })).loggedOut).toBe(true);
    expect(await hasSession(saml, jar)).toBe(false);
  });

  it("another user's NameID, or another browser's session, ends nothing: a signed non-success LogoutResponse", async () => {
    const keys = generateKeyPair();
    const world = await samlWorld(srv.url, { slo_url: SP_SLO, sp_certificate: keys.certPem });
    const otherEmail = uniqueEmail('other');
    const other = await world.admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, {
      email: otherEmail,
      password: USER_PASSWORD,
    });
    expect(other.status).toBe(201);
    const saml = sp(spEnd(world), keys);
    const jar = new CookieJar();
    const otherJar = new CookieJar();
    const mine = await signIn(world, saml, jar);
    const theirs = await signIn(world, saml, otherJar, otherEmail);

    const sent: FetchResult[] = [];
    for (const forged of [{ ...mine, nameID: otherEmail }, theirs, { ...mine, sessionIndex: theirs.sessionIndex }]) {
      sent.push(await browserFetch(jar, await saml.getLogoutUrlAsync(forged, '', {})));
    }
    // Signed by the SP, with a comment injected into the NameID: read as the signed (canonical) text.
    const injected = postLogoutRequest(spEnd(world), { ...mine, nameID: `${mine.nameID}<!---->.evil.example.com` }, keys);
    sent.push(await browserFetch(jar, sloOf(world.urls.sso), { form: { SAMLRequest: base64(injected) } }));
    for (const page of sent) {
      const out = logoutResponse(page);
      expect(out.action).toBe(SP_SLO);
      expect(out.codes).toEqual([REQUESTER, UNKNOWN_PRINCIPAL]);
    }
    expect((await sessionsOf(world.userId)).every((s) => s.endedAt === null)).toBe(true);
    expect((await sessionsOf(other.body.user.id)).every((s) => s.endedAt === null)).toBe(true);
    expect(await hasSession(saml, jar)).toBe(true);
    expect(await hasSession(saml, otherJar)).toBe(true);
  });

  it('a wrong signature, an attacker certificate in KeyInfo, or no signature although sp_certificate is set: local 400, session kept', async () => {
    const { world, saml, jar, profile } = await signedInSp();
    const attacker = generateKeyPair('attacker.example.com');

    const attempts: [string, () => Promise<FetchResult>][] = [
      ['Signature verification failed', async () => browserFetch(jar, await sp(spEnd(world), attacker).getLogoutUrlAsync(profile, '', {}))],
      ['must be signed', async () => browserFetch(jar, await sp(spEnd(world), null).getLogoutUrlAsync(profile, '', {}))],
      [
        'Signature verification failed',
        async () => browserFetch(jar, sloOf(world.urls.sso), { form: { SAMLRequest: base64(postLogoutRequest(spEnd(world), profile, attacker, true)) } }),
      ],
      ['exactly one SAML message', async () => browserFetch(jar, sloOf(world.urls.sso))],
      // A validly signed LogoutResponse nobody asked for.
      ['No logout is waiting', async () => browserFetch(jar, await saml.getLogoutResponseUrlAsync({ ...profile, ID: newRequestId() }, '', {}, true))],
    ];
    for (const [reason, attempt] of attempts) {
      const res = await attempt();
      expectRefused(res);
      expect(res.text).toContain(reason);
    }
    expect((await sessionsOf(world.userId)).every((s) => s.endedAt === null)).toBe(true);
    expect(await hasSession(saml, jar)).toBe(true);
  });

  it('without a slo_url the logout still ends the session on a local page; an unknown principal is a local 400', async () => {
    const world = await samlWorld(srv.url);
    const saml = sp(spEnd(world), null);
    const jar = new CookieJar();
    const profile = await signIn(world, saml, jar);
    expectRefused(await browserFetch(jar, await saml.getLogoutUrlAsync({ ...profile, nameID: 'nobody@example.com' }, '', {})));
    expect(await hasSession(saml, jar)).toBe(true);
    const page = await browserFetch(jar, await saml.getLogoutUrlAsync(profile, '', {}));
    expect(page.status).toBe(200);
    expect(page.text).toContain('You are signed out');
    expect(page.text).not.toMatch(/<form/);
    expect(await hasSession(saml, jar)).toBe(false);
  });

  it('two services: B (with slo_url) gets a signed LogoutRequest first, its LogoutResponse moves on, then A gets Success', async () => {
    const keysA = generateKeyPair('a.example.com');
    const keysB = generateKeyPair('b.example.com');
    const world = await samlWorld(srv.url, { slo_url: SP_SLO, sp_certificate: keysA.certPem });
    const b = await addSamlService(world, {
      entity_id: B_ENTITY,
      acs_url: B_ACS,
      slo_url: B_SLO,
      sp_certificate: keysB.certPem,
      name_id_format: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    });
    const c = await addSamlService(world, { entity_id: 'https://c.example.com/sp', acs_url: 'http://localhost:4569/acs' });
    const endB = await serviceEnd(world, b, B_ENTITY, B_ACS);
    const endC = await serviceEnd(world, c, 'https://c.example.com/sp', 'http://localhost:4569/acs');
    const spA = sp(spEnd(world), keysA);
    const spB = sp(endB, keysB);
    const jar = new CookieJar();
    const profileA = await signIn(world, spA, jar);
    const profileB = await signIn(world, spB, jar);
    await signIn(world, sp(endC, null), jar); // C has no slo_url: not a participant

    const logoutUrl = await spA.getLogoutUrlAsync(profileA, 'relay-a', {});
    const toB = await browserFetch(jar, logoutUrl);
    expect(toB.status).toBe(200);
    const reqB = samlRequestFrom(toB);
    expect(formAction(toB.text)).toBe(B_SLO);
    expect(toB.text).not.toContain('name="RelayState"');
    expect(protocolSchemaError(Buffer.from(reqB, 'base64').toString('utf8'))).toBeNull();
    const { profile: seenByB } = await spB.validatePostRequestAsync({ SAMLRequest: reqB });
    expect(seenByB.nameID).toBe(profileB.nameID);
    expect(seenByB.nameID).toMatch(/^tsr-/);
    expect(seenByB.nameIDFormat).toBe('urn:oasis:names:tc:SAML:2.0:nameid-format:persistent');
    expect(seenByB.issuer).toBe(endB.idpEntity);
    // The SessionIndex of B's own sign-in is named, so B can find its local session.
    const sentIndexes = all(parseXml(Buffer.from(reqB, 'base64').toString('utf8')), NS.protocol, 'SessionIndex').map((e) => e.textContent);
    expect(sentIndexes).toContain(profileB.sessionIndex);
    // The IdP session is over before B answers.
    expect((await sessionsOf(world.userId)).every((s) => s.endedAt instanceof Date)).toBe(true);

    // B's answer signed by someone else does not move the chain.
    const forged = await sp(endB, generateKeyPair('evil.example.com')).getLogoutResponseUrlAsync(seenByB, '', {}, true);
    expectRefused(await browserFetch(jar, forged));

    const answerB = await spB.getLogoutResponseUrlAsync(seenByB, '', {}, true);
    const toA = logoutResponse(await browserFetch(jar, answerB));
    expect(toA.action).toBe(SP_SLO);
    expect(toA.RelayState).toBe('relay-a');
    expect(toA.codes).toEqual([STATUS.success]);
    expect(toA.root.getAttribute('InResponseTo')).toBe(requestIdOf(logoutUrl));
    expect(one(toA.root, NS.assertion, 'Issuer').textContent).toBe(world.urls.entityId);
    expect((await spA.validatePostResponseAsync({ SAMLResponse: toA.SAMLResponse })).loggedOut).toBe(true);
    // B's answer is single use.
    expectRefused(await browserFetch(jar, answerB));
  });

  it('a participant that answers with a failure makes the final status Success/PartialLogout', async () => {
    const world = await samlWorld(srv.url, { slo_url: SP_SLO });
    const b = await addSamlService(world, { entity_id: B_ENTITY, acs_url: B_ACS, slo_url: B_SLO });
    const endB = await serviceEnd(world, b, B_ENTITY, B_ACS);
    const spA = sp(spEnd(world), null);
    const spB = sp(endB, null);
    const jar = new CookieJar();
    const profileA = await signIn(world, spA, jar);
    await signIn(world, spB, jar);
    const toB = samlRequestFrom(await browserFetch(jar, await spA.getLogoutUrlAsync(profileA, '', {})));
    const { profile: seenByB } = await spB.validatePostRequestAsync({ SAMLRequest: toB });
    // Unsigned Redirect answer: B has no sp_certificate configured, so none is required.
    const toA = logoutResponse(await browserFetch(jar, await spB.getLogoutResponseUrlAsync(seenByB, '', {}, false)));
    expect(toA.codes).toEqual([STATUS.success, PARTIAL]);
    expect((await spA.validatePostResponseAsync({ SAMLResponse: toA.SAMLResponse })).loggedOut).toBe(true);
  });
});

function samlRequestFrom(page: FetchResult): string {
  expect(page.status).toBe(200);
  return hiddenInput(page.text, 'SAMLRequest') ?? '';
}
