// docs/security.md, attacks 8–11, through real HTTP: signed AuthnRequests required or optional, algorithm
// floor, the HTTP-Redirect signature over the raw query bytes, XML signature wrapping (XSW) on the POST
// binding, and attacker certificates in KeyInfo. Every refused variant is followed by its untouched
// original, which must still be accepted: the refusal came from the attack, not from a burnt ID.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { CookieJar, SP_ACS, completeSignIn, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import {
  ALG,
  EVIL_ACS,
  NS,
  addSamlService,
  afterIssuer,
  authnRequest,
  base64,
  deflated,
  expectRefusedWithoutEffect,
  expectSignInRedirect,
  generateKeyPair,
  newRequestId,
  resignSignedInfo,
  sendPost,
  sendRedirect,
  signAuthnRequest,
  signText,
  signedRedirectQuery,
  extensions,
  foreignWrapper,
  signatureCarrying,
  splitSignature,
  type SignedParts,
  type KeyPair,
} from '../helpers/saml-attacks.ts';

const SIGNED_SP = 'https://signed-sp.example.com/metadata';
const OPTIONAL_SP = 'https://optional-sp.example.com/metadata';

describe.each(databases())('SAML SSO signature attacks on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  let sp: KeyPair;
  let attacker: KeyPair;
  /** want_authn_requests_signed=true with the SP certificate. */
  let required: string;
  /** SP certificate configured, signing not required. */
  let optional: string;
  /** No SP certificate at all (the world's default service). */
  let noCert: string;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    sp = generateKeyPair('sp.example.com');
    attacker = generateKeyPair('attacker.example.com');
    required = (await addSamlService(world, { entity_id: SIGNED_SP, sp_certificate: sp.certPem, want_authn_requests_signed: true })).sso;
    optional = (await addSamlService(world, { entity_id: OPTIONAL_SP, sp_certificate: sp.certPem, want_authn_requests_signed: false })).sso;
    noCert = world.urls.sso;
  });

  const request = (sso: string, issuer = SIGNED_SP, extra: Parameters<typeof authnRequest>[1] = {}) => authnRequest(sso, { issuer, ...extra });
  const postSigned = (sso: string, xml: string) => sendPost(sso, { SAMLRequest: base64(xml) });

  describe('A8 signing required', () => {
    it('a correctly signed HTTP-Redirect request is accepted (302 to /login); RSA-SHA512 too', async () => {
      expectSignInRedirect(await sendRedirect(required, signedRedirectQuery(request(required), sp.privateKey)));
      expectSignInRedirect(await sendRedirect(required, signedRedirectQuery(request(required), sp.privateKey, { sigAlg: ALG.rsaSha512, hash: 'sha512' })));
    });

    it('a correctly signed HTTP-POST request is accepted', async () => {
      expectSignInRedirect(await postSigned(required, signAuthnRequest(request(required), sp.privateKey)));
    });

    it('unsigned, through either binding: 400', async () => {
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, `SAMLRequest=${encodeURIComponent(deflated(request(required)))}`));
      await expectRefusedWithoutEffect(srv, () => postSigned(required, request(required)));
    });

    it('Signature without SigAlg, and SigAlg without Signature: 400', async () => {
      const xml = request(required);
      const message = `SAMLRequest=${encodeURIComponent(deflated(xml))}`;
      const noSigAlg = `${message}&Signature=${encodeURIComponent(signText(message, sp.privateKey))}`;
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, noSigAlg));
      const withAlg = `${message}&SigAlg=${encodeURIComponent(ALG.rsaSha256)}`;
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, withAlg));
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, `${withAlg}&Signature=`));
    });

    it('rsa-sha1, correctly computed with the SP key: 400 (SHA-1 refused)', async () => {
      const q = signedRedirectQuery(request(required), sp.privateKey, { sigAlg: ALG.rsaSha1, hash: 'sha1' });
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, q));
    });

    it.each([
      'http://www.w3.org/2001/04/xmldsig-more#rsa-md5',
      'http://www.w3.org/2000/09/xmldsig#dsa-sha1',
      'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256',
      'urn:evil:none',
      'none',
      '',
    ])('unknown or weak SigAlg %j: 400', async (sigAlg) => {
      const q = signedRedirectQuery(request(required), sp.privateKey, { sigAlg });
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, q));
    });

    it('signed by another key, or a valid signature moved onto another message: 400', async () => {
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, signedRedirectQuery(request(required), attacker.privateKey)));
      const good = signedRedirectQuery(request(required), sp.privateKey);
      const other = `SAMLRequest=${encodeURIComponent(deflated(request(required, SIGNED_SP, { acs: EVIL_ACS })))}`;
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, good.replace(/^SAMLRequest=[^&]*/, other)));
    });

    it('an enveloped signature inside a Redirect message is not accepted in place of the query signature', async () => {
      const inside = signAuthnRequest(request(required), sp.privateKey);
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, `SAMLRequest=${encodeURIComponent(deflated(inside))}`));
    });

    it('HTTP-POST: rsa-sha1 signature or SHA-1 digest, both made with the SP key: 400', async () => {
      await expectRefusedWithoutEffect(srv, () =>
        postSigned(required, signAuthnRequest(request(required), sp.privateKey, { signatureAlgorithm: ALG.rsaSha1 })),
      );
      await expectRefusedWithoutEffect(srv, () => postSigned(required, signAuthnRequest(request(required), sp.privateKey, { digestAlgorithm: ALG.sha1 })));
    });

    it('signing optional but a certificate configured: unsigned is accepted, a signature must verify when present', async () => {
      const plain = request(optional, OPTIONAL_SP);
      expectSignInRedirect(await sendRedirect(optional, `SAMLRequest=${encodeURIComponent(deflated(plain))}`));
      expectSignInRedirect(await sendRedirect(optional, signedRedirectQuery(request(optional, OPTIONAL_SP), sp.privateKey)));
      await expectRefusedWithoutEffect(srv, () => sendRedirect(optional, signedRedirectQuery(request(optional, OPTIONAL_SP), attacker.privateKey)));
      await expectRefusedWithoutEffect(srv, () =>
        sendRedirect(optional, signedRedirectQuery(request(optional, OPTIONAL_SP), sp.privateKey, { sigAlg: ALG.rsaSha1, hash: 'sha1' })),
      );
      await expectRefusedWithoutEffect(srv, () =>
        postSigned(optional, signAuthnRequest(request(optional, OPTIONAL_SP), attacker.privateKey, { certPem: attacker.certPem })),
      );
    });
  });

  describe('A9 the Redirect signature covers the raw query bytes as received', () => {
    const RAW = 'a%20b(c)';

    it('RelayState with %20, ( and ) signed over its raw encoding: accepted, and echoed decoded after sign-in', async () => {
      const jar = new CookieJar();
      const first = await sendRedirect(required, signedRedirectQuery(request(required), sp.privateKey, { relayStateRaw: RAW }), jar);
      expectSignInRedirect(first);
      const page = await completeSignIn(world, jar, first);
      const resp = samlResponseFrom(page);
      expect(resp.action).toBe(SP_ACS);
      expect(resp.RelayState).toBe('a b(c)');
    });

    it('the same request with RelayState re-encoded differently (same decoded value) fails', async () => {
      for (const reencoded of ['a%20b%28c%29', 'a+b(c)', 'a+b%28c%29']) {
        const q = signedRedirectQuery(request(required), sp.privateKey, { relayStateRaw: RAW });
        const tampered = q.replace(`RelayState=${RAW}`, `RelayState=${reencoded}`);
        expect(tampered).not.toBe(q);
        await expectRefusedWithoutEffect(srv, () => sendRedirect(required, tampered));
      }
    });

    it('any encoding works when it is the one that was signed (the server does not re-encode)', async () => {
      expectSignInRedirect(await sendRedirect(required, signedRedirectQuery(request(required), sp.privateKey, { relayStateRaw: 'a%20b%28c%29' })));
    });

    it('lower-case percent escapes in SAMLRequest, when upper-case ones were signed, fail', async () => {
      // Find a message whose encoding has an escape (%2B, %2F or %3D) with a letter to lower-case.
      let q = '';
      for (let i = 0; i < 20 && !/%2[BF]|%3D/.test(q); i++) q = signedRedirectQuery(request(required), sp.privateKey);
      expect(q).toMatch(/%2[BF]|%3D/);
      const lowered = q.replace(/^SAMLRequest=[^&]*/, (m) => m.replace(/%2B/g, '%2b').replace(/%2F/g, '%2f').replace(/%3D/g, '%3d'));
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, lowered));
    });

    it('RelayState dropped from, or added to, a signed query: 400', async () => {
      const withRelay = signedRedirectQuery(request(required), sp.privateKey, { relayStateRaw: 'keep' });
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, withRelay.replace('&RelayState=keep', '')));
      const without = signedRedirectQuery(request(required), sp.privateKey);
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, without.replace('&SigAlg=', '&RelayState=added&SigAlg=')));
    });

    it('a repeated parameter is refused rather than guessed', async () => {
      const q = signedRedirectQuery(request(required), sp.privateKey);
      const other = `SAMLRequest=${encodeURIComponent(deflated(request(required, SIGNED_SP, { acs: EVIL_ACS })))}`;
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, `${q}&${other}`));
      await expectRefusedWithoutEffect(srv, () => sendRedirect(required, `${other}&${q}`));
    });
  });

  describe('A10 XML signature wrapping on HTTP-POST AuthnRequests', () => {
    /** A fresh, valid, signed AuthnRequest for the signing-required service. */
    function fresh(extra: Parameters<typeof authnRequest>[1] = {}, sign: Parameters<typeof signAuthnRequest>[2] = {}): SignedParts {
      const id = newRequestId();
      const signed = signAuthnRequest(request(required, SIGNED_SP, { id, ...extra }), sp.privateKey, sign);
      return { id, signed, ...splitSignature(signed) };
    }
    const evil = (o: Parameters<typeof authnRequest>[1]) => request(required, SIGNED_SP, { acs: EVIL_ACS, ...o });

    it('control: the signed original is accepted, and so is its SignedInfo re-signed unchanged', async () => {
      const a = fresh();
      expectSignInRedirect(await postSigned(required, a.signed));
      const b = fresh();
      expectSignInRedirect(
        await postSigned(
          required,
          resignSignedInfo(b.signed, sp.privateKey, () => undefined),
        ),
      );
    });

    const variants: [string, (s: SignedParts) => string][] = [
      ['signature moved into Extensions', (s) => afterIssuer(s.unsigned, extensions(s.signature))],
      ['signature moved into Extensions and the ACS changed', (s) => afterIssuer(s.unsigned.replace(SP_ACS, EVIL_ACS), extensions(s.signature))],
      ['evil root with the same ID wrapping the original in Extensions', (s) => evil({ id: s.id, afterIssuer: s.signature + extensions(s.unsigned) })],
      ['evil root with a new ID, the signature at the root, the original in Extensions', (s) => evil({ afterIssuer: s.signature + extensions(s.unsigned) })],
      ['evil root with a new ID wrapping the whole signed original in Extensions', (s) => evil({ afterIssuer: extensions(s.signed) })],
      [
        'evil root with the same ID, the signature at the root, the original in a foreign wrapper',
        (s) => evil({ id: s.id, afterIssuer: s.signature + foreignWrapper(s.unsigned) }),
      ],
      [
        'evil root with a new ID, the signature at the root, the original in a foreign wrapper',
        (s) => evil({ afterIssuer: s.signature + foreignWrapper(s.unsigned) }),
      ],
      ['evil root with a new ID, the whole signed original in a foreign wrapper', (s) => evil({ afterIssuer: foreignWrapper(s.signed) })],
      [
        'evil root without ID, the whole signed original in a foreign wrapper',
        (s) => evil({ afterIssuer: foreignWrapper(s.signed) }).replace(/ ID="[^"]*"/, ''),
      ],
      ["evil root with a new ID, the original in the signature's ds:Object", (s) => evil({ afterIssuer: signatureCarrying(s.signature, s.unsigned) })],
      [
        "evil root with the same ID, the original in the signature's ds:Object",
        (s) => evil({ id: s.id, afterIssuer: signatureCarrying(s.signature, s.unsigned) }),
      ],
      [
        'a decoy element with the same ID added after signing',
        (s) => s.signed.replace('</ds:Signature>', `</ds:Signature>${extensions(`<x:Decoy xmlns:x="urn:x" ID="${s.id}"/>`)}`),
      ],
      ['a second signed root after the first', (s) => `${s.signed}${s.signed}`],
      ['an evil root before the signed one', (s) => `${evil({})}${s.signed}`],
      ['an evil root after the signed one', (s) => `${s.signed}${evil({})}`],
      ['ACS changed after signing', (s) => s.signed.replace(`AssertionConsumerServiceURL="${SP_ACS}"`, `AssertionConsumerServiceURL="${EVIL_ACS}"`)],
      ['Issuer changed after signing', (s) => s.signed.replace(`>${SIGNED_SP}<`, '>https://attacker.example.com/sp<')],
      ['IssueInstant changed after signing', (s) => s.signed.replace(/IssueInstant="[^"]*"/, `IssueInstant="${new Date(Date.now() + 1000).toISOString()}"`)],
      ['ForceAuthn added after signing', (s) => s.signed.replace(' Version="2.0"', ' ForceAuthn="true" Version="2.0"')],
      ['NameIDPolicy removed after signing', (s) => s.signed.replace(/<samlp:NameIDPolicy[^>]*\/>/, '')],
      [
        'Reference URI without "#" (re-signed)',
        (s) => resignSignedInfo(s.signed, sp.privateKey, (si) => si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', s.id)),
      ],
      [
        'empty Reference URI: the whole document (re-signed)',
        (s) => resignSignedInfo(s.signed, sp.privateKey, (si) => si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', '')),
      ],
      [
        'XPointer Reference URI (re-signed)',
        (s) =>
          resignSignedInfo(s.signed, sp.privateKey, (si) =>
            si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', `#xpointer(id('${s.id}'))`),
          ),
      ],
      ['re-signed with an attacker key, its certificate in KeyInfo', (s) => signAuthnRequest(s.unsigned, attacker.privateKey, { certPem: attacker.certPem })],
      ['original SignedInfo, SignatureValue from the attacker key', (s) => resignSignedInfo(s.signed, attacker.privateKey, () => undefined)],
    ];

    it.each(variants)('%s: 400, then the untouched original is still accepted', async (_name, derive) => {
      const s = fresh();
      await expectRefusedWithoutEffect(srv, () => postSigned(required, derive(s)));
      expectSignInRedirect(await postSigned(required, s.signed));
    });

    it('duplicate IDs present before signing (decoy in Extensions, as ID, Id or id): 400', async () => {
      for (const attr of ['ID', 'Id', 'id']) {
        const id = newRequestId();
        const signed = signAuthnRequest(
          request(required, SIGNED_SP, { id, afterIssuer: extensions(`<x:Decoy xmlns:x="urn:x" ${attr}="${id}"/>`) }),
          sp.privateKey,
        );
        await expectRefusedWithoutEffect(srv, () => postSigned(required, signed));
      }
    });

    it('two References (both valid, both to the root): 400', async () => {
      const s = fresh({}, { references: 2 });
      expect(s.signature.match(/<ds:Reference /g)?.length).toBe(2);
      await expectRefusedWithoutEffect(srv, () => postSigned(required, s.signed));
    });

    it('two Signature elements (a valid one and a copy in Extensions): 400', async () => {
      const s = fresh();
      await expectRefusedWithoutEffect(srv, () => postSigned(required, s.signed.replace('</ds:Signature>', `</ds:Signature>${extensions(s.signature)}`)));
    });
  });

  describe('A11 attacker certificate in KeyInfo', () => {
    it('is ignored: the SP key with an attacker certificate in KeyInfo still verifies (only sp_certificate counts)', async () => {
      expectSignInRedirect(await postSigned(required, signAuthnRequest(request(required), sp.privateKey, { certPem: attacker.certPem })));
    });

    it('never verifies: attacker key + attacker certificate in KeyInfo is 400 on every service', async () => {
      await expectRefusedWithoutEffect(srv, () =>
        postSigned(required, signAuthnRequest(request(required), attacker.privateKey, { certPem: attacker.certPem })),
      );
      await expectRefusedWithoutEffect(srv, () =>
        postSigned(optional, signAuthnRequest(request(optional, OPTIONAL_SP), attacker.privateKey, { certPem: attacker.certPem })),
      );
      // No sp_certificate configured: a signature cannot be checked against anything trusted, so it is refused.
      await expectRefusedWithoutEffect(srv, () =>
        postSigned(noCert, signAuthnRequest(authnRequest(noCert), attacker.privateKey, { certPem: attacker.certPem })),
      );
      await expectRefusedWithoutEffect(srv, () => sendRedirect(noCert, signedRedirectQuery(authnRequest(noCert), attacker.privateKey)));
    });
  });
});
