// docs/security.md, attacks 10–14 and 21, on Single Logout, through real HTTP on /saml/:org/:service/slo.
// The world (test/helpers/slo-attacks.ts): the service has an slo_url and an sp_certificate; the victim
// and mallory, two users of the organization, stay signed in for the whole file. Every attack names the
// victim's live sign-in (NameID and SessionIndex, sent from a browser without the session cookie, where a
// valid request would end it — see the controls) and must be refused: a local 400 page, or, for a
// verified request naming nobody the IdP knows, a signed non-success LogoutResponse. Afterwards the
// victim's IdP session is still alive, and no log line holds a SAMLRequest that was sent.
// This file: signatures, on both bindings (attacks 8–11), after the controls.
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { CookieJar } from '../helpers/saml.ts';
import {
  ALG,
  NS,
  afterIssuer,
  deflated,
  extensions,
  foreignWrapper,
  newRequestId,
  resignSignedInfo,
  signText,
  signatureCarrying,
} from '../helpers/saml-attacks.ts';
import { expectLogoutResponse, idOf, logoutRequest, sessionEnded, signInForLogout, signLogoutRequest, stillSignedIn } from '../helpers/saml-logout.ts';
import { SUCCESS, SloAttackSuite, neverIssued, type Signed } from '../helpers/slo-attacks.ts';

describe.each(databases())('SAML Single Logout attacks, signatures, on $name', (factory) => {
  const t = new SloAttackSuite(factory);
  const { srv, post, redirect, refused, unknownPrincipal, aimed, signed, toSign, held, victimSigned, toVictim } = t;

  // ---- controls: what the attacks below would achieve if they were accepted ----

  describe('control: a valid signed LogoutRequest ends the sign-in it names', () => {
    it('HTTP-POST, enveloped RSA-SHA256 over the root, sent without any cookie: Success to the slo_url, the session ended', async () => {
      const fresh = await signInForLogout(srv, t.world);
      expect(fresh.nameId).toBe(t.victim.nameId);
      const xml = signed(logoutRequest(t.slo, fresh));
      const out = expectLogoutResponse(await post(xml, new CookieJar(), t.slo, 'bye'), t.world, idOf(xml), SUCCESS);
      expect(out.relayState).toBe('bye');
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
      expect(await stillSignedIn(t.world, fresh.jar)).toBe(false);
    });

    it('HTTP-Redirect with RelayState signed over its raw encoding, from the signed-in browser: Success, session and cookie gone', async () => {
      const fresh = await signInForLogout(srv, t.world);
      const xml = logoutRequest(t.slo, fresh);
      const res = await redirect(toSign(xml, t.sp, { relayStateRaw: 'a%20b(c)' }), fresh.jar);
      expect(expectLogoutResponse(res, t.world, idOf(xml), SUCCESS).relayState).toBe('a b(c)');
      expect(res.headers.getSetCookie().join('\n')).toMatch(/tessera_sso_[^=]*=;.*Max-Age=0/);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
      expect(await stillSignedIn(t.world, fresh.jar)).toBe(false);
    });
  });

  // ---- attacks 10 and 11: signature wrapping and foreign keys on the HTTP-POST binding ----

  describe('A10 XML signature wrapping (HTTP-POST)', () => {
    const variants: [string, (s: Signed, v: Signed) => string][] = [
      ['signature moved into Extensions', (s) => afterIssuer(s.unsigned, extensions(s.signature))],
      [
        "signature moved into Extensions, NameID and SessionIndex changed to the victim's",
        (s) => afterIssuer(toVictim(s.unsigned, s), extensions(s.signature)),
      ],
      [
        'evil root naming the victim with the same ID, the signature at the root, the original in a foreign wrapper',
        (s) => aimed({ id: s.id, afterIssuer: s.signature + foreignWrapper(s.unsigned) }),
      ],
      [
        'evil root naming the victim with a new ID, the signature at the root, the original in a foreign wrapper',
        (s) => aimed({ afterIssuer: s.signature + foreignWrapper(s.unsigned) }),
      ],
      ['evil root naming the victim with the same ID wrapping the whole signed original', (s) => aimed({ id: s.id, afterIssuer: foreignWrapper(s.signed) })],
      ['evil root naming the victim with a new ID wrapping the whole signed original', (s) => aimed({ afterIssuer: foreignWrapper(s.signed) })],
      ['evil root without ID wrapping the whole signed original', (s) => aimed({ afterIssuer: foreignWrapper(s.signed) }).replace(/ ID="[^"]*"/, '')],
      ["evil root with a new ID, the original in the signature's ds:Object", (s) => aimed({ afterIssuer: signatureCarrying(s.signature, s.unsigned) })],
      [
        "evil root with the same ID, the original in the signature's ds:Object",
        (s) => aimed({ id: s.id, afterIssuer: signatureCarrying(s.signature, s.unsigned) }),
      ],
      ["the SP's signature copied onto an evil root with the same ID (nothing wrapped)", (s) => aimed({ id: s.id, afterIssuer: s.signature })],
      [
        'a decoy element with the same ID added after signing',
        (s) => s.signed.replace('</ds:Signature>', `</ds:Signature>${extensions(`<x:Decoy xmlns:x="urn:x" ID="${s.id}"/>`)}`),
      ],
      [
        "the victim's request with the same ID added in a foreign wrapper after signing",
        (s) => s.signed.replace('</ds:Signature>', `</ds:Signature>${foreignWrapper(aimed({ id: s.id }))}`),
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
            .replace(`>${t.mallory.nameId}<`, `>${t.victim.nameId}<`)
            .replace('</samlp:LogoutRequest>', `<samlp:SessionIndex>${t.victim.sessionIndex}</samlp:SessionIndex></samlp:LogoutRequest>`),
      ],
      [
        'Reference URI without "#" (re-signed with the SP key)',
        (_s, v) => resignSignedInfo(v.signed, t.sp.privateKey, (si) => si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', v.id)),
      ],
      [
        'empty Reference URI, the whole document (re-signed with the SP key)',
        (_s, v) => resignSignedInfo(v.signed, t.sp.privateKey, (si) => si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', '')),
      ],
      [
        'XPointer Reference URI (re-signed with the SP key)',
        (_s, v) =>
          resignSignedInfo(v.signed, t.sp.privateKey, (si) =>
            si.getElementsByTagNameNS(NS.dsig, 'Reference').item(0)?.setAttribute('URI', `#xpointer(id('${v.id}'))`),
          ),
      ],
      ['two References to the root, both valid', (_s, v) => signed(v.unsigned, { references: 2 })],
      [
        'two Signature elements: the valid one and a copy in Extensions',
        (_s, v) => v.signed.replace('</ds:Signature>', `</ds:Signature>${extensions(v.signature)}`),
      ],
      [
        're-signed with an attacker key, its certificate in KeyInfo',
        (_s, v) => signLogoutRequest(v.unsigned, t.attacker.privateKey, { certPem: t.attacker.certPem }),
      ],
      ["the SP's SignedInfo with a SignatureValue from the attacker key", (_s, v) => resignSignedInfo(v.signed, t.attacker.privateKey, () => undefined)],
      ["signed by the other service's SP key", (_s, v) => signLogoutRequest(v.unsigned, t.spB.privateKey, { certPem: t.spB.certPem })],
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
        await refused(() => post(signed(aimed({ id, afterIssuer: extensions(`<x:Decoy xmlns:x="urn:x" ${attr}="${id}"/>`) }))));
      }
    });

    it('the error page for an unsigned request says why', async () => {
      await refused(() => post(aimed()), /must be signed/);
    });
  });

  describe('A11 certificates in KeyInfo', () => {
    it('are ignored: the SP key with an attacker certificate in KeyInfo still verifies and ends that sign-in', async () => {
      const fresh = await signInForLogout(srv, t.world);
      const xml = signLogoutRequest(logoutRequest(t.slo, fresh), t.sp.privateKey, { certPem: t.attacker.certPem });
      expectLogoutResponse(await post(xml), t.world, idOf(xml), SUCCESS);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
    });

    it('never trusted: attacker key with its certificate in KeyInfo, through either binding', async () => {
      await refused(() => post(signLogoutRequest(aimed(), t.attacker.privateKey, { certPem: t.attacker.certPem })), /Signature verification failed/);
      await refused(() => redirect(toSign(aimed(), t.attacker)), /Signature verification failed/);
    });
  });

  // ---- attacks 8 and 9 on the HTTP-Redirect binding ----

  describe('HTTP-Redirect signatures', () => {
    const plain = (xml: string) => `SAMLRequest=${encodeURIComponent(deflated(xml))}`;

    it('unsigned, SigAlg without Signature, Signature without SigAlg, empty Signature: 400', async () => {
      const message = plain(aimed());
      await refused(() => redirect(message), /must be signed/);
      await refused(() => redirect(`${message}&SigAlg=${encodeURIComponent(ALG.rsaSha256)}`), /must be signed/);
      await refused(() => redirect(`${message}&Signature=${encodeURIComponent(signText(message, t.sp.privateKey))}`), /must be signed/);
      await refused(() => redirect(`${message}&SigAlg=${encodeURIComponent(ALG.rsaSha256)}&Signature=`));
    });

    it('rsa-sha1 (made with the SP key) and unknown algorithms: 400', async () => {
      await refused(() => redirect(toSign(aimed(), t.sp, { sigAlg: ALG.rsaSha1, hash: 'sha1' })), /RSA-SHA256 or stronger/);
      await refused(() => redirect(toSign(aimed(), t.sp, { sigAlg: 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256' })), /RSA-SHA256 or stronger/);
      await refused(() => redirect(toSign(aimed(), t.sp, { sigAlg: 'none' })), /RSA-SHA256 or stronger/);
    });

    it("a bad signature: another key, a flipped byte, or a valid one moved onto the victim's message", async () => {
      await refused(() => redirect(toSign(aimed(), t.attacker)), /Signature verification failed/);
      const good = toSign(logoutRequest(t.slo, { ...t.mallory, sessionIndex: neverIssued() }));
      const sig = /&Signature=([^&]*)$/.exec(good)?.[1] ?? '';
      const bytes = Buffer.from(decodeURIComponent(sig), 'base64');
      bytes[10] = (bytes[10] ?? 0) ^ 0x01;
      await refused(() => redirect(good.replace(sig, encodeURIComponent(bytes.toString('base64')))), /Signature verification failed/);
      await refused(() => redirect(good.replace(/^SAMLRequest=[^&]*/, plain(aimed()))), /Signature verification failed/);
    });

    it('signature computed over a differently-encoded query (same decoded values): 400', async () => {
      const q = toSign(aimed(), t.sp, { relayStateRaw: 'a%20b(c)' });
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
      await refused(() => redirect(toSign(aimed(), t.sp, { relayStateRaw: 'keep' }).replace('&RelayState=keep', '')), /Signature verification failed/);
      await refused(() => redirect(toSign(aimed()).replace('&SigAlg=', '&RelayState=added&SigAlg=')), /Signature verification failed/);
      const other = plain(logoutRequest(t.slo, { ...t.mallory, sessionIndex: neverIssued() }));
      await refused(() => redirect(`${toSign(aimed())}&${other}`), /more than once/);
      await refused(() => redirect(`${other}&${toSign(aimed())}`), /more than once/);
    });

    it('an enveloped signature inside a Redirect message does not stand in for the query signature', async () => {
      await refused(() => redirect(plain(signed(aimed()))), /signature in the query string/);
    });
  });
});
