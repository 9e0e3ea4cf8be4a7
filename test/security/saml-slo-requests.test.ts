// docs/security.md, attacks 10–14 and 21, on Single Logout, through real HTTP on /saml/:org/:service/slo.
// The world (test/helpers/slo-attacks.ts): the service has an slo_url and an sp_certificate; the victim
// and mallory, two users of the organization, stay signed in for the whole file. Every attack names the
// victim's live sign-in (NameID and SessionIndex, sent from a browser without the session cookie, where a
// valid request would end it — see the controls) and must be refused: a local 400 page, or, for a
// verified request naming nobody the IdP knows, a signed non-success LogoutResponse. Afterwards the
// victim's IdP session is still alive, and no log line holds a SAMLRequest that was sent.
// This file: whose sign-in a request names, its Issuer and Destination, replay and timing (attacks 6, 7, 14).
import { describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { CookieJar, type FetchResult } from '../helpers/saml.ts';
import { expectRefused } from '../helpers/saml-attacks.ts';
import {
  SP_SLO,
  expectLogoutResponse,
  idOf,
  logoutRequest,
  sessionEnded,
  signInForLogout,
  signLogoutRequest,
  type LogoutOptions,
} from '../helpers/saml-logout.ts';
import { OTHER_SP, SUCCESS, SloAttackSuite, neverIssued } from '../helpers/slo-attacks.ts';

describe.each(databases())('SAML Single Logout attacks, principals, addressing and replay, on $name', (factory) => {
  const t = new SloAttackSuite(factory);
  const { srv, sent, post, redirect, refused, unknownPrincipal, aimed, signed, toSign } = t;

  // ---- principals: only the sign-in named, only by its own SP ----

  describe('another user, another sign-in, another service', () => {
    it("mallory's NameID with the victim's SessionIndex, and the victim's NameID with mallory's: UnknownPrincipal, nothing ends", async () => {
      const a = signed(aimed({ nameId: t.mallory.nameId }));
      await unknownPrincipal(() => post(a), idOf(a));
      const b = aimed({ sessionIndexes: [t.mallory.sessionIndex] });
      await unknownPrincipal(() => redirect(toSign(b)), idOf(b));
    });

    it("mallory's own valid request, sent from the victim's browser, ends neither session", async () => {
      const xml = signed(logoutRequest(t.slo, t.mallory));
      await unknownPrincipal(() => post(xml, t.victim.jar), idOf(xml));
    });

    it("the victim's SessionIndex at the other service, or one never issued, sent to this service: UnknownPrincipal", async () => {
      const atB = signed(aimed({ sessionIndexes: [t.victimAtB.sessionIndex] }));
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
      await refused(() => post(signLogoutRequest(aimed({ issuer: OTHER_SP }), t.spB.privateKey)), /Signature verification failed/);
    });

    it("this service's Issuer at the other service's SLO URL, signed with that service's key, naming the victim's sign-in there: 400", async () => {
      const xml = signLogoutRequest(logoutRequest(t.sloB, t.victimAtB), t.spB.privateKey);
      await refused(() => post(xml, new CookieJar(), t.sloB), /Unknown Issuer/);
    });

    it('an unknown Issuer, or none: 400', async () => {
      await refused(() => post(signed(aimed({ issuer: 'https://attacker.example.com/sp' }))), /Unknown Issuer/);
      await refused(() => redirect(toSign(aimed({ issuer: null }))), /no Issuer/);
    });
  });

  describe('A6 Destination', () => {
    it.each([
      ['another host', () => t.slo.replace(/^https?:\/\/[^/]+/, 'https://evil.example.com')],
      ['the SSO URL of the same service', () => t.world.urls.sso],
      ["the other service's SLO URL", () => t.sloB],
      ['a trailing slash', () => `${t.slo}/`],
      ['a query string', () => `${t.slo}?x=1`],
      ["the SP's own slo_url", () => SP_SLO],
    ])('%s: 400 through both bindings', async (_name, destination) => {
      await refused(() => post(signed(aimed({ destination: destination() }))), /Destination does not match/);
      await refused(() => redirect(toSign(aimed({ destination: destination() }))), /Destination does not match/);
    });
  });

  describe('A14 replay and timing', () => {
    it('the same LogoutRequest twice: the second is refused; a new message reusing the ID for a live sign-in too', async () => {
      const fresh = await signInForLogout(srv, t.world);
      const xml = logoutRequest(t.slo, fresh);
      const query = toSign(xml);
      expectLogoutResponse(await redirect(query), t.world, idOf(xml), SUCCESS);
      expect(await sessionEnded(srv, fresh.sessionId)).toBe(true);
      await refused(() => redirect(query), /already used/);
      await refused(() => redirect(query, fresh.jar), /already used/);
      // Another binding, and a message that would otherwise end the victim's live sign-in.
      await refused(() => post(signed(aimed({ id: idOf(xml) }))), /already used/);
    });

    it('the same LogoutRequest twice at once: exactly one is answered', async () => {
      const fresh = await signInForLogout(srv, t.world);
      const xml = signed(logoutRequest(t.slo, fresh));
      const results = await Promise.all([post(xml), post(xml)]);
      const ok = results.filter((r) => r.status === 200);
      const no = results.filter((r) => r.status !== 200);
      expect(ok).toHaveLength(1);
      expect(no).toHaveLength(1);
      expectLogoutResponse(ok[0] as FetchResult, t.world, idOf(xml), SUCCESS);
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

  it("no log line contains a SAMLRequest that was sent, nor the victim's session cookie", () => {
    // The other files of the suite check theirs after their last test (SloAttackSuite).
    expect(sent.length).toBeGreaterThan(30);
    t.expectNothingSentInLogs();
  });
});
