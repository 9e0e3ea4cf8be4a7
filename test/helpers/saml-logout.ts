// Single Logout attack plumbing (docs/security.md, attacks 10–14 and 21 on /saml/:org/:service/slo): hand-built
// LogoutRequests with every part overridable by raw (attack) text, enveloped signatures over the
// LogoutRequest root, a sign-in that returns the NameID and SessionIndex the SP was given, and checks
// on the IdP session and on the signed LogoutResponse the IdP sends back.
import type { KeyObject } from 'node:crypto';
import { expect } from 'vitest';
import { NS, authnRequest, newRequestId, redirectQuery, sendRedirect, signRoot, type RootSignOptions } from './saml-attacks.ts';
import { CookieJar, SP_ACS, SP_ENTITY, USER_PASSWORD, completeSignIn, samlResponseFrom, type FetchResult, type SamlWorld } from './saml.ts';
import { all, one, parseXml, text, verifiesWith } from './saml-xml.ts';
import type { TestServer } from './server.ts';

export const SP_SLO = 'http://localhost:4567/saml/slo';

export const LOGOUT_STATUS = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  unknownPrincipal: 'urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal',
} as const;

export const sloOf = (sso: string): string => sso.replace(/\/sso$/, '/slo');

/** What an SP knows about one sign-in: the NameID it was given and the SessionIndex of that sign-in. */
export interface Principal {
  nameId: string;
  nameIdFormat: string;
  sessionIndex: string;
}

/** A browser signed in to the organization, with the IdP session behind the sign-in. */
export interface SignedIn extends Principal {
  jar: CookieJar;
  sessionId: string;
}

/** An SP's view of a Response (an auto-POST page): NameID, its Format and the SessionIndex. */
export function principalFrom(page: FetchResult): Principal {
  const doc = parseXml(samlResponseFrom(page).xml);
  const nameId = one(doc, NS.assertion, 'NameID');
  const sessionIndex = one(doc, NS.assertion, 'AuthnStatement').getAttribute('SessionIndex') ?? '';
  expect(sessionIndex).not.toBe('');
  return { nameId: text(nameId), nameIdFormat: nameId.getAttribute('Format') ?? '', sessionIndex };
}

async function sessionOf(srv: TestServer, sessionIndex: string): Promise<string> {
  const row = await srv.deps.db.idpSessionService.findUnique({ where: { sessionIndex } });
  expect(row, `no IdP session behind SessionIndex ${sessionIndex}`).not.toBeNull();
  return row?.sessionId ?? '';
}

/** A full SP-initiated sign-in (password and all) in a new browser: a new IdP session. */
export async function signInForLogout(srv: TestServer, world: SamlWorld, email = world.userEmail): Promise<SignedIn> {
  const jar = new CookieJar();
  const first = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
  expect(first.status).toBe(302);
  const principal = principalFrom(await completeSignIn(world, jar, first, USER_PASSWORD, email));
  return { ...principal, jar, sessionId: await sessionOf(srv, principal.sessionIndex) };
}

/** SSO to another service with a browser that is already signed in: the Response comes at once. */
export async function ssoWithSession(jar: CookieJar, sso: string, issuer = SP_ENTITY, acs = SP_ACS): Promise<Principal> {
  const page = await sendRedirect(sso, redirectQuery(authnRequest(sso, { issuer, acs })), jar);
  expect(page.status, page.text.slice(0, 300)).toBe(200);
  return principalFrom(page);
}

/** True while this browser's IdP session lives: a new SSO answers with a Response, not the sign-in page. */
export async function stillSignedIn(world: SamlWorld, jar: CookieJar): Promise<boolean> {
  const res = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
  if (res.status === 302) {
    expect(res.headers.get('location') ?? '').toMatch(/^\/login\?state=/);
    return false;
  }
  expect(res.status).toBe(200);
  samlResponseFrom(res);
  return true;
}

export async function sessionEnded(srv: TestServer, sessionId: string): Promise<boolean> {
  const s = await srv.deps.db.idpSession.findUnique({ where: { id: sessionId } });
  expect(s).not.toBeNull();
  return s?.endedAt instanceof Date;
}

const instant = (v: Date | string): string => (v instanceof Date ? v.toISOString() : v);

export interface LogoutOptions {
  id?: string;
  /** xs:dateTime text, or a Date (ISO form); default now. */
  issueInstant?: Date | string;
  notOnOrAfter?: Date | string;
  /** Raw XML content of the Issuer element (not escaped); null leaves the Issuer out. Default SP_ENTITY. */
  issuer?: string | null;
  /** Raw attribute value; null leaves the attribute out. Default the SLO URL. */
  destination?: string | null;
  /** Extra raw attributes on the root, with a leading space. */
  attrs?: string;
  /** Raw XML placed right after the Issuer (Signature, Extensions…). */
  afterIssuer?: string;
  /** Raw content of the NameID element. Default the principal's NameID. */
  nameId?: string;
  /** Raw XML replacing the whole NameID element. */
  nameIdElement?: string;
  /** Raw contents of the SessionIndex elements. Default the principal's one. */
  sessionIndexes?: string[];
}

/** A LogoutRequest as an SP would send it for `who`, every part overridable with raw (attack) text. */
export function logoutRequest(slo: string, who: Principal, o: LogoutOptions = {}): string {
  const attr = (name: string, value: string | null | undefined) => (value === null || value === undefined ? '' : ` ${name}="${value}"`);
  const nameId = o.nameIdElement ?? `<saml:NameID Format="${who.nameIdFormat}">${o.nameId ?? who.nameId}</saml:NameID>`;
  return (
    `<samlp:LogoutRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${o.id ?? newRequestId()}" Version="2.0" IssueInstant="${instant(o.issueInstant ?? new Date())}"` +
    `${attr('Destination', o.destination === undefined ? slo : o.destination)}${attr('NotOnOrAfter', o.notOnOrAfter === undefined ? undefined : instant(o.notOnOrAfter))}${o.attrs ?? ''}>` +
    (o.issuer === null ? '' : `<saml:Issuer>${o.issuer ?? SP_ENTITY}</saml:Issuer>`) +
    (o.afterIssuer ?? '') +
    nameId +
    (o.sessionIndexes ?? [who.sessionIndex]).map((s) => `<samlp:SessionIndex>${s}</samlp:SessionIndex>`).join('') +
    '</samlp:LogoutRequest>'
  );
}

/** An enveloped signature of the LogoutRequest root, placed after the Issuer. */
export function signLogoutRequest(xml: string, key: KeyObject, opts: RootSignOptions = {}): string {
  return signRoot(xml, 'LogoutRequest', key, opts);
}

export interface LogoutAnswer {
  root: Element;
  codes: (string | null)[];
  relayState: string | undefined;
}

/**
 * The IdP's LogoutResponse on an auto-POST page: posted to the registered slo_url only, answering
 * `requestId`, signed with the IdP certificate, with exactly these status codes (top level first).
 */
export function expectLogoutResponse(page: FetchResult, world: SamlWorld, requestId: string, codes: string[]): LogoutAnswer {
  expect(page.status, page.text.replace(/<style[^]*<\/style>/, '').slice(0, 400)).toBe(200);
  const out = samlResponseFrom(page);
  expect(out.action).toBe(SP_SLO);
  const doc = parseXml(out.xml);
  const root = doc.documentElement as Element;
  expect(root.localName).toBe('LogoutResponse');
  expect(root.getAttribute('InResponseTo')).toBe(requestId);
  expect(root.getAttribute('Destination')).toBe(SP_SLO);
  expect(all(root, NS.assertion, 'Assertion')).toHaveLength(0);
  expect(verifiesWith(out.xml, root, world.idpCertPem)).toBe(true);
  const found = all(root, NS.protocol, 'StatusCode').map((c) => c.getAttribute('Value'));
  expect(found).toEqual(codes);
  return { root, codes: found, relayState: out.RelayState };
}

/** The ID attribute of a LogoutRequest's root. */
export function idOf(xml: string): string {
  return /^<[^>]*\sID="([^"]*)"/.exec(xml)?.[1] ?? '';
}
