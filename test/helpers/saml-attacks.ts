// Attack plumbing for the SAML SSO security suites (docs/security.md, attacks 1–23): hand-built AuthnRequests, both
// request bindings, SP keys and certificates made with node-forge, Redirect query signatures over the
// exact bytes sent, enveloped POST signatures with xml-crypto (and re-signed SignedInfo variants), an
// HTTP listener that records outbound fetches, and the "refused with no side effect" assertion.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrivateKey, randomBytes, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import forge from 'node-forge';
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { expect } from 'vitest';
import {
  CookieJar,
  SP_ACS,
  SP_ENTITY,
  USER_PASSWORD,
  browserFetch,
  completeSignIn,
  configureSaml,
  samlResponseFrom,
  type FetchResult,
  type SamlWorld,
} from './saml.ts';
import { createService } from './fixtures.ts';
import type { TestServer } from './server.ts';
import type { Json } from './http.ts';

export const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  dsig: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const ALG = {
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha512: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

export const EVIL_ACS = 'https://evil.example.com/acs';
const HTTP_POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST';

export function newRequestId(): string {
  return `_${randomBytes(16).toString('hex')}`;
}

export interface AuthnOptions {
  id?: string;
  /** xs:dateTime text, or a Date (ISO form); default now. */
  issueInstant?: Date | string;
  /** Raw XML content of the Issuer element (not escaped); null leaves the Issuer out. */
  issuer?: string | null;
  /** Raw attribute value (the caller escapes); null leaves the attribute out. Default SP_ACS. */
  acs?: string | null;
  /** Raw attribute value; null leaves the attribute out. Default the service's SSO URL. */
  destination?: string | null;
  /** Extra raw attributes on the root, with a leading space. */
  attrs?: string;
  /** Raw XML placed right after the Issuer (Signature, Extensions…). */
  afterIssuer?: string;
}

/** An AuthnRequest as an SP would send it, every part overridable with raw (attack) text. */
export function authnRequest(sso: string, o: AuthnOptions = {}): string {
  const instant = o.issueInstant instanceof Date ? o.issueInstant.toISOString() : (o.issueInstant ?? new Date().toISOString());
  const attr = (name: string, value: string | null | undefined) => (value === null || value === undefined ? '' : ` ${name}="${value}"`);
  return (
    `<samlp:AuthnRequest xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${o.id ?? newRequestId()}" Version="2.0" IssueInstant="${instant}"` +
    `${attr('Destination', o.destination === undefined ? sso : o.destination)}${attr('AssertionConsumerServiceURL', o.acs === undefined ? SP_ACS : o.acs)}` +
    ` ProtocolBinding="${HTTP_POST}"${o.attrs ?? ''}>` +
    (o.issuer === null ? '' : `<saml:Issuer>${o.issuer ?? SP_ENTITY}</saml:Issuer>`) +
    (o.afterIssuer ?? '') +
    '<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>' +
    '</samlp:AuthnRequest>'
  );
}

export const base64 = (data: string | Buffer): string => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');
export const deflated = (data: string | Buffer): string => deflateRawSync(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64');

/** `SAMLRequest=…[&RelayState=…]` for the HTTP-Redirect binding, every value percent-encoded. */
export function redirectQuery(xml: string, relayState?: string): string {
  return `SAMLRequest=${encodeURIComponent(deflated(xml))}${relayState === undefined ? '' : `&RelayState=${encodeURIComponent(relayState)}`}`;
}

const acceptHeaders = (accept?: string): { headers?: Record<string, string> } => (accept ? { headers: { accept } } : {});

export function sendRedirect(sso: string, query: string, jar = new CookieJar(), accept?: string): Promise<FetchResult> {
  return browserFetch(jar, `${sso}?${query}`, acceptHeaders(accept));
}

export function sendPost(sso: string, fields: Record<string, string>, jar = new CookieJar(), accept?: string): Promise<FetchResult> {
  return browserFetch(jar, sso, { form: fields, ...acceptHeaders(accept) });
}

/** The same AuthnRequest through either binding. */
export function send(
  binding: 'redirect' | 'post',
  sso: string,
  xml: string,
  relayState?: string,
  jar = new CookieJar(),
  accept?: string,
): Promise<FetchResult> {
  if (binding === 'redirect') return sendRedirect(sso, redirectQuery(xml, relayState), jar, accept);
  return sendPost(sso, { SAMLRequest: base64(xml), ...(relayState === undefined ? {} : { RelayState: relayState }) }, jar, accept);
}

function snippet(res: FetchResult): string {
  return `${res.status} ${res.text.replace(/<style[^]*<\/style>/, '').slice(0, 400)}`;
}

/** Refused: the status, a local page (no form, no SAMLResponse, no redirect anywhere). */
export function expectRefused(res: FetchResult, status: number | number[] = 400): void {
  const allowed = Array.isArray(status) ? status : [status];
  expect(allowed, snippet(res)).toContain(res.status);
  expect(res.text).not.toContain('SAMLResponse');
  expect(res.text).not.toMatch(/<form/i);
  expect(res.text).not.toMatch(NAVIGATION);
  expect(res.headers.get('location')).toBeNull();
}

/** Accepted: no session yet, so the browser is sent to the hosted sign-in page. */
export function expectSignInRedirect(res: FetchResult): void {
  expect(res.status, snippet(res)).toBe(302);
  expect(res.headers.get('location') ?? '').toMatch(/^\/login\?state=/);
}

export interface SideEffects {
  loginEvents: number;
  pending: number;
  sessions: number;
}

export async function sideEffects(srv: TestServer): Promise<SideEffects> {
  const db = srv.deps.db;
  const [loginEvents, pending, sessions] = await Promise.all([db.loginEvent.count(), db.samlPendingRequest.count(), db.idpSession.count()]);
  return { loginEvents, pending, sessions };
}

/** Sends, expects the refusal, and checks that no login event, pending request or session appeared. */
export async function expectRefusedWithoutEffect(srv: TestServer, sendIt: () => Promise<FetchResult>, status: number | number[] = 400): Promise<FetchResult> {
  const before = await sideEffects(srv);
  const res = await sendIt();
  expectRefused(res, status);
  expect(await sideEffects(srv)).toEqual(before);
  return res;
}

/** A browser that has signed in to this world's organization through one full SSO. */
export async function signedInJar(world: SamlWorld): Promise<CookieJar> {
  const jar = new CookieJar();
  const first = await sendRedirect(world.urls.sso, redirectQuery(authnRequest(world.urls.sso)), jar);
  expectSignInRedirect(first);
  const page = await completeSignIn(world, jar, first, USER_PASSWORD);
  expect(page.status).toBe(200);
  samlResponseFrom(page);
  return jar;
}

/** Another SAML-enabled service in the world's organization. */
export async function addSamlService(world: SamlWorld, config: Json): Promise<{ slug: string; sso: string }> {
  const svc = await createService(world.admin, world.org);
  await configureSaml(world.admin, world.org, svc.slug, config);
  return { slug: svc.slug, sso: `${world.base}/saml/${world.org}/${svc.slug}/sso` };
}

// ---- keys, certificates and signatures ----

export interface KeyPair {
  privateKey: KeyObject;
  certPem: string;
}

/** An RSA-2048 key and a self-signed SHA-256 certificate, as an SP would have. */
export function generateKeyPair(commonName = 'sp.example.com'): KeyPair {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { privateKey: createPrivateKey(forge.pki.privateKeyToPem(keys.privateKey)), certPem: forge.pki.certificateToPem(cert) };
}

/** Base64 signature of `text` (the exact query bytes) with node:crypto. */
export function signText(text: string, key: KeyObject, hash = 'sha256'): string {
  return cryptoSign(hash, Buffer.from(text, 'utf8'), key).toString('base64');
}

/**
 * A signed HTTP-Redirect query. `relayStateRaw` goes into the URL and into the signed text exactly as
 * given (already percent-encoded by the caller).
 */
export function signedRedirectQuery(xml: string, key: KeyObject, opts: { relayStateRaw?: string; sigAlg?: string; hash?: string } = {}): string {
  const signedText =
    `SAMLRequest=${encodeURIComponent(deflated(xml))}` +
    (opts.relayStateRaw === undefined ? '' : `&RelayState=${opts.relayStateRaw}`) +
    `&SigAlg=${encodeURIComponent(opts.sigAlg ?? ALG.rsaSha256)}`;
  return `${signedText}&Signature=${encodeURIComponent(signText(signedText, key, opts.hash ?? 'sha256'))}`;
}

export interface RootSignOptions {
  certPem?: string;
  signatureAlgorithm?: string;
  digestAlgorithm?: string;
  references?: number;
}

/** An enveloped signature of the root element `root` (exc-c14n, enveloped + exc-c14n transforms), placed after its Issuer. */
export function signRoot(xml: string, root: 'AuthnRequest' | 'LogoutRequest', key: KeyObject, opts: RootSignOptions = {}): string {
  const rootXpath = `/*[local-name(.)='${root}']`;
  const sx = new SignedXml({
    privateKey: key,
    ...(opts.certPem ? { publicCert: opts.certPem } : {}),
    signatureAlgorithm: opts.signatureAlgorithm ?? ALG.rsaSha256,
    canonicalizationAlgorithm: ALG.excC14n,
  });
  for (let i = 0; i < (opts.references ?? 1); i++) {
    sx.addReference({ xpath: rootXpath, transforms: [ALG.enveloped, ALG.excC14n], digestAlgorithm: opts.digestAlgorithm ?? ALG.sha256 });
  }
  sx.computeSignature(xml, { prefix: 'ds', location: { reference: `${rootXpath}/*[local-name(.)='Issuer']`, action: 'after' } });
  return sx.getSignedXml();
}

export function signAuthnRequest(xml: string, key: KeyObject, opts: RootSignOptions = {}): string {
  return signRoot(xml, 'AuthnRequest', key, opts);
}

/** Changes the SignedInfo of a signed message, then computes a fresh, valid SignatureValue for it. */
export function resignSignedInfo(signedXml: string, key: KeyObject, mutate: (signedInfo: Element) => void, hash = 'sha256'): string {
  const doc = new DOMParser().parseFromString(signedXml, 'text/xml');
  const signedInfo = doc.getElementsByTagNameNS(NS.dsig, 'SignedInfo').item(0);
  const value = doc.getElementsByTagNameNS(NS.dsig, 'SignatureValue').item(0);
  if (!signedInfo || !value) throw new Error('not a signed message');
  mutate(signedInfo);
  const canonical = new ExclusiveCanonicalization().process(signedInfo, {});
  value.textContent = signText(canonical, key, hash);
  return new XMLSerializer().serializeToString(doc);
}

/** The ds:Signature element text of a signed message, and the message without it. */
export function splitSignature(signedXml: string): { signature: string; unsigned: string } {
  const m = /<ds:Signature[\s>][^]*<\/ds:Signature>/.exec(signedXml);
  if (!m) throw new Error('no signature');
  return { signature: m[0], unsigned: signedXml.replace(m[0], '') };
}

/** A signed message taken apart for the wrapping attacks (see splitSignature). */
export interface SignedParts {
  id: string;
  signed: string;
  signature: string;
  unsigned: string;
}

/** `inner` as the content of samlp:Extensions. */
export const extensions = (inner: string): string => `<samlp:Extensions>${inner}</samlp:Extensions>`;

/** Extensions only admit foreign elements: a foreign wrapper gets a protocol element past the schema. */
export const foreignWrapper = (inner: string): string => extensions(`<x:Wrap xmlns:x="urn:x">${inner}</x:Wrap>`);

/** The signature element with `inner` carried in a ds:Object inside it. */
export const signatureCarrying = (signature: string, inner: string): string =>
  signature.replace('</ds:Signature>', `<ds:Object>${inner}</ds:Object></ds:Signature>`);

/** Inserts raw XML right after the root's Issuer element. */
export function afterIssuer(xml: string, insert: string): string {
  const at = xml.indexOf('</saml:Issuer>');
  if (at === -1) throw new Error('no Issuer');
  const end = at + '</saml:Issuer>'.length;
  return xml.slice(0, end) + insert + xml.slice(end);
}

// ---- an outbound-fetch recorder (XXE targets) ----

export interface Listener {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

export async function startListener(): Promise<Listener> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method ?? '?'} ${req.url ?? ''}`);
    res.setHeader('content-type', 'application/xml-dtd');
    res.end('<!ENTITY % leak SYSTEM "file:///etc/passwd">');
  });
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** HTML character references decoded in one pass (so "&#38;amp;" stays "&amp;"). */
export function decodeHtml(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return named[ref] ?? m;
  });
}

/** The value of a hidden form field, exactly as a browser would submit it. */
export function hiddenField(html: string, name: string): string | undefined {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  return m?.[1] === undefined ? undefined : decodeHtml(m[1]);
}

/** Markup that would point a browser somewhere: a form action, link, source or refresh. */
export const NAVIGATION = /\b(action|formaction|href|src)\s*=|http-equiv/i;

/** SP metadata with an enveloped signature over its EntityDescriptor, as a federation publisher signs it (the pinned-metadata tests). */
export function signedMetadata(xml: string, keys: KeyPair): string {
  const sx = new SignedXml({
    privateKey: keys.privateKey,
    publicCert: keys.certPem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sx.addReference({
    xpath: "/*[local-name(.)='EntityDescriptor']",
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  sx.computeSignature(xml, { prefix: 'ds', location: { reference: "/*[local-name(.)='EntityDescriptor']", action: 'prepend' } });
  return sx.getSignedXml();
}
