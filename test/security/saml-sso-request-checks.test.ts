// docs/security.md, attacks 5, 6, 7, 14 and 15, through real HTTP: the Response only ever goes to the
// registered ACS, Destination and Issuer must match the service, IssueInstant window and replay
// (sequential, concurrent, across two instances), and RelayState limits and escaping. Most attacks are
// sent from a browser that already has an IdP session, so that acceptance would immediately produce an
// auto-POST form: the strongest position for the attacker.
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { CookieJar, SP_ACS, SP_ENTITY, completeSignIn, formAction, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import {
  EVIL_ACS,
  NAVIGATION,
  addSamlService,
  authnRequest,
  expectRefusedWithoutEffect,
  expectSignInRedirect,
  hiddenField,
  newRequestId,
  redirectQuery,
  send,
  sendPost,
  sendRedirect,
  signedInJar,
} from '../helpers/saml-attacks.ts';

const BINDINGS = ['redirect', 'post'] as const;
const B_ENTITY = 'https://b.example.com/sp';
const B_ACS = 'http://localhost:4568/b/acs';

describe.each(databases())('SAML SSO request checks on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  let sso: string;
  let jar: CookieJar;
  let bSso: string;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    sso = world.urls.sso;
    bSso = (await addSamlService(world, { entity_id: B_ENTITY, acs_url: B_ACS })).sso;
    jar = await signedInJar(world);
  });

  it('control: with the session, a correct request through either binding gets the auto-POST page to the registered ACS', async () => {
    for (const binding of BINDINGS) {
      const page = await send(binding, sso, authnRequest(sso), undefined, jar);
      expect(page.status).toBe(200);
      expect(samlResponseFrom(page).action).toBe(SP_ACS);
    }
  });

  describe('A5 AssertionConsumerServiceURL other than the registered one', () => {
    const hostile: [string, string, string][] = [
      // name, raw attribute value, a marker that must not appear in any answer
      ['other host', EVIL_ACS, 'evil.example.com'],
      ['javascript:', 'javascript:alert(document.domain)', 'javascript:'],
      ['data:', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 'data:text/html'],
      ['look-alike host (suffix)', 'http://localhost:4567.evil.com/saml/acs', '4567.evil.com'],
      ['look-alike host (userinfo)', 'http://localhost:4567@evil.com/saml/acs', '@evil.com'],
      ['look-alike host (homoglyph)', 'http://l\u043ecalhost:4567/saml/acs', 'l\u043ecalhost'],
      ['look-alike path', 'http://localhost:4567/saml/acs.evil', 'acs.evil'],
      ['extra query', 'http://localhost:4567/saml/acs?next=https://evil.example.com', 'next='],
      ['trailing slash', 'http://localhost:4567/saml/acs/', 'acs/'],
      ['other scheme', 'https://localhost:4567/saml/acs', 'https://localhost:4567'],
      ['leading space', ' http://localhost:4567/saml/acs', ' http://localhost'],
      ['entity-encoded javascript&colon;', 'javascript&colon;alert(1)', 'alert(1)'],
      ['character-reference javascript&#58;', 'javascript&#58;alert(1)', 'alert(1)'],
      ['character-reference of the registered URL plus a suffix', 'http&#58;//localhost&#58;4567/saml/acs&#46;evil', 'acs.evil'],
    ];

    for (const binding of BINDINGS) {
      it.each(hostile)(`${binding}, %s: 400 even with a session, no Response, no form action`, async (_name, acs, marker) => {
        for (const browser of [jar, new CookieJar()]) {
          const res = await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { acs }), undefined, browser));
          expect(formAction(res.text)).toBeUndefined();
          expect(res.text).not.toMatch(NAVIGATION);
          // The schema error may quote the value, but only as escaped text in the technical detail (or
          // the heading): never as markup or a link.
          expect(res.text.replace(/<h1>[^<]*<\/h1>/, '').replace(/<p class="message">[^<]*<\/p>/, '')).not.toContain(marker);
        }
      });
    }

    it('the ACS of another service of the same organization: 400', async () => {
      for (const binding of BINDINGS) await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { acs: B_ACS }), undefined, jar));
    });

    it('a response binding other than HTTP-POST: 400', async () => {
      const xml = authnRequest(sso).replace('bindings:HTTP-POST', 'bindings:HTTP-Artifact');
      for (const binding of BINDINGS) await expectRefusedWithoutEffect(srv, () => send(binding, sso, xml, undefined, jar));
    });

    it('no ACS in the request: the Response still goes only to the registered ACS', async () => {
      const page = await send('post', sso, authnRequest(sso, { acs: null }), undefined, jar);
      expect(page.status).toBe(200);
      expect(samlResponseFrom(page).action).toBe(SP_ACS);
      // acs_url alone is the endpoint at index 0 (CONTRACT §14).
      const idx = await send('redirect', sso, authnRequest(sso, { acs: null, attrs: ' AssertionConsumerServiceIndex="0"' }), undefined, jar);
      expect(idx.status).toBe(200);
      expect(samlResponseFrom(idx).action).toBe(SP_ACS);
    });

    it('an AssertionConsumerServiceIndex that names no registered endpoint: 400 acs_mismatch, nothing sent', async () => {
      const xml = authnRequest(sso, { acs: null, attrs: ' AssertionConsumerServiceIndex="7"' });
      for (const binding of BINDINGS) {
        const res = await expectRefusedWithoutEffect(srv, () => send(binding, sso, xml, undefined, jar));
        expect(res.text).toContain('acs_mismatch');
      }
    });
  });

  describe('A6 Destination', () => {
    const wrong = (): [string, string][] => {
      const u = new URL(sso);
      return [
        ['other host name for the same server', sso.replace('127.0.0.1', 'localhost')],
        ['other host', sso.replace(u.host, 'idp.evil.example.com')],
        ['other port', sso.replace(`:${u.port}`, `:${Number(u.port) === 65535 ? 65534 : Number(u.port) + 1}`)],
        ['https instead of http', sso.replace('http://', 'https://')],
        ['other path (another service)', bSso],
        ['trailing slash', `${sso}/`],
        ['upper-case path', sso.replace('/sso', '/SSO')],
        ['with a query', `${sso}?x=1`],
        ['the metadata URL', world.urls.metadata],
        ['empty', ''],
      ];
    };

    it('wrong host, port, scheme or path: 400 through both bindings, even with a session', async () => {
      for (const [name, destination] of wrong()) {
        for (const binding of BINDINGS) {
          const res = await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { destination }), undefined, jar));
          expect(res.status, name).toBe(400);
        }
      }
    });

    it('no Destination at all is allowed (it is optional when unsigned)', async () => {
      const page = await send('redirect', sso, authnRequest(sso, { destination: null }), undefined, jar);
      expect(page.status).toBe(200);
    });
  });

  describe('A7 Issuer', () => {
    it('unknown Issuer, missing Issuer, empty Issuer: 400', async () => {
      for (const issuer of ['https://unknown.example.com/sp', `${SP_ENTITY}/`, SP_ENTITY.toUpperCase(), null, '']) {
        for (const binding of BINDINGS) await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { issuer }), undefined, jar));
      }
    });

    it("service A's Issuer at service B's SSO URL (and the reverse): 400, even with a session for the organization", async () => {
      for (const binding of BINDINGS) {
        await expectRefusedWithoutEffect(srv, () => send(binding, bSso, authnRequest(bSso, { issuer: SP_ENTITY, acs: null }), undefined, jar));
        await expectRefusedWithoutEffect(srv, () => send(binding, bSso, authnRequest(bSso, { issuer: SP_ENTITY, acs: SP_ACS }), undefined, jar));
        await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { issuer: B_ENTITY, acs: null }), undefined, jar));
      }
      // Control: B's own request at B is fine and goes to B's ACS.
      const page = await send('post', bSso, authnRequest(bSso, { issuer: B_ENTITY, acs: B_ACS }), undefined, jar);
      expect(page.status).toBe(200);
      expect(samlResponseFrom(page).action).toBe(B_ACS);
    });

    it("an SP of another organization (same entity ID string) cannot use this organization's endpoint with its own ACS", async () => {
      const other = await samlWorld(srv.url, { acs_url: 'http://localhost:4569/other/acs' });
      for (const binding of BINDINGS) {
        await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { acs: 'http://localhost:4569/other/acs' }), undefined, jar));
      }
      // And the other organization's endpoint does not honour this organization's session.
      const res = await send('post', other.urls.sso, authnRequest(other.urls.sso, { acs: null }), undefined, jar);
      expectSignInRedirect(res);
    });
  });

  describe('A14 IssueInstant window and replay', () => {
    const MINUTE = 60_000;
    const SKEW_MS = 60_000; // docs/api.md: one minute either way

    it.each([
      ['older than 5 min + skew', -(5 * MINUTE + SKEW_MS + 30_000)],
      ['six minutes old', -6 * MINUTE - 1000],
      ['an hour old', -60 * MINUTE],
      ['in the future beyond skew', SKEW_MS + 30_000],
      ['two minutes ahead', 2 * MINUTE],
      ['a year in the future', 365 * 24 * 60 * MINUTE],
    ])('IssueInstant %s: 400', async (_name, offset) => {
      for (const binding of BINDINGS) {
        await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { issueInstant: new Date(Date.now() + offset) }), undefined, jar));
      }
    });

    it('IssueInstant four minutes old, or 30 s ahead: accepted (control for the window)', async () => {
      for (const offset of [-4 * MINUTE, 30_000]) {
        const page = await send('post', sso, authnRequest(sso, { issueInstant: new Date(Date.now() + offset) }), undefined, jar);
        expect(page.status).toBe(200);
      }
    });

    it('an IssueInstant that is not a date: 400', async () => {
      for (const issueInstant of ['yesterday', '2025-13-45T99:99:99Z', '']) {
        await expectRefusedWithoutEffect(srv, () => send('post', sso, authnRequest(sso, { issueInstant }), undefined, jar));
      }
    });

    it('sequential replay: the same request a second time is 400 (through either binding)', async () => {
      const xml = authnRequest(sso);
      const first = await send('redirect', sso, xml, undefined, jar);
      expect(first.status).toBe(200);
      await expectRefusedWithoutEffect(srv, () => send('redirect', sso, xml, undefined, jar));
      await expectRefusedWithoutEffect(srv, () => send('post', sso, xml, undefined, jar));
      await expectRefusedWithoutEffect(srv, () => send('post', sso, xml, undefined, new CookieJar()));
    });

    it('a HEAD of the Redirect URL (a link checker, a prefetch) is 405 and spends nothing: the GET after it signs in', async () => {
      const query = redirectQuery(authnRequest(sso));
      const head = await fetch(`${sso}?${query}`, { method: 'HEAD', headers: { cookie: jar.header() } });
      expect(head.status).toBe(405);
      expect(head.headers.get('allow')).toBe('GET, POST');
      const get = await sendRedirect(sso, query, jar);
      expect(get.status).toBe(200);
      expect(get.text).toContain('SAMLResponse');
      for (const [path, allow] of [
        ['/slo', 'GET, POST'],
        ['/init', 'GET'],
        ['/sso/', 'GET, POST'],
      ]) {
        const other = await fetch(sso.replace(/\/sso$/, path ?? ''), { method: 'HEAD' });
        expect([other.status, other.headers.get('allow')], path).toEqual([405, allow]);
      }
      // The metadata, a plain document, answers HEAD like GET (with or without the trailing slash).
      for (const path of ['/metadata', '/metadata/']) expect((await fetch(sso.replace(/\/sso$/, path), { method: 'HEAD' })).status, path).toBe(200);
    });

    it('a POST with SAMLRequest or RelayState twice is 400 and answers neither, as the Redirect binding refuses a repeated parameter', async () => {
      const a = Buffer.from(authnRequest(sso)).toString('base64');
      const b = Buffer.from(authnRequest(sso)).toString('base64');
      for (const form of [
        new URLSearchParams([
          ['SAMLRequest', a],
          ['SAMLRequest', b],
        ]),
        new URLSearchParams([
          ['SAMLRequest', a],
          ['RelayState', 'one'],
          ['RelayState', 'two'],
        ]),
      ]) {
        const res = await fetch(sso, {
          method: 'POST',
          headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
        expect(res.status).toBe(400);
        const text = await res.text();
        expect(text).not.toContain('SAMLResponse');
        expect(text).toContain('appears more than once');
      }
      // Neither request's ID was spent: each still signs in once.
      for (const id of [a, b]) expect((await sendPost(sso, { SAMLRequest: id }, jar)).text).toContain('SAMLResponse');
    });

    it('a replay without a session (pending sign-in) is refused too', async () => {
      const xml = authnRequest(sso);
      expectSignInRedirect(await send('post', sso, xml));
      await expectRefusedWithoutEffect(srv, () => send('post', sso, xml));
    });

    it('concurrent replay: of 5 simultaneous sends of one request, exactly one is not 400', async () => {
      const xml = authnRequest(sso);
      const events = await srv.deps.db.loginEvent.count();
      const results = await Promise.all(Array.from({ length: 5 }, (_, i) => send(i % 2 ? 'post' : 'redirect', sso, xml, undefined, jar)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 400, 400, 400, 400]);
      expect(results.filter((r) => r.text.includes('SAMLResponse'))).toHaveLength(1);
      expect(await srv.deps.db.loginEvent.count()).toBe(events + 1);
    });

    it('the same ID at two different services is two different requests (no cross-service collision)', async () => {
      const id = newRequestId();
      expect((await send('post', sso, authnRequest(sso, { id }), undefined, jar)).status).toBe(200);
      expect((await send('post', bSso, authnRequest(bSso, { id, issuer: B_ENTITY, acs: B_ACS }), undefined, jar)).status).toBe(200);
    });

    describe('across two instances sharing the database', () => {
      const second = suiteServer(factory, {}, () => srv.db);

      it('sequentially and concurrently, only the first use is accepted', async () => {
        const secondSso = sso.replace(srv.url, second.url);
        const xml = authnRequest(sso, { destination: null });
        expectSignInRedirect(await send('post', sso, xml));
        await expectRefusedWithoutEffect(second, () => send('post', secondSso, xml));

        const raced = authnRequest(sso, { destination: null });
        const results = await Promise.all([
          send('post', sso, raced),
          send('redirect', secondSso, raced),
          send('post', secondSso, raced),
          send('redirect', sso, raced),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([302, 400, 400, 400]);
      });
    });
  });

  describe('A15 RelayState', () => {
    const XSS = '"><script>alert(1)</script>';

    it.each(BINDINGS)('%s: echoed verbatim and attribute-escaped in the auto-POST form; the markup never appears raw', async (binding) => {
      for (const relay of [XSS, "'><img src=x onerror=alert(1)>", '`${alert(1)}`', '&amp;lt; a+b%20c ü', '  spaced  ']) {
        const page = await send(binding, sso, authnRequest(sso), relay, jar);
        expect(page.status).toBe(200);
        expect(hiddenField(page.text, 'RelayState')).toBe(relay);
        if (/[<>"']/.test(relay)) expect(page.text).not.toContain(relay);
        expect(page.text).not.toMatch(/<script>alert|<img src=x/);
        // The only script on the page is the nonce'd auto-submit.
        expect(page.text.match(/<script/g)).toHaveLength(1);
      }
    });

    it('kept through the hosted sign-in page and echoed escaped after sign-in', async () => {
      const fresh = new CookieJar();
      const first = await send('redirect', sso, authnRequest(sso), XSS, fresh);
      expectSignInRedirect(first);
      const page = await completeSignIn(world, fresh, first);
      expect(page.status).toBe(200);
      expect(hiddenField(page.text, 'RelayState')).toBe(XSS);
      expect(page.text).not.toContain(XSS);
    });

    it('exactly 80 bytes is accepted; 81 bytes (ASCII or multi-byte) is 400 through both bindings', async () => {
      for (const binding of BINDINGS) {
        const ok = await send(binding, sso, authnRequest(sso), 'r'.repeat(80), jar);
        expect(ok.status).toBe(200);
        expect(hiddenField(ok.text, 'RelayState')).toBe('r'.repeat(80));
        for (const relay of ['r'.repeat(81), '\u20ac'.repeat(27), 'r'.repeat(2000)]) {
          await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso), relay, jar));
        }
      }
    });
  });
});
