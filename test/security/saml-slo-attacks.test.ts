// docs/security.md, attacks 10–14 and 21, on Single Logout, through real HTTP on /saml/:org/:service/slo.
// The service has an slo_url and an sp_certificate; the victim and mallory, two users of the
// organization, stay signed in for the whole suite. Every attack names the victim's live sign-in
// (NameID and SessionIndex, sent from a browser without the session cookie, where a valid request
// would end it — see the controls) and must be refused: a local 400 page, or, for a verified request
// naming nobody the IdP knows, a signed non-success LogoutResponse. Afterwards the victim's IdP
// session is still alive (database, and a new SSO that answers without the sign-in page), and no
// log line holds a SAMLRequest that was sent.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { CookieJar, SP_ENTITY, USER_PASSWORD, browserFetch, samlWorld, type FetchResult, type SamlWorld } from '../helpers/saml.ts';
import {
  ALG,
  NS,
  addSamlService,
  afterIssuer,
  base64,
  deflated,
  expectRefused,
  generateKeyPair,
  newRequestId,
  resignSignedInfo,
  signText,
  signedRedirectQuery,
  splitSignature,
  type KeyPair,
} from '../helpers/saml-attacks.ts';
import {
  LOGOUT_STATUS,
  SP_SLO,
  expectLogoutResponse,
  idOf,
  logoutRequest,
  sessionEnded,
  signInForLogout,
  signLogoutRequest,
  sloOf,
  ssoWithSession,
  stillSignedIn,
  type LogoutOptions,
  type Principal,
  type SignedIn,
} from '../helpers/saml-logout.ts';

const OTHER_SP = 'https://other-sp.example.com/metadata';
const OTHER_ACS = 'http://localhost:4568/acs';
const OTHER_SLO = 'http://localhost:4568/slo';
const SUCCESS = [LOGOUT_STATUS.success];
const UNKNOWN = [LOGOUT_STATUS.requester, LOGOUT_STATUS.unknownPrincipal];

/** A SessionIndex the IdP never issued. */
const neverIssued = () => `_never${randomBytes(10).toString('hex')}`;
const ext = (inner: string) => `<samlp:Extensions>${inner}</samlp:Extensions>`;
/** Extensions only admit foreign elements: a foreign wrapper gets a protocol element past the schema. */
const wrap = (inner: string) => ext(`<x:Wrap xmlns:x="urn:x">${inner}</x:Wrap>`);

interface Signed {
  id: string;
  signed: string;
  signature: string;
  unsigned: string;
  sessionIndex: string;
}
interface Snapshot {
  live: number;
  sessions: number;
  chains: number;
  pending: number;
  loginEvents: number;
}

describe.each(databases())('SAML Single Logout attacks on $name', (factory) => {
  let srv: TestServer;
  let world: SamlWorld;
  let sp: KeyPair;
  let spB: KeyPair;
  let attacker: KeyPair;
  let slo: string;
  let sloB: string;
  let ssoB: string;
  let victim: SignedIn;
  /** The victim's sign-in to the second service (same IdP session). */
  let victimAtB: Principal;
  let mallory: SignedIn & { email: string };
  /** Every SAMLRequest value sent, for the log check at the end. */
  const sent: string[] = [];

  beforeAll(async () => {
    srv = await startTestServer(factory);
    sp = generateKeyPair('sp.example.com');
    spB = generateKeyPair('other-sp.example.com');
    attacker = generateKeyPair('attacker.example.com');
    world = await samlWorld(srv.url, { slo_url: SP_SLO, sp_certificate: sp.certPem, want_authn_requests_signed: false });
    slo = sloOf(world.urls.sso);
    const b = await addSamlService(world, {
      entity_id: OTHER_SP,
      acs_url: OTHER_ACS,
      slo_url: OTHER_SLO,
      sp_certificate: spB.certPem,
      want_authn_requests_signed: false,
    });
    ssoB = b.sso;
    sloB = sloOf(b.sso);
    // Mallory's address extends the victim's: the classic comment-injection setting.
    const malloryEmail = `${world.userEmail}.evil.example.com`;
    const created = await world.admin.client.post(`/api/organizations/${world.org}/users`, { email: malloryEmail, password: USER_PASSWORD });
    expect(created.status).toBe(201);
    victim = await signInForLogout(srv, world);
    victimAtB = await ssoWithSession(victim.jar, ssoB, OTHER_SP, OTHER_ACS);
    mallory = { ...(await signInForLogout(srv, world, malloryEmail)), email: malloryEmail };
    expect(mallory.nameId).toBe(`${victim.nameId}.evil.example.com`);
  });
  afterAll(async () => srv?.stop());

  afterEach(async () => {
    // Whatever a test sent, the two long-lived sessions are still there.
    const victimEnded = await sessionEnded(srv, victim.sessionId);
    const malloryEnded = await sessionEnded(srv, mallory.sessionId);
    const signedIn = !victimEnded && (await stillSignedIn(world, victim.jar));
    // When an attack got through, sign in again so that the next test starts from live sessions.
    if (!signedIn) {
      victim = await signInForLogout(srv, world);
      victimAtB = await ssoWithSession(victim.jar, ssoB, OTHER_SP, OTHER_ACS);
    }
    if (malloryEnded) mallory = { ...(await signInForLogout(srv, world, mallory.email)), email: mallory.email };
    expect({ victimEnded, malloryEnded, signedIn }).toEqual({ victimEnded: false, malloryEnded: false, signedIn: true });
  });

  // ---- sending, and the two acceptable outcomes of an attack ----

  const post = (xml: string, jar = new CookieJar(), target = slo, relayState?: string): Promise<FetchResult> => {
    const value = base64(xml);
    sent.push(value);
    return browserFetch(jar, target, { form: { SAMLRequest: value, ...(relayState === undefined ? {} : { RelayState: relayState }) } });
  };
  const redirect = (query: string, jar = new CookieJar(), target = slo): Promise<FetchResult> => {
    const raw = /(?:^|&)SAMLRequest=([^&]*)/.exec(query)?.[1];
    if (raw) sent.push(decodeURIComponent(raw));
    return browserFetch(jar, `${target}?${query}`);
  };

  async function snapshot(): Promise<Snapshot> {
    const db = srv.deps.db;
    const [live, sessions, chains, pending, loginEvents] = await Promise.all([
      db.idpSession.count({ where: { endedAt: null } }),
      db.idpSession.count(),
      db.samlLogoutChain.count(),
      db.samlPendingRequest.count(),
      db.loginEvent.count(),
    ]);
    return { live, sessions, chains, pending, loginEvents };
  }

  async function expectSessionsAlive(): Promise<void> {
    expect(await sessionEnded(srv, victim.sessionId)).toBe(false);
    expect(await sessionEnded(srv, mallory.sessionId)).toBe(false);
  }

  /** A local 400 page: nothing sent to any SP, no session ended, no ID remembered, no cookie touched. */
  async function refused(sendIt: () => Promise<FetchResult>, reason?: RegExp): Promise<FetchResult> {
    const before = await snapshot();
    const replays = await srv.deps.db.samlReplay.count();
    const res = await sendIt();
    expectRefused(res);
    if (reason) expect(res.text).toMatch(reason);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await srv.deps.db.samlReplay.count()).toBe(replays);
    await expectSessionsAlive();
    return res;
  }

  /** Verified but naming no session the IdP holds: a signed Requester/UnknownPrincipal answer, no effect. */
  async function unknownPrincipal(sendIt: () => Promise<FetchResult>, requestId: string): Promise<void> {
    const before = await snapshot();
    const res = await sendIt();
    expectLogoutResponse(res, world, requestId, UNKNOWN);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await snapshot()).toEqual(before);
    await expectSessionsAlive();
  }

  /** Either of the two: a local 400, or a verified request answered UnknownPrincipal. */
  async function endsNothing(sendIt: () => Promise<FetchResult>, requestId: string): Promise<void> {
    const before = await snapshot();
    const res = await sendIt();
    if (res.status === 400) expectRefused(res);
    else expectLogoutResponse(res, world, requestId, UNKNOWN);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await snapshot()).toEqual(before);
    await expectSessionsAlive();
  }

  /** A LogoutRequest naming the victim's live sign-in (unsigned). */
  const aimed = (o: LogoutOptions = {}) => logoutRequest(slo, victim, o);
  const signed = (xml: string, opts: Parameters<typeof signLogoutRequest>[2] = {}) => signLogoutRequest(xml, sp.privateKey, opts);
  const toSign = (xml: string, key = sp, opts: Parameters<typeof signedRedirectQuery>[2] = {}) => signedRedirectQuery(xml, key.privateKey, opts);

  /** A signed request the attacker holds: the SP's, for mallory, naming a sign-in that ends nothing. */
  function held(o: LogoutOptions = {}): Signed {
    const id = o.id ?? newRequestId();
    const sessionIndex = neverIssued();
    const xml = signed(logoutRequest(slo, { ...mallory, sessionIndex }, { ...o, id }));
    return { id, signed: xml, sessionIndex, ...splitSignature(xml) };
  }
  /** The SP's signed request for the victim's sign-in (never sent untouched here). */
  function victimSigned(o: LogoutOptions = {}): Signed {
    const id = o.id ?? newRequestId();
    const xml = signed(aimed({ ...o, id }));
    return { id, signed: xml, sessionIndex: victim.sessionIndex, ...splitSignature(xml) };
  }
  /** The held request's NameID and SessionIndex replaced by the victim's. */
  const toVictim = (xml: string, s: Signed) =>
    xml.replace(`>${mallory.nameId}<`, `>${victim.nameId}<`).replace(`>${s.sessionIndex}<`, `>${victim.sessionIndex}<`);

  // ---- controls: what the attacks below would achieve if they were accepted ----

  describe('control: a valid signed LogoutRequest ends the sign-in it names', () => {
    it('HTTP-POST, enveloped RSA-SHA256 over the root, sent without any cookie: Success to the slo_url, the session ended', async () => {
      const fresh = await signInForLogout(srv, world);
      expect(fresh.nameId).toBe(victim.nameId);
      const xml = signed(logoutRequest(slo, fresh));
      const out = expectLogoutResponse(await post(xml, new CookieJar(), slo, 'bye'), world, idOf(xml), SUCCESS);
      expect(out.relayState).toBe('bye');
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
      expect(await stillSignedIn(world, fresh.jar)).toBe(false);
    });

    it('HTTP-Redirect with RelayState signed over its raw encoding, from the signed-in browser: Success, session and cookie gone', async () => {
      const fresh = await signInForLogout(srv, world);
      const xml = logoutRequest(slo, fresh);
      const res = await redirect(toSign(xml, sp, { relayStateRaw: 'a%20b(c)' }), fresh.jar);
      expect(expectLogoutResponse(res, world, idOf(xml), SUCCESS).relayState).toBe('a b(c)');
      expect(res.headers.getSetCookie().join('\n')).toMatch(/tessera_sso_[^=]*=;.*Max-Age=0/);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
      expect(await stillSignedIn(world, fresh.jar)).toBe(false);
    });
  });

  // ---- attacks 10 and 11: signature wrapping and foreign keys on the HTTP-POST binding ----

  describe('A10 XML signature wrapping (HTTP-POST)', () => {
    const variants: [string, (s: Signed, v: Signed) => string][] = [
      ['signature moved into Extensions', (s) => afterIssuer(s.unsigned, ext(s.signature))],
      ["signature moved into Extensions, NameID and SessionIndex changed to the victim's", (s) => afterIssuer(toVictim(s.unsigned, s), ext(s.signature))],
      [
        'evil root naming the victim with the same ID, the signature at the root, the original in a foreign wrapper',
        (s) => aimed({ id: s.id, afterIssuer: s.signature + wrap(s.unsigned) }),
      ],
      [
        'evil root naming the victim with a new ID, the signature at the root, the original in a foreign wrapper',
        (s) => aimed({ afterIssuer: s.signature + wrap(s.unsigned) }),
      ],
      ['evil root naming the victim with the same ID wrapping the whole signed original', (s) => aimed({ id: s.id, afterIssuer: wrap(s.signed) })],
      ['evil root naming the victim with a new ID wrapping the whole signed original', (s) => aimed({ afterIssuer: wrap(s.signed) })],
      ['evil root without ID wrapping the whole signed original', (s) => aimed({ afterIssuer: wrap(s.signed) }).replace(/ ID="[^"]*"/, '')],
      [
        "evil root with a new ID, the original in the signature's ds:Object",
        (s) => aimed({ afterIssuer: s.signature.replace('</ds:Signature>', `<ds:Object>${s.unsigned}</ds:Object></ds:Signature>`) }),
      ],
      [
        "evil root with the same ID, the original in the signature's ds:Object",
        (s) => aimed({ id: s.id, afterIssuer: s.signature.replace('</ds:Signature>', `<ds:Object>${s.unsigned}</ds:Object></ds:Signature>`) }),
      ],
      ["the SP's signature copied onto an evil root with the same ID (nothing wrapped)", (s) => aimed({ id: s.id, afterIssuer: s.signature })],
      [
        'a decoy element with the same ID added after signing',
        (s) => s.signed.replace('</ds:Signature>', `</ds:Signature>${ext(`<x:Decoy xmlns:x="urn:x" ID="${s.id}"/>`)}`),
      ],
      [
        "the victim's request with the same ID added in a foreign wrapper after signing",
        (s) => s.signed.replace('</ds:Signature>', `</ds:Signature>${wrap(aimed({ id: s.id }))}`),
      ],
      ['several roots: the signed original, then an evil root', (s) => `${s.signed}${aimed({})}`],
      ['several roots: an evil root, then the signed original', (s) => `${aimed({})}${s.signed}`],
      ['several roots: the evil root with the same ID first', (s) => `${aimed({ id: s.id })}${s.signed}`],
      ['several roots: the signed original twice', (s) => `${s.signed}${s.signed}`],
      ["NameID and SessionIndex replaced by the victim's after signing", (s) => toVictim(s.signed, s)],
      [
        "NameID replaced and the victim's SessionIndex added after signing",
        (s) =>
          s.signed
            .replace(`>${mallory.nameId}<`, `>${victim.nameId}<`)
            .replace('</samlp:LogoutRequest>', `<samlp:SessionIndex>${victim.sessionIndex}</samlp:SessionIndex></samlp:LogoutRequest>`),
      ],
      [
        'Reference URI without "#" (re-signed with the SP key)',
        (_s, v) => resignSignedInfo(v.signed, sp.privateKey, (si) => si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', v.id)),
      ],
      [
        'empty Reference URI, the whole document (re-signed with the SP key)',
        (_s, v) => resignSignedInfo(v.signed, sp.privateKey, (si) => si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', '')),
      ],
      [
        'XPointer Reference URI (re-signed with the SP key)',
        (_s, v) =>
          resignSignedInfo(v.signed, sp.privateKey, (si) =>
            si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', `#xpointer(id('${v.id}'))`),
          ),
      ],
      ['two References to the root, both valid', (_s, v) => signed(v.unsigned, { references: 2 })],
      ['two Signature elements: the valid one and a copy in Extensions', (_s, v) => v.signed.replace('</ds:Signature>', `</ds:Signature>${ext(v.signature)}`)],
      [
        're-signed with an attacker key, its certificate in KeyInfo',
        (_s, v) => signLogoutRequest(v.unsigned, attacker.privateKey, { certPem: attacker.certPem }),
      ],
      ["the SP's SignedInfo with a SignatureValue from the attacker key", (_s, v) => resignSignedInfo(v.signed, attacker.privateKey, () => undefined)],
      ["signed by the other service's SP key", (_s, v) => signLogoutRequest(v.unsigned, spB.privateKey, { certPem: spB.certPem })],
      ['rsa-sha1 signature made with the SP key', (_s, v) => signed(v.unsigned, { signatureAlgorithm: ALG.rsaSha1 })],
      ['SHA-1 digest signed with the SP key', (_s, v) => signed(v.unsigned, { digestAlgorithm: ALG.sha1 })],
      ['unsigned, although sp_certificate is set', (_s, v) => v.unsigned],
    ];

    it.each(variants)('%s: 400, then the untouched held request is still verified', async (_name, derive) => {
      const s = held();
      const v = victimSigned();
      await refused(() => post(derive(s, v)));
      // The refusal came from the attack: the SP's own message, with its ID, still verifies.
      await unknownPrincipal(() => post(s.signed), s.id);
    });

    it('duplicate IDs present before signing (a decoy in Extensions with ID, Id, id or a prefixed x:ID): 400', async () => {
      for (const attr of ['ID', 'Id', 'id', 'x:ID']) {
        const id = newRequestId();
        await refused(() => post(signed(aimed({ id, afterIssuer: ext(`<x:Decoy xmlns:x="urn:x" ${attr}="${id}"/>`) }))));
      }
    });

    it('the error page for an unsigned request says why', async () => {
      await refused(() => post(aimed()), /must be signed/);
    });
  });

  describe('A11 certificates in KeyInfo', () => {
    it('are ignored: the SP key with an attacker certificate in KeyInfo still verifies and ends that sign-in', async () => {
      const fresh = await signInForLogout(srv, world);
      const xml = signLogoutRequest(logoutRequest(slo, fresh), sp.privateKey, { certPem: attacker.certPem });
      expectLogoutResponse(await post(xml), world, idOf(xml), SUCCESS);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
    });

    it('never trusted: attacker key with its certificate in KeyInfo, through either binding', async () => {
      await refused(() => post(signLogoutRequest(aimed(), attacker.privateKey, { certPem: attacker.certPem })), /Signature verification failed/);
      await refused(() => redirect(toSign(aimed(), attacker)), /Signature verification failed/);
    });
  });

  // ---- attacks 8 and 9 on the HTTP-Redirect binding ----

  describe('HTTP-Redirect signatures', () => {
    const plain = (xml: string) => `SAMLRequest=${encodeURIComponent(deflated(xml))}`;

    it('unsigned, SigAlg without Signature, Signature without SigAlg, empty Signature: 400', async () => {
      const message = plain(aimed());
      await refused(() => redirect(message), /must be signed/);
      await refused(() => redirect(`${message}&SigAlg=${encodeURIComponent(ALG.rsaSha256)}`), /must be signed/);
      await refused(() => redirect(`${message}&Signature=${encodeURIComponent(signText(message, sp.privateKey))}`), /must be signed/);
      await refused(() => redirect(`${message}&SigAlg=${encodeURIComponent(ALG.rsaSha256)}&Signature=`));
    });

    it('rsa-sha1 (made with the SP key) and unknown algorithms: 400', async () => {
      await refused(() => redirect(toSign(aimed(), sp, { sigAlg: ALG.rsaSha1, hash: 'sha1' })), /RSA-SHA256 or stronger/);
      await refused(() => redirect(toSign(aimed(), sp, { sigAlg: 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256' })), /RSA-SHA256 or stronger/);
      await refused(() => redirect(toSign(aimed(), sp, { sigAlg: 'none' })), /RSA-SHA256 or stronger/);
    });

    it("a bad signature: another key, a flipped byte, or a valid one moved onto the victim's message", async () => {
      await refused(() => redirect(toSign(aimed(), attacker)), /Signature verification failed/);
      const good = toSign(logoutRequest(slo, { ...mallory, sessionIndex: neverIssued() }));
      const sig = /&Signature=([^&]*)$/.exec(good)?.[1] ?? '';
      const bytes = Buffer.from(decodeURIComponent(sig), 'base64');
      bytes[10] = (bytes[10] ?? 0) ^ 0x01;
      await refused(() => redirect(good.replace(sig, encodeURIComponent(bytes.toString('base64')))), /Signature verification failed/);
      await refused(() => redirect(good.replace(/^SAMLRequest=[^&]*/, plain(aimed()))), /Signature verification failed/);
    });

    it('signature computed over a differently-encoded query (same decoded values): 400', async () => {
      const q = toSign(aimed(), sp, { relayStateRaw: 'a%20b(c)' });
      for (const reencoded of ['a%20b%28c%29', 'a+b(c)', 'a+b%28c%29']) {
        await refused(() => redirect(q.replace('RelayState=a%20b(c)', `RelayState=${reencoded}`)), /Signature verification failed/);
      }
      const sigAlgLower = toSign(aimed()).replace(/&SigAlg=[^&]*/, (m) => m.replace(/%3A/g, '%3a').replace(/%2F/g, '%2f'));
      expect(sigAlgLower).toContain('%3a');
      await refused(() => redirect(sigAlgLower), /Signature verification failed/);
      let q2 = '';
      for (let i = 0; i < 20 && !/^SAMLRequest=[^&]*%(2B|2F|3D)/.test(q2); i++) q2 = toSign(aimed());
      expect(q2).toMatch(/^SAMLRequest=[^&]*%(2B|2F|3D)/);
      const lowered = q2.replace(/^SAMLRequest=[^&]*/, (m) => m.replace(/%2B/g, '%2b').replace(/%2F/g, '%2f').replace(/%3D/g, '%3d'));
      await refused(() => redirect(lowered), /Signature verification failed/);
    });

    it('RelayState dropped from, or added to, a signed query; a repeated SAMLRequest: 400', async () => {
      await refused(() => redirect(toSign(aimed(), sp, { relayStateRaw: 'keep' }).replace('&RelayState=keep', '')), /Signature verification failed/);
      await refused(() => redirect(toSign(aimed()).replace('&SigAlg=', '&RelayState=added&SigAlg=')), /Signature verification failed/);
      const other = plain(logoutRequest(slo, { ...mallory, sessionIndex: neverIssued() }));
      await refused(() => redirect(`${toSign(aimed())}&${other}`), /more than once/);
      await refused(() => redirect(`${other}&${toSign(aimed())}`), /more than once/);
    });

    it('an enveloped signature inside a Redirect message does not stand in for the query signature', async () => {
      await refused(() => redirect(plain(signed(aimed()))), /signature in the query string/);
    });
  });

  describe('A1/A2 DTDs', () => {
    it("an internal entity spelling the victim's NameID, or an external one: 400 before anything is read", async () => {
      const internal = `<!DOCTYPE samlp:LogoutRequest [<!ENTITY v "${victim.nameId}">]>${aimed({ nameId: '&v;' })}`;
      const external = `<!DOCTYPE samlp:LogoutRequest [<!ENTITY v SYSTEM "file:///etc/passwd">]>${aimed({ nameId: '&v;' })}`;
      for (const xml of [internal, external]) {
        await refused(() => redirect(toSign(xml)), /DTD/);
        await refused(() => post(xml), /DTD/);
      }
    });
  });

  // ---- attack 12: comments and processing instructions ----

  describe('A12 comment and processing-instruction injection', () => {
    it.each([
      ['a comment with a suffix', (n: string) => `${n}<!---->.evil.example.com`],
      ['a comment at the end', (n: string) => `${n}<!---->`],
      ['a comment at the start', (n: string) => `<!---->${n}`],
      ['a processing instruction', (n: string) => `${n}<?x y?>`],
    ])('HTTP-Redirect (signed by the SP): NameID with %s → 400', async (_name, inject) => {
      await refused(() => redirect(toSign(aimed({ nameId: inject(victim.nameId) }))), /comments or processing instructions/);
    });

    it('HTTP-Redirect: a comment in the SessionIndex or in the Issuer → 400', async () => {
      await refused(() => redirect(toSign(aimed({ sessionIndexes: [`${victim.sessionIndex}<!---->`] }))), /comments or processing instructions/);
      await refused(() => redirect(toSign(aimed({ issuer: `${SP_ENTITY}<!---->` }))), /comments or processing instructions/);
    });

    it("HTTP-POST: a comment inserted after signing into mallory's NameID still verifies, and is read as mallory's NameID, never the victim's", async () => {
      // Signed for mallory's own NameID ("<victim>.evil.example.com") with the victim's SessionIndex.
      const original = signed(aimed({ nameId: mallory.nameId }));
      const injected = original.replace(`>${mallory.nameId}<`, `>${victim.nameId}<!---->.evil.example.com<`);
      expect(injected).not.toBe(original);
      await unknownPrincipal(() => post(injected), idOf(injected));
    });

    it('HTTP-POST: signed with the comment inside from the start, the same', async () => {
      const xml = signed(aimed({ nameId: `${victim.nameId}<!---->.evil.example.com` }));
      await unknownPrincipal(() => post(xml), idOf(xml));
    });

    it('HTTP-POST: a processing instruction in the NameID, signed or inserted after signing, never names the victim', async () => {
      // xml-crypto's exclusive c14n renders a PI's data as text, so the signed form of
      // "<victim><?x .evil.example.com?>" is mallory's NameID: the IdP reads that signed form (or, with a
      // canonicalizer that keeps PIs, refuses the PI). Either way nothing ends.
      const signedPi = signed(aimed({ nameId: `${victim.nameId}<?x y?>` }));
      await endsNothing(() => post(signedPi), idOf(signedPi));
      const inserted = signed(aimed({ nameId: mallory.nameId })).replace(`>${mallory.nameId}<`, `>${victim.nameId}<?x .evil.example.com?><`);
      expect(inserted).toContain('<?x .evil.example.com?>');
      await endsNothing(() => post(inserted), idOf(inserted));
    });
  });

  // ---- attack 13: namespace prefixes ----

  describe('A13 namespace-prefix redeclaration', () => {
    /** The real NameID (a direct child in the assertion namespace) names mallory; decoys name the victim. */
    const decoys = (o: LogoutOptions = {}) =>
      aimed({
        nameId: mallory.nameId,
        afterIssuer: ext(
          `<saml:NameID xmlns:saml="urn:evil:assertion">${victim.nameId}</saml:NameID><a:NameID xmlns:a="${NS.assertion}">${victim.nameId}</a:NameID>`,
        ),
        ...o,
      });

    it('decoy NameIDs in Extensions (a foreign "saml" prefix, and a real one nested) do not change the extracted NameID (HTTP-POST)', async () => {
      const xml = signed(decoys());
      await unknownPrincipal(() => post(xml), idOf(xml));
    });

    it('the same through HTTP-Redirect', async () => {
      const xml = decoys();
      await unknownPrincipal(() => redirect(toSign(xml)), idOf(xml));
    });

    const redeclared: [string, () => string][] = [
      [
        "the NameID's prefix bound to a foreign namespace",
        () => aimed({ nameIdElement: `<saml:NameID xmlns:saml="urn:evil:assertion" Format="${victim.nameIdFormat}">${victim.nameId}</saml:NameID>` }),
      ],
      ['the NameID in a default foreign namespace', () => aimed({ nameIdElement: `<NameID xmlns="urn:evil:assertion">${victim.nameId}</NameID>` })],
      [
        "the SessionIndex's prefix bound to a foreign namespace",
        () =>
          aimed({ sessionIndexes: [] }).replace(
            '</samlp:LogoutRequest>',
            `<samlp:SessionIndex xmlns:samlp="urn:evil:protocol">${victim.sessionIndex}</samlp:SessionIndex></samlp:LogoutRequest>`,
          ),
      ],
      ["the Issuer's prefix bound to a foreign namespace", () => aimed().replace('<saml:Issuer>', '<saml:Issuer xmlns:saml="urn:evil:assertion">')],
      ["the root's prefix bound to a foreign namespace", () => aimed().replace(`xmlns:samlp="${NS.protocol}"`, 'xmlns:samlp="urn:evil:protocol"')],
    ];

    it.each(redeclared)('%s: 400 through both bindings', async (_name, build) => {
      await refused(() => post(signed(build())));
      await refused(() => redirect(toSign(build())));
    });

    it('control: unusual prefixes, with "saml" and "samlp" bound elsewhere, are read by namespace and end that sign-in', async () => {
      const fresh = await signInForLogout(srv, world);
      const id = newRequestId();
      const xml =
        `<p2:LogoutRequest xmlns:p2="${NS.protocol}" xmlns:samlp="urn:evil:protocol" xmlns:saml="urn:evil:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${slo}">` +
        `<a2:Issuer xmlns:a2="${NS.assertion}">${SP_ENTITY}</a2:Issuer><NameID xmlns="${NS.assertion}">${fresh.nameId}</NameID>` +
        `<p2:SessionIndex>${fresh.sessionIndex}</p2:SessionIndex></p2:LogoutRequest>`;
      expectLogoutResponse(await redirect(toSign(xml)), world, id, SUCCESS);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
    });
  });

  // ---- principals: only the sign-in named, only by its own SP ----

  describe('another user, another sign-in, another service', () => {
    it("mallory's NameID with the victim's SessionIndex, and the victim's NameID with mallory's: UnknownPrincipal, nothing ends", async () => {
      const a = signed(aimed({ nameId: mallory.nameId }));
      await unknownPrincipal(() => post(a), idOf(a));
      const b = aimed({ sessionIndexes: [mallory.sessionIndex] });
      await unknownPrincipal(() => redirect(toSign(b)), idOf(b));
    });

    it("mallory's own valid request, sent from the victim's browser, ends neither session", async () => {
      const xml = signed(logoutRequest(slo, mallory));
      await unknownPrincipal(() => post(xml, victim.jar), idOf(xml));
    });

    it("the victim's SessionIndex at the other service, or one never issued, sent to this service: UnknownPrincipal", async () => {
      const atB = signed(aimed({ sessionIndexes: [victimAtB.sessionIndex] }));
      await unknownPrincipal(() => post(atB), idOf(atB));
      const never = signed(aimed({ sessionIndexes: [neverIssued()] }));
      await unknownPrincipal(() => post(never), idOf(never));
    });

    it("a NameID without any SessionIndex never ends all of the user's sessions: 400", async () => {
      await refused(() => post(signed(aimed({ sessionIndexes: [] }))), /no SessionIndex/);
    });
  });

  describe('A7 Issuer', () => {
    it("the other service's Issuer on this service's SLO URL, signed with this SP's key: 400", async () => {
      await refused(() => post(signed(aimed({ issuer: OTHER_SP }))), /Unknown Issuer/);
      await refused(() => redirect(toSign(aimed({ issuer: OTHER_SP }))), /Unknown Issuer/);
    });

    it("the other service's own message (its Issuer, its key) sent here: 400", async () => {
      await refused(() => post(signLogoutRequest(aimed({ issuer: OTHER_SP }), spB.privateKey)), /Signature verification failed/);
    });

    it("this service's Issuer at the other service's SLO URL, signed with that service's key, naming the victim's sign-in there: 400", async () => {
      const xml = signLogoutRequest(logoutRequest(sloB, victimAtB), spB.privateKey);
      await refused(() => post(xml, new CookieJar(), sloB), /Unknown Issuer/);
    });

    it('an unknown Issuer, or none: 400', async () => {
      await refused(() => post(signed(aimed({ issuer: 'https://attacker.example.com/sp' }))), /Unknown Issuer/);
      await refused(() => redirect(toSign(aimed({ issuer: null }))), /no Issuer/);
    });
  });

  describe('A6 Destination', () => {
    it.each([
      ['another host', () => slo.replace(/^https?:\/\/[^/]+/, 'https://evil.example.com')],
      ['the SSO URL of the same service', () => world.urls.sso],
      ["the other service's SLO URL", () => sloB],
      ['a trailing slash', () => `${slo}/`],
      ['a query string', () => `${slo}?x=1`],
      ["the SP's own slo_url", () => SP_SLO],
    ])('%s: 400 through both bindings', async (_name, destination) => {
      await refused(() => post(signed(aimed({ destination: destination() }))), /Destination does not match/);
      await refused(() => redirect(toSign(aimed({ destination: destination() }))), /Destination does not match/);
    });
  });

  describe('A14 replay and timing', () => {
    it('the same LogoutRequest twice: the second is refused; a new message reusing the ID for a live sign-in too', async () => {
      const fresh = await signInForLogout(srv, world);
      const xml = logoutRequest(slo, fresh);
      const query = toSign(xml);
      expectLogoutResponse(await redirect(query), world, idOf(xml), SUCCESS);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
      await refused(() => redirect(query), /already used/);
      await refused(() => redirect(query, fresh.jar), /already used/);
      // Another binding, and a message that would otherwise end the victim's live sign-in.
      await refused(() => post(signed(aimed({ id: idOf(xml) }))), /already used/);
    });

    it('the same LogoutRequest twice at once: exactly one is answered', async () => {
      const fresh = await signInForLogout(srv, world);
      const xml = signed(logoutRequest(slo, fresh));
      const results = await Promise.all([post(xml), post(xml)]);
      const ok = results.filter((r) => r.status === 200);
      const no = results.filter((r) => r.status !== 200);
      expect(ok).toHaveLength(1);
      expect(no).toHaveLength(1);
      expectLogoutResponse(ok[0] as FetchResult, world, idOf(xml), SUCCESS);
      expectRefused(no[0] as FetchResult);
      expect((no[0] as FetchResult).text).toMatch(/already used/);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
    });

    const ago = (ms: number) => new Date(Date.now() - ms);
    it.each([
      ['IssueInstant 10 minutes old', (): LogoutOptions => ({ issueInstant: ago(10 * 60_000) }), /too old/],
      ['IssueInstant a day old', (): LogoutOptions => ({ issueInstant: ago(24 * 3600_000) }), /too old/],
      ['IssueInstant 10 minutes in the future', (): LogoutOptions => ({ issueInstant: ago(-10 * 60_000) }), /in the future/],
      ['NotOnOrAfter passed', (): LogoutOptions => ({ notOnOrAfter: ago(60_000) }), /expired/],
    ])('%s: 400 through both bindings', async (_name, options, reason) => {
      await refused(() => post(signed(aimed(options()))), reason);
      await refused(() => redirect(toSign(aimed(options()))), reason);
    });
  });

  it("no log line contains a SAMLRequest that was sent, nor the victim's session cookie", async () => {
    expect(sent.length).toBeGreaterThan(80);
    const logs = srv.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const value of sent) {
      expect(logs.includes(value)).toBe(false);
      expect(logs.includes(encodeURIComponent(value))).toBe(false);
      expect(logs.includes(value.slice(8, 48))).toBe(false);
    }
    const cookies = [...victim.jar.cookies.values()].filter((v) => v.length > 16);
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(logs.includes(c)).toBe(false);
  });
});
