// docs/security.md, attack catalogue, through HTTP on every database:
//   34 — IdP private keys only ever at rest encrypted and bound to their certificate row; a moved
//        ciphertext or a wrong TESSERA_ENCRYPTION_KEY fails closed (503, clear log line), never signs
//        with another key.
//   20 — issued assertion timing and addressing (fake Date): NotBefore = now − 60 s, NotOnOrAfter =
//        now + 5 min, Audience, Recipient, InResponseTo, Destination, Issuer.
//   18 — session cookie HttpOnly; Secure; SameSite=None (8 h), CSRF cookie SameSite=Strict; plus the
//        session rules of docs/api.md, SAML protocol: IsPassive → signed NoPassive without an Assertion, ForceAuthn → sign-in
//        again, a disabled user's session yields nothing, each SSO links the user and counts a login.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { databases } from '../helpers/databases.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { suiteServer } from '../helpers/suite.ts';
import { Client } from '../helpers/http.ts';
import { createKey, createService } from '../helpers/fixtures.ts';
import { expectStatus } from '../helpers/admin-plane.ts';
import {
  CookieJar,
  SP_ACS,
  SP_ENTITY,
  USER_PASSWORD,
  browserFetch,
  completeSignIn,
  configureSaml,
  hiddenInput,
  samlResponseFrom,
  samlWorld,
  type FetchResult,
  type SamlWorld,
} from '../helpers/saml.ts';
import {
  NS,
  STATUS,
  all,
  authnRequest,
  childrenOf,
  one,
  parseXml,
  protocolSchemaError,
  redirectUrl,
  samlInstant,
  text,
  verifiesWith,
  type AuthnRequestOptions,
} from '../helpers/saml-xml.ts';
import { createSealer } from '../../src/security/encryption.ts';

const PASSWORD_PROTECTED = 'urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport';
const BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer';

type Sso = Omit<AuthnRequestOptions, 'issuer'> & { relayState?: string; issuer?: string };

/** An AuthnRequest by HTTP-Redirect to `sso` from the SP of `samlWorld` (unless told otherwise). */
async function sso(jar: CookieJar, ssoUrl: string, o: Sso = {}): Promise<{ id: string; res: FetchResult }> {
  const req = authnRequest({ issuer: SP_ENTITY, destination: ssoUrl, acsUrl: SP_ACS, ...o });
  return { id: req.id, res: await browserFetch(jar, redirectUrl(ssoUrl, req.xml, o.relayState)) };
}

/** Every row of every table, as text (JSON), read through the server's own database connection. */
async function dumpEveryTable(srv: TestServer): Promise<{ tables: string[]; text: string }> {
  const db = srv.deps.db;
  const names =
    srv.deps.database.dialect === 'sqlite'
      ? (await db.$queryRawUnsafe<{ name: string }[]>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name)
      : (
          await db.$queryRawUnsafe<{ table_name: string }[]>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
          )
        ).map((r) => r.table_name);
  const parts: string[] = [];
  for (const name of names) {
    const rows = await db.$queryRawUnsafe<Record<string, unknown>[]>(`SELECT * FROM "${name.replace(/"/g, '""')}"`);
    parts.push(
      JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)),
    );
  }
  return { tables: names, text: parts.join('\n') };
}

function decodeResponse(page: FetchResult): { xml: string; doc: Document; root: Element } {
  const { xml } = samlResponseFrom(page);
  const doc = parseXml(xml);
  return { xml, doc, root: doc.documentElement };
}

describe.each(databases())('SAML keys and assertions (docs/security.md attacks 18, 20, 34) on $name', (factory) => {
  const srv = suiteServer(factory);
  let world: SamlWorld;
  const samlPath = (svc: string, rest = '') => `/api/organizations/${world.org}/services/${svc}/saml${rest}`;
  const ssoUrlOf = (svc: string, base = srv.url) => `${base}/saml/${world.org}/${svc}/sso`;

  beforeAll(async () => {
    world = await samlWorld(srv.url);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('docs/security.md attack 34: private keys at rest', () => {
    it('no table and (SQLite) no byte of the database file holds a private key; the sealed key is bound to its certificate id', async () => {
      // A rotation and a pending certificate, so several keys exist.
      expectStatus(await world.admin.client.post(samlPath(world.svc.slug, '/certificate'), { activate: false }), 201);
      const sign = await sso(new CookieJar(), world.urls.sso);
      expect(sign.res.status).toBe(302);

      const certs = await srv.deps.db.samlCertificate.findMany();
      expect(certs.length).toBeGreaterThanOrEqual(2);
      const sealer = createSealer(undefined); // the test server runs with the development key
      for (const c of certs) {
        expect(c.certificatePem).toContain('BEGIN CERTIFICATE');
        expect(c.certificatePem).not.toMatch(/PRIVATE KEY/);
        expect(c.encryptedPrivateKey).toMatch(/^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/);
        expect(c.encryptedPrivateKey).not.toMatch(/PRIVATE KEY/);
        for (const part of c.encryptedPrivateKey.split('.').slice(1)) expect(Buffer.from(part, 'base64').toString('latin1')).not.toMatch(/PRIVATE KEY/);
        // It is the certificate's own key, encrypted, and it opens only under its own id.
        const pem = sealer.open(c.encryptedPrivateKey, c.id);
        expect(pem).toMatch(/PRIVATE KEY/);
        const fromKey = createPublicKey(pem).export({ format: 'der', type: 'spki' });
        expect(fromKey.equals(new X509Certificate(c.certificatePem).publicKey.export({ format: 'der', type: 'spki' }))).toBe(true);
        const other = certs.find((x) => x.id !== c.id);
        if (other) expect(() => sealer.open(c.encryptedPrivateKey, other.id)).toThrow();
      }

      const dump = await dumpEveryTable(srv);
      expect(dump.tables).toContain('saml_certificates');
      expect(dump.text).toContain('BEGIN CERTIFICATE'); // the dump does include the certificate rows
      expect(dump.text).not.toMatch(/PRIVATE KEY/);
      if (srv.db.name === 'sqlite') {
        // The database file and its WAL/journal: every byte on disk.
        const file = srv.db.url.slice('file:'.length);
        const raw = [file, `${file}-wal`, `${file}-journal`]
          .filter((f) => existsSync(f))
          .map((f) => readFileSync(f).toString('latin1'))
          .join('');
        expect(raw).toContain('BEGIN CERTIFICATE');
        expect(raw).not.toContain('PRIVATE KEY');
      }
      // And no API answer carries it.
      const list = await world.admin.client.get(samlPath(world.svc.slug, '/certificates'));
      expectStatus(list, 200);
      expect(list.text).not.toMatch(/PRIVATE KEY|encrypted|v1\./);
      expect(srv.logs.join('\n')).not.toMatch(/PRIVATE KEY/);
    });

    it('a ciphertext moved onto another certificate row fails closed: 503 and a log line naming TESSERA_ENCRYPTION_KEY, never a signature by another key', async () => {
      const svcB = await createService(world.admin, world.org);
      await configureSaml(world.admin, world.org, svcB.slug);
      const certA = await srv.deps.db.samlCertificate.findFirstOrThrow({ where: { serviceId: world.svc.id, status: 'active' } });
      const certB = await srv.deps.db.samlCertificate.findFirstOrThrow({ where: { serviceId: svcB.id, status: 'active' } });
      expect(certB.id).not.toBe(certA.id);
      // B has never signed (nothing cached); give it A's sealed key.
      await srv.deps.db.samlCertificate.update({ where: { id: certB.id }, data: { encryptedPrivateKey: certA.encryptedPrivateKey } });
      const logStart = srv.logs.length;

      const jar = new CookieJar();
      const first = await sso(jar, ssoUrlOf(svcB.slug));
      expect(first.res.status).toBe(302);
      const afterLogin = await completeSignIn(world, jar, first.res);
      expect(afterLogin.status).toBe(503);
      expect(hiddenInput(afterLogin.text, 'SAMLResponse')).toBeUndefined();
      expect(afterLogin.text).not.toMatch(/PRIVATE KEY|TESSERA_ENCRYPTION_KEY|v1\./);

      // With the session now live, SSO to B answers 503 straight away (JSON on request), still nothing signed.
      const req = authnRequest({ issuer: SP_ENTITY, destination: ssoUrlOf(svcB.slug) });
      const direct = await browserFetch(jar, redirectUrl(ssoUrlOf(svcB.slug), req.xml), { headers: { accept: 'application/json' } });
      expect(direct.status).toBe(503);
      expect(JSON.parse(direct.text)).toMatchObject({ error_code: 'SERVICE_UNAVAILABLE' });
      expect(direct.text).not.toContain('SAMLResponse');

      const lines = srv.logs.slice(logStart).filter((l) => l.includes('TESSERA_ENCRYPTION_KEY'));
      expect(lines.length).toBeGreaterThanOrEqual(1);
      const line = JSON.parse(lines[0] ?? '{}') as { level?: number; certId?: string };
      expect(line.level).toBeGreaterThanOrEqual(50);
      expect(line.certId).toBe(certB.id);
      expect(srv.logs.slice(logStart).join('\n')).not.toMatch(/PRIVATE KEY/);

      // Service A, same session, still signs with A's own key.
      const a = await sso(jar, world.urls.sso);
      expect(a.res.status).toBe(200);
      const resA = decodeResponse(a.res);
      expect(verifiesWith(resA.xml, resA.root, certA.certificatePem)).toBe(true);

      // Putting B's own ciphertext back restores B, signing with B's certificate only.
      const rotated = await world.admin.client.post<{ id: string; public_key: string }>(samlPath(svcB.slug, '/certificate'));
      expectStatus(rotated, 201);
      const b = await sso(jar, ssoUrlOf(svcB.slug));
      expect(b.res.status).toBe(200);
      const resB = decodeResponse(b.res);
      expect(verifiesWith(resB.xml, resB.root, rotated.body.public_key)).toBe(true);
      expect(verifiesWith(resB.xml, resB.root, certA.certificatePem)).toBe(false);
    });

    it('a server restarted with a wrong TESSERA_ENCRYPTION_KEY on the same database fails closed with a clear log line', async () => {
      const db = await factory.create();
      let second: TestServer | undefined;
      try {
        const first = await startTestServer(factory, { TESSERA_ENCRYPTION_KEY: 'the-right-encryption-key-0123456789' }, db);
        let w: SamlWorld;
        const jar = new CookieJar();
        try {
          w = await samlWorld(first.url);
          const ok = await completeSignIn(w, jar, (await sso(jar, w.urls.sso)).res);
          expect(ok.status).toBe(200);
          expect(verifiesWith(samlResponseFrom(ok).xml, parseXml(samlResponseFrom(ok).xml).documentElement as Element, w.idpCertPem)).toBe(true);
        } finally {
          await first.stop();
        }

        second = await startTestServer(factory, { TESSERA_ENCRYPTION_KEY: 'wrong' }, db);
        const ssoUrl = `${second.url}/saml/${w.org}/${w.svc.slug}/sso`;
        // The existing session (database-backed) and a fresh sign-in both end in 503, never a Response.
        const withSession = await sso(jar, ssoUrl);
        expect(withSession.res.status).toBe(503);
        expect(withSession.res.text).not.toContain('SAMLResponse');
        const fresh = new CookieJar();
        const start = await sso(fresh, ssoUrl);
        expect(start.res.status).toBe(302);
        const done = await completeSignIn({ ...w, base: second.url }, fresh, start.res);
        expect(done.status).toBe(503);
        expect(hiddenInput(done.text, 'SAMLResponse')).toBeUndefined();
        const lines = second.logs.filter((l) => l.includes('TESSERA_ENCRYPTION_KEY'));
        expect(lines.length).toBeGreaterThanOrEqual(1);
        expect(lines.some((l) => /decrypt/i.test(l) && (JSON.parse(l) as { level: number }).level >= 50)).toBe(true);
        expect(second.logs.join('\n')).not.toMatch(/PRIVATE KEY|the-right-encryption-key/);
        // The public half is still published.
        expect((await fetch(`${second.url}/saml/${w.org}/${w.svc.slug}/metadata`)).status).toBe(200);
      } finally {
        await second?.stop();
        await db.drop();
      }
    });
  });

  describe('docs/security.md attack 20: assertion timing and addressing (fake Date)', () => {
    it('NotBefore = now − 60 s, NotOnOrAfter = now + 5 min; Audience, Recipient, InResponseTo, Destination and Issuer as registered', async () => {
      const now = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(now);
      const jar = new CookieJar();
      const { id, res } = await sso(jar, world.urls.sso, { relayState: 'timing' });
      const page = await completeSignIn(world, jar, res);
      expect(page.status).toBe(200);
      const { xml, doc, root } = decodeResponse(page);
      vi.useRealTimers();

      const plus5 = samlInstant(new Date(now.getTime() + 5 * 60_000));
      const minus60 = samlInstant(new Date(now.getTime() - 60_000));
      expect(protocolSchemaError(xml)).toBeNull();
      expect(root.localName).toBe('Response');
      expect(root.getAttribute('IssueInstant')).toBe(samlInstant(now));
      expect(root.getAttribute('Destination')).toBe(SP_ACS);
      expect(root.getAttribute('InResponseTo')).toBe(id);
      expect(text(one(root, NS.protocol, 'Status').getElementsByTagNameNS(NS.protocol, 'StatusCode').item(0) as Element)).toBe('');
      expect((one(root, NS.protocol, 'Status').getElementsByTagNameNS(NS.protocol, 'StatusCode').item(0) as Element).getAttribute('Value')).toBe(
        STATUS.success,
      );
      expect(childrenOf(root, NS.assertion, 'Issuer').map(text)).toEqual([world.urls.entityId]);
      // Signature right after Issuer, verifying with the published certificate.
      const firstTwo = Array.from({ length: root.childNodes.length }, (_, i) => root.childNodes.item(i))
        .filter((n): n is Element => n.nodeType === 1)
        .slice(0, 2)
        .map((e) => e.localName);
      expect(firstTwo).toEqual(['Issuer', 'Signature']);
      expect(verifiesWith(xml, root, world.idpCertPem)).toBe(true);

      const assertions = all(doc, NS.assertion, 'Assertion');
      expect(assertions).toHaveLength(1);
      const a = assertions[0] as Element;
      expect(verifiesWith(xml, a, world.idpCertPem)).toBe(true);
      expect(a.getAttribute('IssueInstant')).toBe(samlInstant(now));
      expect(childrenOf(a, NS.assertion, 'Issuer').map(text)).toEqual([world.urls.entityId]);
      const confirmations = all(a, NS.assertion, 'SubjectConfirmation');
      expect(confirmations.map((c) => c.getAttribute('Method'))).toEqual([BEARER]);
      const scd = one(a, NS.assertion, 'SubjectConfirmationData');
      expect(scd.getAttribute('Recipient')).toBe(SP_ACS);
      expect(scd.getAttribute('InResponseTo')).toBe(id);
      expect(scd.getAttribute('NotOnOrAfter')).toBe(plus5);
      expect(scd.hasAttribute('NotBefore')).toBe(false);
      const conditions = one(a, NS.assertion, 'Conditions');
      expect(conditions.getAttribute('NotBefore')).toBe(minus60);
      expect(conditions.getAttribute('NotOnOrAfter')).toBe(plus5);
      expect(all(conditions, NS.assertion, 'Audience').map(text)).toEqual([SP_ENTITY]);
      const authn = one(a, NS.assertion, 'AuthnStatement');
      expect(authn.getAttribute('AuthnInstant')).toBe(samlInstant(now));
      expect(authn.getAttribute('SessionIndex') ?? '').toMatch(/^_.{16,}/);
      expect(text(one(authn, NS.assertion, 'AuthnContextClassRef'))).toBe(PASSWORD_PROTECTED);
      expect(text(one(a, NS.assertion, 'NameID'))).toBe(world.userEmail);
    });

    it('the times move with the clock: a later SSO in the same session is stamped with the later now', async () => {
      const t0 = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(t0);
      const jar = new CookieJar();
      const first = await completeSignIn(world, jar, (await sso(jar, world.urls.sso)).res);
      expect(first.status).toBe(200);
      const t1 = new Date(t0.getTime() + 150_000);
      vi.setSystemTime(t1);
      const { id, res } = await sso(jar, world.urls.sso);
      expect(res.status).toBe(200);
      const { root } = decodeResponse(res);
      vi.useRealTimers();
      const conditions = one(root, NS.assertion, 'Conditions');
      expect(conditions.getAttribute('NotBefore')).toBe(samlInstant(new Date(t1.getTime() - 60_000)));
      expect(conditions.getAttribute('NotOnOrAfter')).toBe(samlInstant(new Date(t1.getTime() + 300_000)));
      expect(one(root, NS.assertion, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe(id);
      // The authentication itself happened at t0.
      expect(one(root, NS.assertion, 'AuthnStatement').getAttribute('AuthnInstant')).toBe(samlInstant(t0));
    });
  });

  describe('docs/security.md attack 18 and the session rules of the SAML protocol', () => {
    it('CSRF cookie SameSite=Strict; session cookie HttpOnly; Secure; SameSite=None; Path=/; Max-Age 8 h', async () => {
      const jar = new CookieJar();
      const { res } = await sso(jar, world.urls.sso);
      expect(res.status).toBe(302);
      const loginPage = await browserFetch(jar, world.base + (res.headers.get('location') ?? ''));
      expect(loginPage.status).toBe(200);
      const csrfCookies = loginPage.headers.getSetCookie().filter((c) => c.startsWith('tessera_csrf='));
      expect(csrfCookies).toHaveLength(1);
      const csrf = csrfCookies[0] ?? '';
      expect(csrf).toMatch(/;\s*SameSite=Strict(;|$)/i);
      expect(csrf).toMatch(/;\s*HttpOnly(;|$)/i);
      expect(csrf).toMatch(/;\s*Secure(;|$)/i);

      const signedIn = await browserFetch(jar, `${world.base}/login`, {
        form: {
          state: hiddenInput(loginPage.text, 'state') ?? '',
          csrf: hiddenInput(loginPage.text, 'csrf') ?? '',
          email: world.userEmail,
          password: USER_PASSWORD,
        },
        headers: { origin: new URL(world.base).origin },
      });
      expect(signedIn.status).toBe(200);
      expect(hiddenInput(signedIn.text, 'SAMLResponse')).toBeDefined();
      const session = signedIn.headers.getSetCookie().filter((c) => c.startsWith('tessera_sso_'));
      expect(session).toHaveLength(1);
      const cookie = session[0] ?? '';
      expect(cookie).toMatch(/;\s*HttpOnly(;|$)/i);
      expect(cookie).toMatch(/;\s*Secure(;|$)/i);
      expect(cookie).toMatch(/;\s*SameSite=None(;|$)/i);
      expect(cookie).toMatch(/;\s*Max-Age=28800(;|$)/i);
      expect(cookie).toMatch(/;\s*Path=\/(;|$)/);
      const value = cookie.slice(cookie.indexOf('=') + 1).split(';')[0] ?? '';
      expect(value.length).toBeGreaterThanOrEqual(32);
      expect(value).not.toBe(hiddenInput(loginPage.text, 'csrf'));
    });

    it('IsPassive without a session: a signed Response with status NoPassive and no Assertion, to the registered ACS', async () => {
      const jar = new CookieJar();
      const { id, res } = await sso(jar, world.urls.sso, { isPassive: true, relayState: 'passive' });
      expect(res.status).toBe(200);
      const resp = samlResponseFrom(res);
      expect(resp.action).toBe(SP_ACS);
      expect(resp.RelayState).toBe('passive');
      const doc = parseXml(resp.xml);
      const root = doc.documentElement as Element;
      expect(protocolSchemaError(resp.xml)).toBeNull();
      expect(root.getAttribute('InResponseTo')).toBe(id);
      expect(root.getAttribute('Destination')).toBe(SP_ACS);
      const codes = all(root, NS.protocol, 'StatusCode').map((c) => c.getAttribute('Value'));
      expect(codes).toEqual([STATUS.responder, STATUS.noPassive]);
      expect(all(doc, NS.assertion, 'Assertion')).toHaveLength(0);
      expect(resp.xml).not.toMatch(/Assertion[ >]|EncryptedAssertion|NameID|AttributeStatement/);
      expect(verifiesWith(resp.xml, root, world.idpCertPem)).toBe(true);
      // No session was created along the way.
      expect([...jar.cookies.keys()].some((k) => k.startsWith('tessera_sso_'))).toBe(false);

      // IsPassive with a live session is an ordinary success.
      const live = new CookieJar();
      expect((await completeSignIn(world, live, (await sso(live, world.urls.sso)).res)).status).toBe(200);
      const passive = await sso(live, world.urls.sso, { isPassive: true });
      expect(passive.res.status).toBe(200);
      expect(all(parseXml(samlResponseFrom(passive.res).xml), NS.assertion, 'Assertion')).toHaveLength(1);
    });

    it('ForceAuthn=true with a live session goes to the sign-in page again; signing in starts a new session', async () => {
      const jar = new CookieJar();
      const first = await completeSignIn(world, jar, (await sso(jar, world.urls.sso)).res);
      expect(first.status).toBe(200);
      const sessionName = [...jar.cookies.keys()].find((k) => k.startsWith('tessera_sso_')) ?? '';
      const before = jar.cookies.get(sessionName);
      expect(before).toBeDefined();
      expect((await sso(jar, world.urls.sso)).res.status).toBe(200); // the session is live

      const forced = await sso(jar, world.urls.sso, { forceAuthn: true });
      expect(forced.res.status).toBe(302);
      expect(forced.res.headers.get('location') ?? '').toMatch(/^\/login\?state=/);
      expect(forced.res.text).not.toContain('SAMLResponse');
      const again = await completeSignIn(world, jar, forced.res);
      expect(again.status).toBe(200);
      const xml = samlResponseFrom(again).xml;
      expect(one(parseXml(xml), NS.assertion, 'SubjectConfirmationData').getAttribute('InResponseTo')).toBe(forced.id);
      expect(jar.cookies.get(sessionName)).not.toBe(before);
      // xs:boolean collapses whitespace: the schema takes " true " and " 1" as true, and so does the IdP.
      for (const forceAuthn of [' true ', '\ttrue\n', ' 1']) {
        const padded = await sso(jar, world.urls.sso, { forceAuthn });
        expect(padded.res.status, JSON.stringify(forceAuthn)).toBe(302);
        expect(padded.res.headers.get('location') ?? '').toMatch(/^\/login\?state=/);
      }
      const passive = await sso(new CookieJar(), world.urls.sso, { isPassive: ' true ' });
      const codes = all(parseXml(samlResponseFrom(passive.res).xml).documentElement as Element, NS.protocol, 'StatusCode').map((c) => c.getAttribute('Value'));
      expect(codes).toEqual([STATUS.responder, STATUS.noPassive]);
    });

    it('SAMLEncoding other than DEFLATE is refused (400 malformed_request); the DEFLATE URN spelled out is accepted', async () => {
      const req = authnRequest({ issuer: SP_ENTITY, destination: world.urls.sso, acsUrl: SP_ACS });
      const url = redirectUrl(world.urls.sso, req.xml);
      const odd = await browserFetch(new CookieJar(), `${url}&SAMLEncoding=urn%3Afoo`, { headers: { accept: 'application/json' } });
      expect(odd.status).toBe(400);
      expect(JSON.parse(odd.text)).toMatchObject({ reason: 'malformed_request' });
      const again = authnRequest({ issuer: SP_ENTITY, destination: world.urls.sso, acsUrl: SP_ACS });
      const named = `${redirectUrl(world.urls.sso, again.xml)}&SAMLEncoding=${encodeURIComponent('urn:oasis:names:tc:SAML:2.0:bindings:URL-Encoding:DEFLATE')}`;
      expect((await browserFetch(new CookieJar(), named)).status).toBe(302);
    });

    it("a disabled user's existing session no longer yields an assertion; signing in again is refused", async () => {
      const email = `disabled.${Date.now().toString(36)}@example.com`;
      const created = await world.admin.client.post<{ user: { id: string } }>(`/api/organizations/${world.org}/users`, { email, password: USER_PASSWORD });
      expectStatus(created, 201);
      const jar = new CookieJar();
      const first = await completeSignIn(world, jar, (await sso(jar, world.urls.sso)).res, USER_PASSWORD, email);
      expect(first.status).toBe(200);
      expect(text(one(parseXml(samlResponseFrom(first).xml), NS.assertion, 'NameID'))).toBe(email);
      expect((await sso(jar, world.urls.sso)).res.status).toBe(200);

      const patched = await world.admin.client.patch<{ user: { disabled: boolean } }>(`/api/organizations/${world.org}/users/${created.body.user.id}`, {
        disabled: true,
      });
      expectStatus(patched, 200);
      expect(patched.body.user.disabled).toBe(true);

      const after = await sso(jar, world.urls.sso);
      expect(after.res.status).toBe(302);
      expect(after.res.headers.get('location') ?? '').toMatch(/^\/login\?state=/);
      expect(after.res.text).not.toContain('SAMLResponse');
      const retry = await completeSignIn(world, jar, after.res, USER_PASSWORD, email);
      expect(retry.status).toBe(401);
      expect(hiddenInput(retry.text, 'SAMLResponse')).toBeUndefined();
      // IsPassive with the old cookie: NoPassive, no Assertion.
      const passive = await sso(jar, world.urls.sso, { isPassive: true });
      expect(passive.res.status).toBe(200);
      const doc = parseXml(samlResponseFrom(passive.res).xml);
      expect(all(doc, NS.assertion, 'Assertion')).toHaveLength(0);
      expect(all(doc, NS.protocol, 'StatusCode').map((c) => c.getAttribute('Value'))).toContain(STATUS.noPassive);
    });

    it('each successful SSO links the user to the service and records a login event; refused or passive attempts record nothing', async () => {
      const svc = await createService(world.admin, world.org);
      await configureSaml(world.admin, world.org, svc.slug);
      const ssoUrl = ssoUrlOf(svc.slug);
      const key = await createKey(world.admin, world.org, svc.slug, ['read:users', 'read:analytics']);
      const api = new Client(srv.url).apiKey(key.key);
      const users = async () => (await api.get<{ users: { id: string; email: string }[]; total: number }>('/api/service/users')).body;
      const analytics = async () => (await api.get<{ total_users: number; total_logins_30d: number; unique_users_30d: number }>('/api/service/analytics')).body;
      expect(await users()).toMatchObject({ users: [], total: 0 });
      expect(await analytics()).toMatchObject({ total_users: 0, total_logins_30d: 0, unique_users_30d: 0 });

      const jar = new CookieJar();
      // IsPassive without a session: no link, no login.
      expect((await sso(jar, ssoUrl, { isPassive: true })).res.status).toBe(200);
      expect((await analytics()).total_logins_30d).toBe(0);

      const first = await completeSignIn(world, jar, (await sso(jar, ssoUrl)).res);
      expect(first.status).toBe(200);
      const listed = await users();
      expect(listed.total).toBe(1);
      expect(listed.users.map((u) => [u.id, u.email])).toEqual([[world.userId, world.userEmail]]);
      expectStatus(await api.get(`/api/service/users/${world.userId}`), 200);
      expect(await analytics()).toMatchObject({ total_users: 1, total_logins_30d: 1, unique_users_30d: 1 });

      expect((await sso(jar, ssoUrl)).res.status).toBe(200);
      expect(await analytics()).toMatchObject({ total_users: 1, total_logins_30d: 2, unique_users_30d: 1 });

      // A ForceAuthn detour that is not completed, and a refused request, count nothing.
      expect((await sso(jar, ssoUrl, { forceAuthn: true })).res.status).toBe(302);
      expect((await sso(jar, ssoUrl, { acsUrl: 'https://evil.example.com/acs' })).res.status).toBe(400);
      expect(await analytics()).toMatchObject({ total_users: 1, total_logins_30d: 2 });
    });
  });
});
