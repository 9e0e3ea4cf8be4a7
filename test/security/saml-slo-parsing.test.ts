// docs/security.md, attacks 10–14 and 21, on Single Logout, through real HTTP on /saml/:org/:service/slo.
// The world (test/helpers/slo-attacks.ts): the service has an slo_url and an sp_certificate; the victim
// and mallory, two users of the organization, stay signed in for the whole file. Every attack names the
// victim's live sign-in (NameID and SessionIndex, sent from a browser without the session cookie, where a
// valid request would end it — see the controls) and must be refused: a local 400 page, or, for a
// verified request naming nobody the IdP knows, a signed non-success LogoutResponse. Afterwards the
// victim's IdP session is still alive, and no log line holds a SAMLRequest that was sent.
// This file: DTDs, comments and processing instructions, namespace prefixes (attacks 1, 2, 12 and 13).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { SP_ENTITY } from '../helpers/saml.ts';
import { NS, extensions, newRequestId } from '../helpers/saml-attacks.ts';
import { expectLogoutResponse, idOf, sessionEnded, signInForLogout, type LogoutOptions } from '../helpers/saml-logout.ts';
import { SUCCESS, SloAttackSuite } from '../helpers/slo-attacks.ts';

describe.each(databases())('SAML Single Logout attacks, parsing, on $name', (factory) => {
  const t = new SloAttackSuite(factory);
  const { srv, post, redirect, refused, unknownPrincipal, endsNothing, aimed, signed, toSign } = t;

  describe('A1/A2 DTDs', () => {
    it("an internal entity spelling the victim's NameID, or an external one: 400 before anything is read", async () => {
      const internal = `<!DOCTYPE samlp:LogoutRequest [<!ENTITY v "${t.victim.nameId}">]>${aimed({ nameId: '&v;' })}`;
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
      await refused(() => redirect(toSign(aimed({ nameId: inject(t.victim.nameId) }))), /comments or processing instructions/);
    });

    it('HTTP-Redirect: a comment in the SessionIndex or in the Issuer → 400', async () => {
      await refused(() => redirect(toSign(aimed({ sessionIndexes: [`${t.victim.sessionIndex}<!---->`] }))), /comments or processing instructions/);
      await refused(() => redirect(toSign(aimed({ issuer: `${SP_ENTITY}<!---->` }))), /comments or processing instructions/);
    });

    it("HTTP-POST: a comment inserted after signing into mallory's NameID still verifies, and is read as mallory's NameID, never the victim's", async () => {
      // Signed for mallory's own NameID ("<victim>.evil.example.com") with the victim's SessionIndex.
      const original = signed(aimed({ nameId: t.mallory.nameId }));
      const injected = original.replace(`>${t.mallory.nameId}<`, `>${t.victim.nameId}<!---->.evil.example.com<`);
      expect(injected).not.toBe(original);
      await unknownPrincipal(() => post(injected), idOf(injected));
    });

    it('HTTP-POST: signed with the comment inside from the start, the same', async () => {
      const xml = signed(aimed({ nameId: `${t.victim.nameId}<!---->.evil.example.com` }));
      await unknownPrincipal(() => post(xml), idOf(xml));
    });

    it('HTTP-POST: a processing instruction in the NameID, signed or inserted after signing, never names the victim', async () => {
      // xml-crypto's exclusive c14n renders a PI's data as text, so the signed form of
      // "<victim><?x .evil.example.com?>" is mallory's NameID: the IdP reads that signed form (or, with a
      // canonicalizer that keeps PIs, refuses the PI). Either way nothing ends.
      const signedPi = signed(aimed({ nameId: `${t.victim.nameId}<?x y?>` }));
      await endsNothing(() => post(signedPi), idOf(signedPi));
      const inserted = signed(aimed({ nameId: t.mallory.nameId })).replace(`>${t.mallory.nameId}<`, `>${t.victim.nameId}<?x .evil.example.com?><`);
      expect(inserted).toContain('<?x .evil.example.com?>');
      await endsNothing(() => post(inserted), idOf(inserted));
    });
  });

  // ---- attack 13: namespace prefixes ----

  describe('A13 namespace-prefix redeclaration', () => {
    /** The real NameID (a direct child in the assertion namespace) names mallory; decoys name the victim. */
    const decoys = (o: LogoutOptions = {}) =>
      aimed({
        nameId: t.mallory.nameId,
        afterIssuer: extensions(
          `<saml:NameID xmlns:saml="urn:evil:assertion">${t.victim.nameId}</saml:NameID><a:NameID xmlns:a="${NS.assertion}">${t.victim.nameId}</a:NameID>`,
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
        () => aimed({ nameIdElement: `<saml:NameID xmlns:saml="urn:evil:assertion" Format="${t.victim.nameIdFormat}">${t.victim.nameId}</saml:NameID>` }),
      ],
      ['the NameID in a default foreign namespace', () => aimed({ nameIdElement: `<NameID xmlns="urn:evil:assertion">${t.victim.nameId}</NameID>` })],
      [
        "the SessionIndex's prefix bound to a foreign namespace",
        () =>
          aimed({ sessionIndexes: [] }).replace(
            '</samlp:LogoutRequest>',
            `<samlp:SessionIndex xmlns:samlp="urn:evil:protocol">${t.victim.sessionIndex}</samlp:SessionIndex></samlp:LogoutRequest>`,
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
      const fresh = await signInForLogout(srv, t.world);
      const id = newRequestId();
      const xml =
        `<p2:LogoutRequest xmlns:p2="${NS.protocol}" xmlns:samlp="urn:evil:protocol" xmlns:saml="urn:evil:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${t.slo}">` +
        `<a2:Issuer xmlns:a2="${NS.assertion}">${SP_ENTITY}</a2:Issuer><NameID xmlns="${NS.assertion}">${fresh.nameId}</NameID>` +
        `<p2:SessionIndex>${fresh.sessionIndex}</p2:SessionIndex></p2:LogoutRequest>`;
      expectLogoutResponse(await redirect(toSign(xml)), t.world, id, SUCCESS);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
    });
  });
});
